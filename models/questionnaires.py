"""Stakeholder questionnaires: a link per stakeholder (hashed like review links), their answers, and the
requirement priority changes they propose, which a member accepts or rejects (previous → new, who, when).

No analysis reads these tables (an accepted change is written to the requirement itself, which does), and the
bundle leaves them behind with the links they hang off (app/services/bundle/coverage.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow
from models.catalog import Stakeholder
from models.requirements import Requirement

QUESTIONNAIRE_TABLES = ("questionnaire_links", "questionnaire_responses", "priority_proposals")


class QuestionnaireLink(Base):
    """A stakeholder's own link to the questionnaire: only its SHA-256 is stored; it expires."""

    __tablename__ = "questionnaire_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    stakeholder: Mapped[Stakeholder] = relationship()


class QuestionnaireResponse(Base):
    """One filled-in questionnaire: who (the link's stakeholder), when, pain points and expectations per area."""

    __tablename__ = "questionnaire_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_links.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    pain_points: Mapped[str] = mapped_column(Text, default="")
    # Stakeholder area code (models.vocab.STAKEHOLDER_AREAS) -> what the stakeholder expects there.
    expectations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    stakeholder: Mapped[Stakeholder] = relationship()
    proposals: Mapped[list[PriorityProposal]] = relationship(back_populates="response", order_by="PriorityProposal.id",
                                                             cascade="all, delete-orphan")


class PriorityProposal(Base):
    """A priority the stakeholder asks for a requirement naming them; pending until a member decides."""

    __tablename__ = "priority_proposals"
    __table_args__ = (CheckConstraint("state IN ('pending', 'accepted', 'rejected')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_responses.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"), index=True)
    proposed: Mapped[str] = mapped_column(String(10))
    # The requirement's priority when the stakeholder answered, and when a member decided (the log's "previous").
    seen: Mapped[str | None] = mapped_column(String(10))
    previous: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    response: Mapped[QuestionnaireResponse] = relationship(back_populates="proposals")
    requirement: Mapped[Requirement] = relationship()
