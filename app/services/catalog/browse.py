"""What pages show around an element, always inside its engagement: the objects related to it on its detail page,
the elements its link form offers, its ArchiMate relationships, and the options of reference fields."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    ArchimateRelationship,
    Channel,
    DataFlow,
    Decision,
    Element,
    Ownership,
    Requirement,
    Scenario,
    System,
    element_channels,
    flow_entities,
)


def related_objects(session: Session, element: Element) -> dict[str, list]:
    """Objects related to an element, for its detail page: heading -> objects."""
    related: dict[str, list] = {}
    if element.kind == "system":
        related["Flows out"] = session.scalars(
            select(DataFlow).where(DataFlow.source_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Flows in"] = session.scalars(
            select(DataFlow).where(DataFlow.target_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Flows routed via it"] = session.scalars(
            select(DataFlow).where(DataFlow.via_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Data ownership"] = session.scalars(
            select(Ownership).where(Ownership.system_id == element.id).order_by(Ownership.id)
        ).all()
    elif element.kind == "entity":
        related["Ownership"] = session.scalars(
            select(Ownership).where(Ownership.entity_id == element.id).order_by(Ownership.id)
        ).all()
        related["Carried by flows"] = session.scalars(
            select(DataFlow)
            .join(flow_entities, flow_entities.c.flow_id == DataFlow.id)
            .where(flow_entities.c.entity_id == element.id)
            .order_by(DataFlow.id)
        ).all()
    elif element.kind == "stakeholder":
        related["Owns systems"] = session.scalars(select(System).where(System.owner_id == element.id)).all()
        related["Source of requirements"] = session.scalars(
            select(Requirement).where(Requirement.source_id == element.id)
        ).all()
    elif element.kind == "decision":
        related["Superseded by"] = session.scalars(
            select(Decision).where(Decision.supersedes_id == element.id).order_by(Decision.number)
        ).all()
    elif element.kind == "channel":
        related["Served by systems"] = session.scalars(
            select(System)
            .join(element_channels, element_channels.c.element_id == System.id)
            .where(element_channels.c.channel_id == element.id)
            .order_by(System.name_key)
        ).all()
    # Relationships kept from an imported ArchiMate model that have no Throughline meaning of their own.
    related.update(related_by_relationship(session, element))
    return related


def link_candidates(session: Session, element: Element, kinds: list[str], q: str = "", limit: int = 50) -> list:
    """Elements of `kinds` in the element's engagement the link form may offer (first `limit`, name or ref
    containing `q`), the element itself left out."""
    if not kinds:
        return []
    stmt = select(Element).where(
        Element.engagement_id == element.engagement_id, Element.kind.in_(kinds), Element.id != element.id
    )
    if q:
        like = f"%{q.casefold()}%"
        stmt = stmt.where(or_(func.lower(Element.name).like(like), func.lower(Element.ref).like(like)))
    return session.scalars(stmt.order_by(Element.kind, Element.ref, Element.name_key, Element.id).limit(limit)).all()


def archimate_relationships(session: Session, engagement_id: int, element_id: int) -> list[ArchimateRelationship]:
    """The engagement's ArchiMate relationships from or to an element, with both ends loaded, by type."""
    return session.scalars(
        select(ArchimateRelationship)
        .where(
            ArchimateRelationship.engagement_id == engagement_id,
            or_(ArchimateRelationship.source_id == element_id, ArchimateRelationship.target_id == element_id),
        )
        .options(selectinload(ArchimateRelationship.source), selectinload(ArchimateRelationship.target))
        .order_by(ArchimateRelationship.type, ArchimateRelationship.id)
    ).all()


def reference_options(session: Session, engagement_id: int, model, exclude: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of the engagement's objects a reference field may point at."""
    if model is Scenario:
        rows = session.execute(
            select(Scenario.id, Scenario.name).where(Scenario.engagement_id == engagement_id).order_by(Scenario.id)
        ).all()
        return [(r.id, r.name) for r in rows]
    order = model.name_key if model.__name__ in ("System", "Stakeholder", "Channel", "DataEntity") else model.id
    rows = session.execute(
        select(model.id, model.name, model.ref).where(model.engagement_id == engagement_id).order_by(order)
    ).all()
    return [(r.id, f"{r.ref} {r.name}" if r.ref else r.name) for r in rows if r.id != exclude]


def channel_names(session: Session, engagement_id: int) -> list[str]:
    """The names of the engagement's channels, in name order."""
    return session.scalars(
        select(Channel.name).where(Channel.engagement_id == engagement_id).order_by(Channel.name_key)
    ).all()


def related_by_relationship(session: Session, element: Element) -> dict[str, list[Element]]:
    """An element's generic ArchiMate relationships grouped for a detail page: "Serving →" -> other ends."""
    grouped: dict[str, list[Element]] = {}
    rows = session.scalars(
        select(ArchimateRelationship)
        .where(
            ArchimateRelationship.engagement_id == element.engagement_id,
            (ArchimateRelationship.source_id == element.id) | (ArchimateRelationship.target_id == element.id),
        )
        .order_by(ArchimateRelationship.type, ArchimateRelationship.id)
    ).all()
    for rel in rows:
        outgoing = rel.source_id == element.id
        title = f"ArchiMate {rel.type.lower()} {'to' if outgoing else 'from'}"
        grouped.setdefault(title, []).append(rel.target if outgoing else rel.source)
    return grouped
