"""Review events: one small row per thing that happened in a review round, which the per-user digest reads.

Comments write them here; sign-offs, stale sign-offs and questionnaire answers call `record_event` too.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from models import ReviewEvent

SUMMARY_MAX = 300


def record_event(session: Session, engagement_id: int, kind: str, summary: str, anchor_kind: str | None = None,
                 anchor_key: str | None = None, actor_name: str = "", *, actor_user_id: int | None = None,
                 mentioned_user_ids: Iterable[int] = ()) -> ReviewEvent:
    """Add a review event to the caller's transaction (no commit: the caller's service commits)."""
    event = ReviewEvent(
        engagement_id=engagement_id, kind=kind[:30], summary=" ".join(summary.split())[:SUMMARY_MAX],
        anchor_kind=anchor_kind, anchor_key=anchor_key, actor_name=actor_name[:200], actor_user_id=actor_user_id,
        mentioned_user_ids=sorted(set(mentioned_user_ids)),
    )
    session.add(event)
    return event
