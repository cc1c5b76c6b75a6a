"""Relations between systems: data flows and data ownership."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.catalog import DataEntity, System
from models.elements import Element

flow_entities = Table(
    "flow_entities",
    Base.metadata,
    Column("flow_id", ForeignKey("data_flows.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", ForeignKey("data_entities.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class DataFlow(Element):
    """Data moving from a source system to a target system, possibly via middleware."""

    __tablename__ = "data_flows"
    __table_args__ = (
        CheckConstraint("source_id <> target_id", name="source_not_target"),
        CheckConstraint("latency_seconds IS NULL OR latency_seconds >= 0", name="latency_not_negative"),
        CheckConstraint(
            "worst_latency_seconds IS NULL OR worst_latency_seconds >= 0", name="worst_latency_not_negative"
        ),
    )
    __mapper_args__ = {"polymorphic_identity": "flow"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    via_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id", ondelete="SET NULL"), index=True)
    pattern: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(200), default="")
    latency_seconds: Mapped[float | None] = mapped_column(Float)
    worst_latency_seconds: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(10), default="one_way")
    notes: Mapped[str] = mapped_column(Text, default="")

    source: Mapped[System] = relationship(foreign_keys=[source_id])
    target: Mapped[System] = relationship(foreign_keys=[target_id])
    via: Mapped[System | None] = relationship(foreign_keys=[via_id])
    entities: Mapped[list[DataEntity]] = relationship(
        secondary=flow_entities,
        primaryjoin="DataFlow.id == flow_entities.c.flow_id",
        secondaryjoin="DataEntity.id == flow_entities.c.entity_id",
        order_by="DataEntity.id",
    )


class Ownership(Element):
    """The role a system plays for a data entity (system of record, replica, reader…)."""

    __tablename__ = "ownerships"
    __table_args__ = (UniqueConstraint("system_id", "entity_id", "role"),)
    __mapper_args__ = {"polymorphic_identity": "ownership"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("data_entities.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    system: Mapped[System] = relationship(foreign_keys=[system_id])
    entity: Mapped[DataEntity] = relationship(foreign_keys=[entity_id])
