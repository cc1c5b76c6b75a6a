"""Transaction edges the web and CLI layers ask for: dropping what a failed use case left behind, and reading
without taking SQLite's write lock. Views and commands hand the session over; they never drive it themselves."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.database import DEFERRED


def discard(session: Session) -> None:
    """Drop the changes and the transaction a failed use case (a service that raised) left in the session."""
    session.rollback()


def begin_read(session: Session) -> None:
    """Open a read-only (deferred) transaction for a safe request, unless one is already open (app/database.py)."""
    if not session.in_transaction():
        session.connection(execution_options={DEFERRED: True})


def read_only(session: Session) -> None:
    """End the write-locking transaction a POST began on SQLite and go on reading in a deferred one, so a read
    sent as a POST (a live preview) never queues behind, or blocks, other people's saves."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.connection(execution_options={DEFERRED: True})
