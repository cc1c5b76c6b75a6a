"""Trace links: requirement -> decision -> system/flow, requirement -> system/flow, requirement refines."""

from __future__ import annotations

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, selectinload

from app.services.errors import NotFound, ValidationError
from models import Change, Element, Engagement, TraceLink
from models.vocab import TRACE_KINDS, TRACE_RULES


def add_link(
    session: Session,
    engagement: Engagement,
    kind: str,
    source_id: int,
    target_id: int,
    *,
    user_id: int | None = None,
    commit: bool = True,
) -> TraceLink:
    """Link two elements of the engagement; the kinds must fit the link kind."""
    elements = {
        e.id: e
        for e in session.scalars(
            select(Element).where(Element.id.in_([source_id, target_id]), Element.engagement_id == engagement.id)
        )
    }
    source, target = elements.get(source_id), elements.get(target_id)
    errors = link_errors(kind, source, target)
    if not errors and session.scalar(
        select(TraceLink.id).where(
            TraceLink.kind == kind, TraceLink.source_id == source_id, TraceLink.target_id == target_id
        )
    ):
        errors["target_id"] = "These two are already linked."
    if errors:
        raise ValidationError(errors)
    link = TraceLink(
        engagement_id=engagement.id,
        kind=kind,
        source=source,
        target=target,
        source_version=source.version,
        target_version=target.version,
    )
    session.add(link)
    session.flush()
    log_link(session, engagement.id, link, "link", user_id)
    if commit:
        session.commit()
    return link


def remove_link(
    session: Session, engagement: Engagement, link_id: int, *, user_id: int | None = None, commit: bool = True
) -> None:
    """Remove one trace link of the engagement."""
    link = session.scalar(select(TraceLink).where(TraceLink.id == link_id, TraceLink.engagement_id == engagement.id))
    if link is None:
        raise NotFound("No such link in this engagement.")
    log_link(session, engagement.id, link, "unlink", user_id)
    session.delete(link)
    if commit:
        session.commit()


def links_of(session: Session, engagement_id: int, element_id: int) -> list[TraceLink]:
    """Links from or to one element."""
    return list(
        session.scalars(
            select(TraceLink)
            .where(
                TraceLink.engagement_id == engagement_id,
                or_(TraceLink.source_id == element_id, TraceLink.target_id == element_id),
            )
            .order_by(TraceLink.kind, TraceLink.id)
            .options(selectinload(TraceLink.source), selectinload(TraceLink.target))
        )
    )


def find_link(session: Session, engagement_id: int, kind: str, source_id: int, target_id: int) -> TraceLink | None:
    """The engagement's link of `kind` from one element to another, if there is one."""
    return session.scalar(
        select(TraceLink).where(
            TraceLink.engagement_id == engagement_id,
            TraceLink.kind == kind,
            TraceLink.source_id == source_id,
            TraceLink.target_id == target_id,
        )
    )


def link_errors(kind: str, source: Element | None, target: Element | None) -> dict[str, str]:
    """Why a link of `kind` cannot join these elements of the engagement (None: not found there); {} if it can."""
    if kind not in TRACE_RULES:
        return {"kind": f"Must be one of: {', '.join(TRACE_RULES)}."}
    source_kind, target_kinds = TRACE_RULES[kind]
    errors: dict[str, str] = {}
    if source is None or source.kind != source_kind:
        errors["source_id"] = f"Pick a {source_kind} of this engagement."
    if target is None or target.kind not in target_kinds:
        errors["target_id"] = f"Pick a {' or '.join(sorted(target_kinds))} of this engagement."
    if not errors and source.id == target.id:
        errors["target_id"] = "An element cannot be linked to itself."
    return errors


def log_link(session: Session, engagement_id: int, link: TraceLink, action: str, user_id: int | None) -> None:
    """Record a link or unlink (the link flushed) in the change log."""
    session.add(Change(**link_change(engagement_id, link, action, user_id)))


def log_links(session: Session, engagement_id: int, links: list[TraceLink], user_id: int | None) -> None:
    """Record many new links (flushed) in the change log with one INSERT (bulk imports)."""
    if links:
        session.execute(insert(Change), [link_change(engagement_id, link, "link", user_id) for link in links])


def link_change(engagement_id: int, link: TraceLink, action: str, user_id: int | None) -> dict:
    """The change-log row of a link or unlink, as column values."""
    payload = {"kind": link.kind, "source_id": link.source_id, "target_id": link.target_id}
    return {
        "engagement_id": engagement_id,
        "element_id": link.source_id,
        "kind": "link",
        "action": action,
        "user_id": user_id,
        "summary": f"{link.source.label} {TRACE_KINDS[link.kind]} {link.target.label}"[:300],
        "before": payload if action == "unlink" else None,
        "after": payload if action == "link" else None,
    }
