"""Trace links between requirements, decisions, systems and flows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow
from models.elements import Element


class TraceLink(Base):
    """A typed link: requirement -> decision, decision -> system/flow, requirement -> system/flow/requirement."""

    __tablename__ = "trace_links"
    __table_args__ = (
        UniqueConstraint("kind", "source_id", "target_id"),
        CheckConstraint("source_id <> target_id", name="not_self"),
        CheckConstraint("kind IN ('addresses', 'affects', 'satisfied_by', 'refines')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Versions of both ends when the link was created or last reviewed; if either end has moved on since,
    # the link is suspect (as in Doorstop) until someone reviews it again.
    source_version: Mapped[int] = mapped_column(default=1, server_default="1")
    target_version: Mapped[int] = mapped_column(default=1, server_default="1")
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The identifier of the ArchiMate relationship this link was imported from, reused on export.
    external_id: Mapped[str | None] = mapped_column(String(200))

    @property
    def suspect(self) -> bool:
        """True when either end changed after the link was last reviewed."""
        return self.source.version != self.source_version or self.target.version != self.target_version

    source: Mapped[Element] = relationship(foreign_keys=[source_id])
    target: Mapped[Element] = relationship(foreign_keys=[target_id])
