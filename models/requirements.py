"""Requirements and architecture decisions (MADR-style ADRs)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.catalog import Channel, Stakeholder
from models.elements import Element, element_channels
from models.engagement import Scenario


class Requirement(Element):
    """A stated need with a stable REQ-n ref; `name` holds its title."""

    __tablename__ = "requirements"
    __mapper_args__ = {"polymorphic_identity": "requirement"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str | None] = mapped_column(String(10))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id", ondelete="SET NULL"), index=True)
    acceptance: Mapped[str] = mapped_column(Text, default="")

    source: Mapped[Stakeholder | None] = relationship(foreign_keys=[source_id])
    channels: Mapped[list[Channel]] = relationship(
        secondary=element_channels,
        primaryjoin="Requirement.id == element_channels.c.element_id",
        secondaryjoin="Channel.id == element_channels.c.channel_id",
        order_by="Channel.id",
    )


class Decision(Element):
    """An architecture decision record with a stable ADR-n ref; `name` holds its title."""

    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("supersedes_id IS NULL OR supersedes_id <> id", name="not_self_superseding"),)
    __mapper_args__ = {"polymorphic_identity": "decision"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int]
    status: Mapped[str | None] = mapped_column(String(12))
    context: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"), index=True)

    supersedes: Mapped[Decision | None] = relationship(
        foreign_keys=[supersedes_id], remote_side="Decision.id"
    )
    scenario: Mapped[Scenario | None] = relationship()
    participants: Mapped[list[DecisionParticipant]] = relationship(
        cascade="all, delete-orphan",
        foreign_keys="DecisionParticipant.decision_id",
        order_by="(DecisionParticipant.role, DecisionParticipant.stakeholder_id)",
    )

    def stakeholders_in(self, role: str) -> list[Stakeholder]:
        """Stakeholders taking part in this decision in one role (decider, consulted, informed)."""
        return [p.stakeholder for p in self.participants if p.role == role]


class DecisionParticipant(Base):
    """A stakeholder who decided, was consulted on, or was informed of a decision."""

    __tablename__ = "decision_participants"
    __table_args__ = (CheckConstraint("role IN ('decider', 'consulted', 'informed')", name="role"),)

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10), primary_key=True)

    stakeholder: Mapped[Stakeholder] = relationship(foreign_keys=[stakeholder_id])
