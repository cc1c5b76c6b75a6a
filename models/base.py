"""Declarative base with a constraint naming convention, shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


# Timestamps are stored timezone-aware on PostgreSQL; SQLite keeps the ISO text.
TZDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Base class of every Throughline model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamps:
    """Created/updated columns kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


def name_key(name: str | None) -> str | None:
    """Case- and space-insensitive key used for uniqueness and lookups by name."""
    if name is None:
        return None
    return " ".join(name.split()).casefold() or None
