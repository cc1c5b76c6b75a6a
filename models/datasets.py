"""Captured datasets (locations, inventory, orders, receipts, customers) and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from models.base import Base, Timestamps, TZDateTime, utcnow

# The dataset kinds, in upload order (locations first: the others refer to them); the table's check constraint
# is built from it. app/services/datasets/kinds.py describes each kind's columns, the bundle schema's enum is
# built from that registry, and tests/test_bundle_kinds.py fails when the two lists or the schema file differ.
# A new kind also needs a migration for the constraint.
DATASET_KINDS = ("locations", "inventory", "orders", "receipts", "customers", "returns")
VERSION_STATUSES = ("ok", "warnings")


class Dataset(Timestamps, Base):
    """A named extract of one kind, taken from one catalog system; re-uploads add versions."""

    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("engagement_id", "kind", "name_key"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in DATASET_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    system_id: Mapped[int | None] = mapped_column(ForeignKey("systems.id", ondelete="SET NULL"), index=True)

    system: Mapped[System | None] = relationship()  # noqa: F821
    versions: Mapped[list[DatasetVersion]] = relationship(
        back_populates="dataset", order_by="DatasetVersion.number", passive_deletes=True
    )


class DatasetVersion(Base):
    """One accepted upload: its validated rows as a compressed columnar blob, the mapping used, a profile."""

    __tablename__ = "dataset_versions"
    __table_args__ = (
        UniqueConstraint("dataset_id", "number"),
        CheckConstraint("status IN ('ok', 'warnings')", name="status"),
        CheckConstraint("row_count >= 0", name="row_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255), default="")
    row_count: Mapped[int]
    column_mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="ok")
    storage_format: Mapped[str] = mapped_column(String(30))
    size_bytes: Mapped[int]
    # Loaded only when an engine or a preview needs the rows; listings never pull megabytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    dataset: Mapped[Dataset] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def label(self) -> str:
        """E.g. "Inventory v3"."""
        return f"{self.dataset.name} v{self.number}"
