"""The effective status of an engagement's decisions (the rule is `app.graph.decision_status`), read in one query,
and the conditions the decisions list filters and sorts on so that it agrees with what the rows show."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from app.graph.decision_status import EffectiveStatus, effective_statuses
from models import Decision


def statuses(session: Session, engagement_id: int) -> dict[int, EffectiveStatus]:
    """Every decision of the engagement: its effective status by id (one query)."""
    rows = session.execute(
        select(Decision.id, Decision.number, Decision.ref, Decision.status, Decision.supersedes_id)
        # The kind too, so the database reads the engagement's decisions from its (engagement, kind) index.
        .where(Decision.engagement_id == engagement_id, Decision.kind == "decision")
    ).all()
    return effective_statuses(rows)


def status_is(session: Session, engagement_id: int, value: str) -> ColumnElement[bool]:
    """A condition on decisions: the effective status is `value` (stored as it, unless superseded since)."""
    derived = {i: s for i, s in statuses(session, engagement_id).items() if s.derived}
    shown_as_value = [i for i, s in derived.items() if s.status == value]
    return or_(and_(Decision.status == value, Decision.id.not_in(list(derived))), Decision.id.in_(shown_as_value))


def status_order(session: Session, engagement_id: int) -> ColumnElement[str]:
    """What the decisions list sorts on for its status column: the effective status code."""
    derived = {i: s.status for i, s in statuses(session, engagement_id).items() if s.derived}
    if not derived:
        return Decision.status
    return case(derived, value=Decision.id, else_=Decision.status)
