"""Traceability: the requirements × decisions matrix, coverage figures and suspect links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.graph.decision_status import EffectiveStatus
from app.services import signoff_status as review_signoffs
from app.services.catalog import decision_status
from app.services.errors import NotFound
from models import Decision, Element, Engagement, Requirement, TraceLink, element_channels

PAGE_SIZE = 50  # rows per page: with a column per decision they address, ~2,500 cells
# Past this many decisions, columns are the decisions linked to the requirements on the page.
ALL_COLUMNS_UP_TO = 60


@dataclass
class TraceMatrix:
    """Requirements (rows) × decisions (columns) with the links between them and what decisions affect."""

    requirements: list[Requirement]
    decisions: list[Decision]
    total_requirements: int = 0
    total_decisions: int = 0
    offset: int = 0
    addresses: dict[tuple[int, int], TraceLink] = field(default_factory=dict)
    affects: dict[int, list[TraceLink]] = field(default_factory=dict)
    satisfied_by: dict[int, list[TraceLink]] = field(default_factory=dict)
    statuses: dict[int, EffectiveStatus] = field(default_factory=dict)  # each decision's effective status
    # Sign-off status of the requirements and decisions shown (absent: nobody signed off).
    signoffs: dict[int, review_signoffs.Status] = field(default_factory=dict)

    def signoff(self, element: Element) -> review_signoffs.Status:
        """The sign-off status of a requirement or decision on the page."""
        return self.signoffs.get(element.id) or review_signoffs.Status(element.id, element.version)

    def decisions_for(self, requirement_id: int) -> list[int]:
        """Decisions that address a requirement."""
        return [d for (r, d) in self.addresses if r == requirement_id]


LISTED = 50  # problem lists name at most this many objects; the counts are always complete


@dataclass(frozen=True)
class Coverage:
    """How well requirements and decisions trace to each other (engagement-wide, all scenarios)."""

    requirements: int
    without_decision: int
    must_unaddressed: int
    decisions_without_requirement: int
    suspect_links: int
    must_unaddressed_first: list[Requirement] = field(default_factory=list)
    orphan_decisions_first: list[Decision] = field(default_factory=list)


def matrix(
    session: Session,
    engagement: Engagement,
    *,
    priority: str = "",
    status: str = "",
    channel_id: int | None = None,
    offset: int = 0,
) -> TraceMatrix:
    """One page of the matrix, requirements filtered by priority, status and channel."""
    stmt = select(Requirement).where(_of(Requirement, engagement.id))
    if priority:
        stmt = stmt.where(Requirement.priority == priority)
    if status:
        stmt = stmt.where(Requirement.status == status)
    if channel_id:
        stmt = stmt.where(
            Requirement.id.in_(select(element_channels.c.element_id).where(element_channels.c.channel_id == channel_id))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    requirements = list(session.scalars(stmt.order_by(Requirement.number).offset(offset).limit(PAGE_SIZE)))
    row_ids = [r.id for r in requirements]
    total_decisions = (
        session.scalar(select(func.count(Decision.id)).where(_of(Decision, engagement.id))) or 0
    )
    links = _links(session, engagement.id, TraceLink.kind.in_(("addresses", "satisfied_by")),
                   TraceLink.source_id.in_(row_ids))
    decision_stmt = select(Decision).where(_of(Decision, engagement.id))
    if total_decisions > ALL_COLUMNS_UP_TO:
        linked = {link.target_id for link in links if link.kind == "addresses"}
        decision_stmt = decision_stmt.where(Decision.id.in_(linked))
    decisions = list(session.scalars(decision_stmt.order_by(Decision.number)))
    shown = [d.id for d in decisions]
    # What the columns on this page affect, not every decision's: on a large engagement that was most of the
    # page's time (hundreds of links and the systems at their ends loaded for nothing).
    links += _links(session, engagement.id, TraceLink.kind == "affects", TraceLink.source_id.in_(shown))
    result = TraceMatrix(requirements, decisions, total, total_decisions, offset,
                         statuses=decision_status.statuses(session, engagement.id),
                         signoffs=review_signoffs.statuses(session, engagement.id, [*row_ids, *shown]))
    for link in links:
        if link.kind == "addresses":
            result.addresses[(link.source_id, link.target_id)] = link
        elif link.kind == "affects":
            result.affects.setdefault(link.source_id, []).append(link)
        elif link.kind == "satisfied_by":
            result.satisfied_by.setdefault(link.source_id, []).append(link)
    return result


def _of(model, engagement_id: int):
    """The engagement's elements of one kind, said so the database can use the (engagement, kind) index: without
    the kind it walks every element of the engagement and probes the kind's table for each (3x slower at 3,000
    systems)."""
    return and_(model.engagement_id == engagement_id, model.kind == model.__mapper__.polymorphic_identity)


def _links(session: Session, engagement_id: int, *conditions) -> list[TraceLink]:
    """Links of the engagement matching `conditions`, their two ends loaded with them (suspect needs both)."""
    return list(
        session.scalars(
            select(TraceLink)
            .where(TraceLink.engagement_id == engagement_id, *conditions)
            .order_by(TraceLink.id)
            .options(selectinload(TraceLink.source), selectinload(TraceLink.target))
        )
    )


def _suspect_condition():
    source, target = aliased(Element), aliased(Element)
    return source, target, or_(source.version != TraceLink.source_version, target.version != TraceLink.target_version)


def suspect_links(session: Session, engagement_id: int) -> list[TraceLink]:
    """Links whose source or target changed after the link was last reviewed."""
    source, target, changed = _suspect_condition()
    return list(
        session.scalars(
            select(TraceLink)
            .join(source, source.id == TraceLink.source_id)
            .join(target, target.id == TraceLink.target_id)
            .where(TraceLink.engagement_id == engagement_id, changed)
            .order_by(TraceLink.id)
            .options(selectinload(TraceLink.source), selectinload(TraceLink.target))
        )
    )


def suspect_count(session: Session, engagement_id: int) -> int:
    """Number of suspect links (for the dashboard)."""
    source, target, changed = _suspect_condition()
    return (
        session.scalar(
            select(func.count(TraceLink.id))
            .join(source, source.id == TraceLink.source_id)
            .join(target, target.id == TraceLink.target_id)
            .where(TraceLink.engagement_id == engagement_id, changed)
        )
        or 0
    )


def review_link(session: Session, engagement: Engagement, link_id: int, *, user_id: int | None = None) -> TraceLink:
    """Mark a link reviewed: it is no longer suspect until one of its ends changes again."""
    link = session.scalar(select(TraceLink).where(TraceLink.id == link_id, TraceLink.engagement_id == engagement.id))
    if link is None:
        raise NotFound("No such link in this engagement.")
    link.source_version = link.source.version
    link.target_version = link.target.version
    link.reviewed_at = datetime.now(UTC)
    link.reviewed_by_id = user_id
    session.commit()
    return link


def coverage(session: Session, engagement: Engagement) -> Coverage:
    """Requirements with no decision, must-haves with no accepted decision, decisions with no requirement."""
    requirements = session.execute(
        select(Requirement.id, Requirement.priority).where(
            _of(Requirement, engagement.id), Requirement.status != "dropped"
        )
    ).all()
    decisions = dict(
        session.execute(select(Decision.id, Decision.status).where(_of(Decision, engagement.id))).all()
    )
    links = session.execute(
        select(TraceLink.source_id, TraceLink.target_id).where(
            TraceLink.engagement_id == engagement.id, TraceLink.kind == "addresses"
        )
    ).all()
    addressed = {source for source, _target in links}
    accepted = {source for source, target in links if decisions.get(target) == "accepted"}
    linked_decisions = {target for _source, target in links}
    must_ids = sorted(r.id for r in requirements if r.priority == "must" and r.id not in accepted)
    orphan_ids = sorted(d for d in decisions if d not in linked_decisions)
    return Coverage(
        requirements=len(requirements),
        without_decision=sum(1 for r in requirements if r.id not in addressed),
        must_unaddressed=len(must_ids),
        decisions_without_requirement=len(orphan_ids),
        suspect_links=suspect_count(session, engagement.id),
        must_unaddressed_first=_first(session, Requirement, must_ids),
        orphan_decisions_first=_first(session, Decision, orphan_ids),
    )


def _first(session: Session, model, ids: list[int]) -> list:
    if not ids:
        return []
    return list(session.scalars(select(model).where(model.id.in_(ids[:LISTED])).order_by(model.number)))
