"""Engagements (the tenant) and their scenarios."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps

scenario_members = Table(
    "scenario_members",
    Base.metadata,
    Column("scenario_id", ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True),
    Column("element_id", ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Engagement(Timestamps, Base):
    """A client project; every other object belongs to exactly one engagement."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    client: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    # Counters for REQ-n / ADR-n: refs are never reused, even after a delete.
    next_requirement_number: Mapped[int] = mapped_column(default=1)
    next_decision_number: Mapped[int] = mapped_column(default=1)
    # Per-engagement preferences (e.g. analysis rule switches and weights), as a plain JSON document.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # Bumped by every flush that touches the engagement's rows (app/services/analysis/revision.py), so cached
    # analyses keyed by it are never served after a change.
    revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    scenarios: Mapped[list[Scenario]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan", order_by="Scenario.id"
    )
    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="engagement", cascade="all, delete-orphan"
    )


class Scenario(Timestamps, Base):
    """A named architecture state: the current state, or a proposal."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("engagement_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_baseline: Mapped[bool] = mapped_column(default=False)
    # The identifier of the ArchiMate Plateau this scenario was imported from, reused when exporting it again.
    external_id: Mapped[str | None] = mapped_column(String(200))

    engagement: Mapped[Engagement] = relationship(back_populates="scenarios")
    members: Mapped[list[Element]] = relationship(  # noqa: F821
        secondary=scenario_members, back_populates="scenarios"
    )

    @property
    def label(self) -> str:
        """Human label, like Element.label (decisions refer to a scenario through a generic `ref` field)."""
        return self.name


class ScenarioValue(Base):
    """The values one scenario gives an element where they differ from the element's shared values.

    `values` maps field names to plain payload values (ids for references, lists of ids), the same shape as
    the change log. A field absent here takes the element's own (shared) value; `version` counts the edits
    made in this scenario only, so an edit in another scenario never looks like a concurrent one."""

    __tablename__ = "scenario_values"

    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=0)
