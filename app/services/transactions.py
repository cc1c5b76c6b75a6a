"""Transaction edges: dropping what a failed use case left behind, reading without taking SQLite's write lock
(both asked for by views and commands, which hand the session over and never drive it themselves), and
holding the inserts of an all-or-nothing import until it has committed or rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from app.database import DEFERRED


def discard(session: Session) -> None:
    """Drop the changes and the transaction a failed use case (a service that raised) left in the session."""
    session.rollback()


def begin_read(session: Session) -> None:
    """Open a read-only (deferred) transaction for a safe request, unless one is already open (app/database.py)."""
    target = session() if isinstance(session, scoped_session) else session  # the web hands a scoped session
    if not target.in_transaction():
        target.connection(execution_options={DEFERRED: True})


def read_only(session: Session) -> None:
    """End the write-locking transaction a POST began on SQLite and go on reading in a deferred one, so a read
    sent as a POST (a live preview) never queues behind, or blocks, other people's saves."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.connection(execution_options={DEFERRED: True})


@contextmanager
def holding_inserts(session: Session) -> Iterator[None]:
    """Keep every instance inserted inside the block alive until the block ends (imports and dry runs)."""
    # A rollback expunges the instances it inserted only while they are alive. The session holds
    # clean instances weakly, so one could be collected, re-loaded by a later query, and then survive
    # the rollback as a ghost whose id SQLite hands out again. Holding every insert prevents that.
    target = session() if isinstance(session, scoped_session) else session  # not every scoped session
    held: list[Any] = []

    def hold(_session, instance) -> None:
        held.append(instance)

    event.listen(target, "pending_to_persistent", hold)
    try:
        yield
    finally:
        event.remove(target, "pending_to_persistent", hold)
