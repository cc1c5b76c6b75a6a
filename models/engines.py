"""ATP rules, routing cost models and return policies per scenario, and stored engine runs (ATP, oversell
replay, routing, identity, returns)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, TZDateTime, utcnow

RUN_KINDS = ("atp", "replay", "routing", "identity", "returns")
RUN_STATUSES = ("queued", "running", "done", "failed")


class AtpRules(Timestamps, Base):
    """A scenario's ATP rules as one JSON document (format: docs/atp.md); absent means the defaults."""

    __tablename__ = "atp_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RoutingCostModel(Timestamps, Base):
    """A scenario's routing cost model as one JSON document (format: docs/routing.md); absent means defaults."""

    __tablename__ = "routing_cost_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReturnPolicy(Timestamps, Base):
    """A scenario's return policy as one JSON document (format: docs/returns.md); absent means the defaults."""

    __tablename__ = "return_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class EngineRun(Base):
    """One ATP, replay or routing run: its inputs (dataset versions, rules snapshot, parameters) and its metrics."""

    __tablename__ = "engine_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('atp', 'replay', 'routing', 'identity', 'returns')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # {"inventory": version id, ...}: versions are never deleted while their engagement lives.
    dataset_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Written with each progress update; a run whose heartbeat stops was interrupted (see services/stale_work).
    heartbeat_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    scenario: Mapped[Scenario] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def finished(self) -> bool:
        """True once the run is done or failed."""
        return self.status in ("done", "failed")
