"""Create, update and delete any element kind, with validation, versioning and the change log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.services import signoff_status
from app.services.catalog.fields import KINDS, Kind, apply, clean, same_snapshot, snapshot
from app.services.catalog.scenario_refs import forget_references_to, own_values_of
from app.services.errors import Conflict, NotFound, ValidationError
from models import (
    ArchimateRelationship,
    Change,
    DataFlow,
    DecisionParticipant,
    Element,
    Engagement,
    Ownership,
    Scenario,
    TraceLink,
    flow_entities,
    name_key,
)
from models.vocab import OWNERSHIP_ROLES


def get_element(session: Session, engagement_id: int, kind: str, element_id: int) -> Element:
    """Load one element of a kind inside an engagement, or raise NotFound."""
    spec = KINDS[kind]
    element = session.scalar(
        select(spec.model).where(spec.model.id == element_id, spec.model.engagement_id == engagement_id)
    )
    if element is None:
        raise NotFound(f"No {spec.label.lower()} {element_id} in this engagement.")
    return element


def list_elements(session: Session, engagement_id: int, kind: str) -> list[Element]:
    """All elements of a kind in an engagement, in a stable order."""
    spec = KINDS[kind]
    order = spec.model.name_key if spec.named else spec.model.id
    return list(session.scalars(select(spec.model).where(spec.model.engagement_id == engagement_id).order_by(order)))


def save_element(
    session: Session,
    engagement: Engagement,
    kind: str,
    data: dict[str, Any],
    element: Element | None = None,
    *,
    version: int | None = None,
    user_id: int | None = None,
    partial: bool = False,
    commit: bool = True,
    refs: dict[type, dict[int, Any]] | None = None,
    check_unique: bool = True,
    deferred: list[tuple] | None = None,
    number: int | None = None,
    add: bool = True,
) -> Element:
    """Create (element=None) or update an element from a payload; raise ValidationError or Conflict.

    For bulk imports: `refs` hands fields.clean objects already loaded by id (model -> {id: object}), and
    check_unique=False skips the name and ownership clash queries when the caller already knows the
    answer; the database's unique constraints still refuse a clash (reported as a ValidationError).
    With a `deferred` list the element is not flushed here: the arguments of its record_change() call
    are appended to the list, and the caller flushes many elements at once and then records them (a
    constraint then fails the caller's flush, as an IntegrityError). A `number` gives a new REQ/ADR element
    that number instead of the engagement counter's next one (the caller keeps the counter ahead of it).
    With add=False (and a `deferred` list) a new element is built but not added to the session: the caller
    inserts it in bulk (catalog.bulk_insert)."""
    spec = KINDS[kind]
    if element is not None and version is not None and element.version != version:
        raise Conflict(element.version)
    values, errors = clean(session, engagement.id, spec, data, partial=partial, refs=refs)
    if element is None and spec.in_scenarios and not values.get("scenario_ids") and "scenario_ids" not in errors:
        values["scenario_ids"] = [_baseline(session, engagement.id)]
    _check_rules(session, engagement, spec, values, element, errors, check_unique=check_unique)
    if errors:
        raise ValidationError(errors)

    before = snapshot(element, spec) if element is not None else None
    creating = element is None
    if creating:
        element = spec.model(engagement_id=engagement.id)
        if spec.ref_prefix:
            number = number if number is not None else _next_number(session, engagement, spec)
            element.number = number
            element.ref = f"{spec.ref_prefix}-{number}"
        if add:
            session.add(element)
    apply(element, spec, values)
    derive_name(element, spec)
    after = snapshot(element, spec)
    if not creating and same_snapshot(spec, before, after):
        return element  # a save that changes nothing records nothing
    if not creating:
        element.version += 1
    if deferred is not None:
        deferred.append((engagement.id, element, "create" if creating else "update", before, after, user_id))
        return element
    try:
        # A savepoint: a constraint that a concurrent writer won must not undo the caller's earlier work.
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise ValidationError({"name" if spec.named else "__all__": _integrity_message(spec, exc)}) from None
    record_change(session, engagement.id, element, "create" if creating else "update", before, after, user_id)
    if not creating:
        signoff_status.note_staled(session, engagement.id, element)
    if commit:
        session.commit()
    return element


def delete_element(
    session: Session, engagement: Engagement, element: Element, *, user_id: int | None = None, commit: bool = True
) -> Change:
    """Delete an element and what cannot exist without it; return the change that can undo it all."""
    if element.engagement_id != engagement.id:
        raise NotFound("Not in this engagement.")
    cascade = []
    for dep in dependants_of(session, element):
        dep_change = delete_element(session, engagement, dep, user_id=user_id, commit=False)
        cascade.append(dep_change.before)
    before = deletion_record(session, element)
    before["_cascade"] = cascade
    change = record_change(session, engagement.id, element, "delete", before, None, user_id)
    forget_references_to(session, element)
    session.delete(element)
    session.flush()
    if commit:
        session.commit()
    return change


def deletion_record(session: Session, element: Element) -> dict[str, Any]:
    """Everything needed to bring an element back: fields, identity, trace links and inbound references."""
    record = snapshot(element)
    record["_id"] = element.id
    record["_kind"] = element.kind
    record["_ref"] = element.ref
    record["_number"] = getattr(element, "number", None)
    record["_links"] = _links_of(session, element.id)
    record["_inbound"] = _inbound_references(session, element)
    record["_external_id"] = element.external_id
    record["_archimate"] = _archimate_relationships_of(session, element.id)
    record["_scenario_values"] = own_values_of(session, element.id)
    return record


def _archimate_relationships_of(session: Session, element_id: int) -> list[dict[str, Any]]:
    """The imported ArchiMate relationships that die with the element (the ON DELETE CASCADE), to restore on undo."""
    rows = session.scalars(
        select(ArchimateRelationship).where(
            or_(ArchimateRelationship.source_id == element_id, ArchimateRelationship.target_id == element_id)
        )
    )
    return [
        {"identifier": r.identifier, "type": r.type, "name": r.name, "documentation": r.documentation,
         "properties": r.properties, "attributes": r.attributes, "source_id": r.source_id, "target_id": r.target_id}
        for r in rows
    ]


def _inbound_references(session: Session, element: Element) -> list[dict[str, Any]]:
    """Other elements whose optional fields point at this one (they lose the reference on delete)."""
    found: list[dict[str, Any]] = []
    target_model = type(element)
    for spec in KINDS.values():
        for f in spec.fields:
            if f.target is not target_model or f.required:
                continue
            if f.type == "ref":
                column = getattr(spec.model, f.name)
                ids = session.scalars(select(spec.model.id).where(column == element.id)).all()
            elif f.type == "participants":
                ids = session.scalars(
                    select(DecisionParticipant.decision_id).where(
                        DecisionParticipant.stakeholder_id == element.id, DecisionParticipant.role == f.attr
                    )
                ).all()
            else:
                relation = getattr(spec.model, f.attr or f.name)
                ids = session.scalars(select(spec.model.id).where(relation.any(id=element.id))).all()
            found.extend({"kind": spec.kind, "id": other, "field": f.name} for other in ids)
    return found


def dependants_of(session: Session, element: Element) -> list[Element]:
    """What deleting this element would also delete (to warn before confirming)."""
    if element.kind == "system":
        return list(
            session.scalars(
                select(Element)
                .where(
                    or_(
                        Element.id.in_(
                            select(DataFlow.id).where(
                                or_(DataFlow.source_id == element.id, DataFlow.target_id == element.id)
                            )
                        ),
                        Element.id.in_(select(Ownership.id).where(Ownership.system_id == element.id)),
                    )
                )
                .order_by(Element.id)
            )
        )
    if element.kind == "entity":
        # Ownerships of the entity, and flows that carry nothing else (a flow must carry something).
        carried = select(flow_entities.c.flow_id).where(flow_entities.c.entity_id == element.id)
        other = select(flow_entities.c.flow_id).where(flow_entities.c.entity_id != element.id)
        return list(
            session.scalars(
                select(Element)
                .where(
                    or_(
                        Element.id.in_(select(Ownership.id).where(Ownership.entity_id == element.id)),
                        and_(Element.id.in_(carried), Element.id.not_in(other)),
                    )
                )
                .order_by(Element.id)
            )
        )
    return []


def history_of(session: Session, engagement_id: int, element_id: int) -> list[Change]:
    """Every recorded change to one element, newest first."""
    return list(
        session.scalars(
            select(Change)
            .where(Change.engagement_id == engagement_id, Change.element_id == element_id)
            .order_by(Change.id.desc())
        )
    )


# --- rules ----------------------------------------------------------------------------------------


def _check_rules(session, engagement, spec: Kind, values, element, errors, check_unique: bool = True) -> None:
    if check_unique and spec.named and "name" in values and values["name"]:
        key = name_key(values["name"])
        clash = session.scalar(
            select(Element.id).where(
                Element.engagement_id == engagement.id,
                Element.kind == spec.kind,
                Element.name_key == key,
                Element.id != (element.id if element is not None else -1),
            )
        )
        if clash:
            errors.setdefault("name", []).append(f"A {spec.label.lower()} with this name already exists.")
    if spec.kind == "flow":
        src = values.get("source_id", getattr(element, "source", None))
        tgt = values.get("target_id", getattr(element, "target", None))
        via = values.get("via_id", getattr(element, "via", None))
        if src is not None and tgt is not None and src.id == tgt.id:
            errors.setdefault("target_id", []).append("Target must differ from source.")
        if via is not None and via.id in {getattr(src, "id", None), getattr(tgt, "id", None)}:
            errors.setdefault("via_id", []).append("Middleware must differ from source and target.")
        typical = values.get("latency_seconds", getattr(element, "latency_seconds", None))
        worst = values.get("worst_latency_seconds", getattr(element, "worst_latency_seconds", None))
        if typical is not None and worst is not None and worst < typical:
            errors.setdefault("worst_latency_seconds", []).append("Worst latency cannot be below typical.")
    if spec.kind == "ownership":
        system = values.get("system_id", getattr(element, "system", None))
        entity = values.get("entity_id", getattr(element, "entity", None))
        role = values.get("role", getattr(element, "role", None))
        if check_unique and system is not None and entity is not None and role:
            clash = session.scalar(
                select(Ownership.id).where(
                    Ownership.system_id == system.id,
                    Ownership.entity_id == entity.id,
                    Ownership.role == role,
                    Ownership.id != (element.id if element is not None else -1),
                )
            )
            if clash:
                errors.setdefault("role", []).append(
                    f"{system.name} is already {OWNERSHIP_ROLES[role].lower()} for {entity.name}."
                )
    superseded = values.get("supersedes_id") if spec.kind == "decision" else None
    if superseded is not None and element is not None and superseded.id == element.id:
        errors.setdefault("supersedes_id", []).append("A decision cannot supersede itself.")


def _baseline(session: Session, engagement_id: int) -> Scenario:
    scenario = session.scalar(
        select(Scenario).where(Scenario.engagement_id == engagement_id, Scenario.is_baseline.is_(True))
    )
    if scenario is None:
        raise ValidationError({"scenario_ids": "This engagement has no current-state scenario."})
    return scenario


def _next_number(session: Session, engagement: Engagement, spec: Kind) -> int:
    column = Engagement.next_requirement_number if spec.kind == "requirement" else Engagement.next_decision_number
    # One UPDATE ... RETURNING: two writers can never get the same number.
    number = session.execute(
        update(Engagement).where(Engagement.id == engagement.id).values({column: column + 1}).returning(column)
    ).scalar_one()
    session.expire(engagement, [column.key])
    return number - 1


def derive_name(element: Element, spec: Kind) -> None:
    """Keep name_key in step with the name, and label flows and ownerships by what they join."""
    if spec.named:
        element.name_key = name_key(element.name)
    elif isinstance(element, DataFlow):
        entities = ", ".join(e.name for e in element.entities)
        element.name = f"{element.source.name} → {element.target.name}: {entities}"[:300]
    elif isinstance(element, Ownership):
        element.name = f"{element.system.name} — {OWNERSHIP_ROLES[element.role]} — {element.entity.name}"[:300]


def _integrity_message(spec: Kind, exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        if spec.named:
            return f"A {spec.label.lower()} with this name already exists."
        return f"This {spec.label.lower()} already exists."
    return f"The {spec.label.lower()} breaks a rule of the model."


def _links_of(session: Session, element_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(TraceLink).where(or_(TraceLink.source_id == element_id, TraceLink.target_id == element_id))
    )
    return [{"kind": r.kind, "source_id": r.source_id, "target_id": r.target_id} for r in rows]


def record_change(session, engagement_id, element, action, before, after, user_id) -> Change:
    """Append an entry to the change log."""
    change = Change(**_change_row(engagement_id, element, action, before, after, user_id))
    session.add(change)
    return change


def record_changes(session: Session, entries: list[tuple]) -> None:
    """Append many entries (record_change's arguments, elements flushed) to the change log in one INSERT."""
    if entries:
        # Core, not the ORM's bulk insert (less work per row): the column names are the attribute names.
        session.execute(insert(Change.__table__), [_change_row(*entry) for entry in entries])


def _change_row(engagement_id, element, action, before, after, user_id) -> dict[str, Any]:
    return {"engagement_id": engagement_id, "element_id": element.id, "kind": element.kind, "action": action,
            "user_id": user_id, "summary": element.label[:300], "before": before, "after": after}
