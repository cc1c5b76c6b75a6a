"""The change log: every create, update and delete with who, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow


class Change(Base):
    """One recorded change to one element (or link); before/after are plain JSON snapshots."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_engagement_at", "engagement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    # No foreign key: the history of a deleted element must outlive it.
    element_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The scenario an edit applied to; NULL for a change to the shared values (every scenario).
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"), index=True)
    # Loaded with the changes in one query (history pages list many changes of few scenarios).
    scenario: Mapped[Scenario | None] = relationship(lazy="selectin")  # noqa: F821
