"""Long work (engine runs, report jobs): progress written as it goes, and work that a restart interrupted
marked failed instead of showing "running" for ever."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.services.transactions import begin_read
from models import EngineRun, ReportJob
from models.base import utcnow

# No progress for this long means the worker is gone (a restart kills the in-process pool). Generous, because
# one engine stage (a Splink training pass on a large extract) may report nothing for minutes.
STALE_AFTER = timedelta(minutes=15)
# Queued work waits for the single worker behind other runs, so it is given longer before it counts as lost.
QUEUED_STALE_AFTER = timedelta(hours=1)
UNFINISHED = ("queued", "running")
INTERRUPTED = ("Interrupted: no progress for {minutes} minutes — the server was probably restarted while it ran. "
               "Start it again.")


def progress_writer(session: Session, row: Any, *, every: float = 0.5, start: float = 0.0,
                    span: float = 1.0, apart: bool = False) -> Callable[[float], None]:
    """A progress(fraction) callback committing `row.progress` (mapped onto start..start+span, capped below 1)
    and its heartbeat at most every `every` seconds; the heartbeat is set now and saved with the caller's commit.

    With `apart`, each update is its own short transaction on another session, so the caller's session can keep
    reading in one read-only transaction (on SQLite: no write lock held while the work runs)."""
    row.heartbeat_at = utcnow()
    last = [time.monotonic()]
    model, key = type(row), row.id

    def progress(fraction: float) -> None:
        if time.monotonic() - last[0] >= every:
            last[0] = time.monotonic()
            value = round(min(start + span * min(max(fraction, 0.0), 1.0), 0.99), 3)
            if apart:
                with Session(session.get_bind()) as other:
                    other.execute(update(model).where(model.id == key).values(progress=value, heartbeat_at=utcnow()))
                    other.commit()
                return
            row.progress = value
            row.heartbeat_at = utcnow()
            session.commit()

    return progress


def read_only_work(session: Session) -> None:
    """Commit what is pending and go on in a read-only transaction: long work holds no SQLite write lock (its
    progress is written apart, see progress_writer); finish_work writes the result afterwards."""
    session.commit()
    begin_read(session)


def finish_work(session: Session, row: Any, **values: Any) -> Any:
    """End the read-only transaction and write `values` on the row in a short write transaction of its own."""
    session.rollback()  # nothing was changed while reading: this only ends the read
    row = session.get(type(row), row.id)
    for name, value in values.items():
        setattr(row, name, value)
    session.commit()
    return row


def _last_sign(row: Any) -> datetime | None:
    return row.heartbeat_at or getattr(row, "started_at", None) or row.created_at


def is_stale(row: Any, now: datetime | None = None, stale_after: timedelta = STALE_AFTER) -> bool:
    """True for running work with no sign of life for `stale_after` (queued work: QUEUED_STALE_AFTER or more)."""
    seen = _last_sign(row)
    if row.status not in UNFINISHED or seen is None:
        return False
    if seen.tzinfo is None:  # SQLite hands back naive datetimes; they are stored in UTC
        seen = seen.replace(tzinfo=(now or utcnow()).tzinfo)
    return (now or utcnow()) - seen > _limit(row, stale_after)


def _limit(row: Any, stale_after: timedelta) -> timedelta:
    return max(stale_after, QUEUED_STALE_AFTER) if row.status == "queued" else stale_after


def reap_stale(session: Session, engagement_id: int, *, now: datetime | None = None,
               stale_after: timedelta = STALE_AFTER) -> int:
    """Mark the engagement's interrupted runs and jobs failed (with why); return how many. Cheap when none are."""
    now = now or utcnow()
    reaped = 0
    for model in (EngineRun, ReportJob):
        rows = session.scalars(
            select(model).where(model.engagement_id == engagement_id, model.status.in_(UNFINISHED))
        ).all()
        for row in rows:
            if is_stale(row, now, stale_after):
                minutes = int(_limit(row, stale_after).total_seconds() // 60)
                row.status, row.finished_at = "failed", now
                row.error = INTERRUPTED.format(minutes=minutes)
                reaped += 1
    if reaped:
        session.commit()
    return reaped
