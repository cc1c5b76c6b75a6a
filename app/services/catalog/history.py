"""History: the change log per object and per engagement, undoing deletes, reverting to a version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.elements import derive_name, record_change, save_element
from app.services.catalog.fields import KINDS, apply, clean, snapshot
from app.services.catalog.scenario_refs import restore_own_values
from app.services.catalog.scenario_values import per_scenario_fields, save_in_scenario
from app.services.errors import Conflict, NotFound, ValidationError
from models import ArchimateRelationship, Change, DecisionParticipant, Element, Engagement, Scenario, TraceLink, User

FIELD_KEYS_SKIP = ("_",)  # keys starting with "_" are bookkeeping, not fields


def engagement_history(session: Session, engagement_id: int, limit: int = 200, before_id: int | None = None):
    """The newest changes of an engagement (paged by id)."""
    stmt = select(Change).where(Change.engagement_id == engagement_id)
    if before_id:
        stmt = stmt.where(Change.id < before_id)
    return list(session.scalars(stmt.order_by(Change.id.desc()).limit(limit)))


def users_by_id(session: Session, changes: list[Change]) -> dict[int, str]:
    """Names of the users who made these changes (one query)."""
    ids = {c.user_id for c in changes if c.user_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def field_diff(change: Change) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field a change touched; creates and deletes list every field."""
    before = {k: v for k, v in (change.before or {}).items() if not k.startswith(FIELD_KEYS_SKIP)}
    after = {k: v for k, v in (change.after or {}).items() if not k.startswith(FIELD_KEYS_SKIP)}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _change(session: Session, engagement_id: int, change_id: int) -> Change:
    change = session.scalar(select(Change).where(Change.id == change_id, Change.engagement_id == engagement_id))
    if change is None:
        raise NotFound("No such change in this engagement.")
    return change


def undo_delete(session: Session, engagement: Engagement, change_id: int, *, user_id: int | None = None) -> Element:
    """Bring back a deleted element with its id, ref, fields, scenarios, links, references and the
    objects deleted with it. All or nothing."""
    change = _change(session, engagement.id, change_id)
    if change.action != "delete" or not change.before or "_id" not in change.before:
        raise ValidationError({"change": "Only a delete can be undone."})
    if session.get(Element, change.before["_id"]) is not None:
        raise ValidationError({"change": "This object has already been restored."})
    try:
        element = _restore(session, engagement, change.before, user_id)
        for record in change.before.get("_cascade", []):
            _restore(session, engagement, record, user_id)
        for record in [change.before, *change.before.get("_cascade", [])]:
            _restore_links(session, engagement, record)
            _restore_inbound(session, engagement, record)
            _restore_archimate(session, engagement, record)
        session.flush()
    except ValidationError:
        session.rollback()
        raise
    session.commit()
    return element


def _restore(session: Session, engagement: Engagement, record: dict[str, Any], user_id: int | None) -> Element:
    spec = KINDS[record["_kind"]]
    payload = {k: v for k, v in record.items() if not k.startswith("_")}
    for f in spec.fields:
        # Optional references to objects deleted since are dropped rather than blocking the undo.
        if f.type in ("ref", "refs", "participants") and not f.required and f.target is not Scenario:
            payload[f.name] = _existing(session, payload.get(f.name))
        elif f.target is Scenario and f.type == "refs":
            payload[f.name] = _existing_scenarios(session, engagement.id, payload.get(f.name) or [])
        elif f.target is Scenario:
            payload[f.name] = (_existing_scenarios(session, engagement.id, [payload[f.name]]) or [None])[0]
    values, errors = clean(session, engagement.id, spec, payload)
    if errors:
        what = f"{spec.label} “{record.get('name') or record.get('title') or record['_id']}”"
        raise ValidationError({what: [f"{k}: {m}" for k, ms in errors.items() for m in ms]})
    element = spec.model(id=record["_id"], engagement_id=engagement.id)
    if record.get("_ref"):
        element.ref = record["_ref"]
        element.number = record["_number"]
    element.external_id = record.get("_external_id")
    session.add(element)
    apply(element, spec, values)
    derive_name(element, spec)
    if spec.named:
        with session.no_autoflush:
            clash = session.scalar(
                select(Element.id).where(
                    Element.engagement_id == engagement.id,
                    Element.kind == spec.kind,
                    Element.name_key == element.name_key,
                    Element.id != element.id,
                )
            )
        if clash:
            message = f"Another {spec.label.lower()} is now called “{element.name}”; rename it first."
            raise ValidationError({"name": message})
    session.flush()
    restore_own_values(session, engagement.id, element.id, record.get("_scenario_values"))
    record_change(session, engagement.id, element, "restore", None, snapshot(element, spec), user_id)
    return element


def _existing_scenarios(session: Session, engagement_id: int, ids: list[int]) -> list[int]:
    alive = set(session.scalars(select(Scenario.id).where(Scenario.engagement_id == engagement_id)))
    return [i for i in ids if i in alive]


def _existing(session: Session, raw: Any) -> Any:
    ids = raw if isinstance(raw, list) else [raw]
    alive = set(session.scalars(select(Element.id).where(Element.id.in_([i for i in ids if i is not None]))))
    if isinstance(raw, list):
        return [i for i in raw if i in alive]
    return raw if raw in alive else None


def _restore_archimate(session: Session, engagement: Engagement, record: dict[str, Any]) -> None:
    """Imported ArchiMate relationships come back when both ends exist again (and it was not restored already)."""
    for rel in record.get("_archimate", []):
        ends = session.scalars(select(Element.id).where(Element.id.in_([rel["source_id"], rel["target_id"]]))).all()
        taken = session.scalar(
            select(ArchimateRelationship.id).where(
                ArchimateRelationship.engagement_id == engagement.id,
                ArchimateRelationship.identifier == rel["identifier"],
            )
        )
        if len(set(ends)) == len({rel["source_id"], rel["target_id"]}) and not taken:
            session.add(ArchimateRelationship(engagement_id=engagement.id, **rel))
            session.flush()


def _restore_links(session: Session, engagement: Engagement, record: dict[str, Any]) -> None:
    for link in record.get("_links", []):
        ends = session.scalars(select(Element).where(Element.id.in_([link["source_id"], link["target_id"]]))).all()
        if len(ends) != 2 or session.scalar(
            select(TraceLink.id).where(
                TraceLink.kind == link["kind"],
                TraceLink.source_id == link["source_id"],
                TraceLink.target_id == link["target_id"],
            )
        ):
            continue
        by_id = {e.id: e for e in ends}
        session.add(
            TraceLink(
                engagement_id=engagement.id,
                kind=link["kind"],
                source_id=link["source_id"],
                target_id=link["target_id"],
                source_version=by_id[link["source_id"]].version,
                target_version=by_id[link["target_id"]].version,
            )
        )


def _restore_inbound(session: Session, engagement: Engagement, record: dict[str, Any]) -> None:
    restored = session.get(Element, record["_id"])
    for ref in record.get("_inbound", []):
        other = session.scalar(select(Element).where(Element.id == ref["id"], Element.engagement_id == engagement.id))
        if other is None:
            continue
        field = KINDS[ref["kind"]].field(ref["field"])
        if field.type == "ref":
            if getattr(other, field.attr or field.name) is None:
                setattr(other, field.attr or field.name, restored)
                other.version += 1
        elif field.type == "participants":
            if not any(p.stakeholder_id == restored.id and p.role == field.attr for p in other.participants):
                other.participants.append(
                    DecisionParticipant(stakeholder_id=restored.id, stakeholder=restored, role=field.attr)
                )
                other.version += 1
        else:
            collection = getattr(other, field.attr or field.name)
            if restored not in collection:
                collection.append(restored)
                other.version += 1


def revert(
    session: Session, engagement: Engagement, change_id: int, *, version: int | None = None, user_id: int | None = None
) -> Element:
    """Set an element back to the state a create or update recorded (as a new, undoable update)."""
    change = _change(session, engagement.id, change_id)
    if change.action not in ("create", "update", "restore") or not change.after:
        raise ValidationError({"change": "Only a state that was saved can be reverted to."})
    element = session.scalar(
        select(Element).where(Element.id == change.element_id, Element.engagement_id == engagement.id)
    )
    if element is None:
        raise ValidationError({"change": "The object is deleted; undo the delete first."})
    if change.scenario_id is not None:
        return _revert_in_scenario(session, engagement, change, element, version, user_id)
    return save_element(
        session,
        engagement,
        element.kind,
        {k: v for k, v in change.after.items() if not k.startswith("_")},
        element,
        version=version,
        user_id=user_id,
    )


def _revert_in_scenario(session: Session, engagement: Engagement, change: Change, element: Element,
                        version: int | None, user_id: int | None) -> Element:
    """A change made in one scenario is reverted in that scenario only."""
    if change.scenario is None:
        raise ValidationError({"change": "The scenario this change was made in has been deleted."})
    if version is not None and version != element.version:
        raise Conflict(element.version)
    names = per_scenario_fields(KINDS[element.kind])
    values = {k: _existing(session, v) if KINDS[element.kind].field(k).type in ("ref", "refs") else v
              for k, v in change.after.items() if k in names}
    return save_in_scenario(session, engagement, element, change.scenario, values, user_id=user_id)
