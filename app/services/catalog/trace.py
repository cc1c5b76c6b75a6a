"""Trace links: requirement -> decision -> system/flow, requirement -> system/flow, requirement refines."""

from __future__ import annotations

from sqlalchemy import or_, select
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
    if kind not in TRACE_RULES:
        raise ValidationError({"kind": f"Must be one of: {', '.join(TRACE_RULES)}."})
    source_kind, target_kinds = TRACE_RULES[kind]
    elements = {
        e.id: e
        for e in session.scalars(
            select(Element).where(Element.id.in_([source_id, target_id]), Element.engagement_id == engagement.id)
        )
    }
    errors: dict[str, str] = {}
    source, target = elements.get(source_id), elements.get(target_id)
    if source is None or source.kind != source_kind:
        errors["source_id"] = f"Pick a {source_kind} of this engagement."
    if target is None or target.kind not in target_kinds:
        errors["target_id"] = f"Pick a {' or '.join(sorted(target_kinds))} of this engagement."
    if not errors and source_id == target_id:
        errors["target_id"] = "An element cannot be linked to itself."
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
    _log(session, engagement.id, link, "link", user_id)
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
    _log(session, engagement.id, link, "unlink", user_id)
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


def _log(session: Session, engagement_id: int, link: TraceLink, action: str, user_id: int | None) -> None:
    payload = {"kind": link.kind, "source_id": link.source_id, "target_id": link.target_id}
    session.add(
        Change(
            engagement_id=engagement_id,
            element_id=link.source_id,
            kind="link",
            action=action,
            user_id=user_id,
            summary=f"{link.source.label} {TRACE_KINDS[link.kind]} {link.target.label}"[:300],
            before=payload if action == "unlink" else None,
            after=payload if action == "link" else None,
        )
    )
