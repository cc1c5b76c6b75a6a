"""Set per-scenario values from text (the `scenario set` command): find the object a person names, turn
`field=value` texts into a payload (names for references, `30s` / `1 h` for latencies, vocabulary codes or
labels for choices), save it through `save_in_scenario` and say what changed, before → after.

Errors are ValidationErrors keyed by what the person typed: `flow`, `system`, `ownership` (the object),
`set` (a field or a value) and `scenario`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.capture.flow_line import duration_seconds
from app.capture.words import PATTERN_WORDS
from app.graph.names import match_name
from app.services.catalog.fields import KINDS, Field, Kind
from app.services.catalog.scenario_values import per_scenario_fields, save_in_scenario, values_in
from app.services.catalog.value_text import FieldChange, field_changes, field_label
from app.services.errors import ValidationError
from models import DataFlow, Element, Engagement, Ownership, Scenario, flow_entities

_CLEARED = {"", "none", "-", "—"}
_FLOW = re.compile(r"^(?P<source>.+?)\s*(?:->|→)\s*(?P<target>.+?)\s*:\s*(?P<entity>.+)$")
_OWNERSHIP = re.compile(r"^(?P<system>.+?)\s*:\s*(?P<entity>.+)$")


@dataclass(frozen=True)
class SetResult:
    """What `set_values` did: the object, the scenario (or every scenario) and each field before → after."""

    kind: str
    label: str
    scenario: str
    scope: str
    changes: tuple[FieldChange, ...]


def _names(session: Session, engagement_id: int) -> dict[int, tuple[str, str]]:
    """id -> (kind, name) of the systems, channels, entities and stakeholders (one query)."""
    return {i: (k, n) for i, k, n in session.execute(
        select(Element.id, Element.kind, Element.name).where(
            Element.engagement_id == engagement_id, Element.kind.in_(("system", "channel", "entity", "stakeholder")))
    )}


def _one(text: str, kind: str, names: Mapping[int, tuple[str, str]], where: str) -> int:
    options = [(i, n) for i, (k, n) in names.items() if k == kind]
    match = match_name(text, options, closest=False)
    if match.ok:
        return match.key
    if match.candidates:
        raise ValidationError({where: match.message(kind)})
    raise ValidationError({where: f"No {kind} {text.strip()!r} in this engagement."})


def find_object(session: Session, engagement: Engagement, *, flow: str | None = None, system: str | None = None,
                ownership: str | None = None) -> Element:
    """The flow (`SOURCE -> TARGET: ENTITY`), system (`NAME`) or ownership (`SYSTEM: ENTITY`) named."""
    given = [(k, v) for k, v in (("flow", flow), ("system", system), ("ownership", ownership)) if v is not None]
    if len(given) != 1:
        raise ValidationError({"object": "Name exactly one of a flow, a system or an ownership."})
    kind, text = given[0]
    names = _names(session, engagement.id)
    if kind == "system":
        return session.get(Element, _one(text, "system", names, "system"))
    pattern = _FLOW if kind == "flow" else _OWNERSHIP
    parts = pattern.match(text.strip())
    if parts is None:
        example = "SOURCE -> TARGET: ENTITY" if kind == "flow" else "SYSTEM: ENTITY"
        raise ValidationError({kind: f"Write it as {example!r}, not {text!r}."})
    entity = _one(parts["entity"], "entity", names, kind)
    if kind == "ownership":
        found = session.scalars(select(Ownership).where(
            Ownership.engagement_id == engagement.id, Ownership.system_id == _one(parts["system"], "system", names,
                                                                                 kind),
            Ownership.entity_id == entity)).all()
    else:
        found = session.scalars(select(DataFlow).join(flow_entities, flow_entities.c.flow_id == DataFlow.id).where(
            DataFlow.engagement_id == engagement.id, DataFlow.source_id == _one(parts["source"], "system", names, kind),
            DataFlow.target_id == _one(parts["target"], "system", names, kind), flow_entities.c.entity_id == entity,
        ).order_by(DataFlow.id)).unique().all()
    if not found:
        raise ValidationError({kind: f"No {KINDS[kind].label.lower()} {text.strip()!r} in this engagement."})
    if len(found) > 1:
        raise ValidationError({kind: f"{len(found)} {KINDS[kind].plural.lower()} match {text.strip()!r} "
                                     f"(ids {', '.join(str(e.id) for e in found)}); change them in the app."})
    return found[0]


def field_named(spec: Kind, name: str) -> Field:
    """A per-scenario field by its name (`worst_latency_seconds`), short label (`worst latency`) or title."""
    wanted = " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()
    for f in (spec.field(n) for n in per_scenario_fields(spec)):
        spellings = {f.name.replace("_", " "), field_label(f.name), f.title.casefold(),
                     f.name.removesuffix("_ids").removesuffix("_id").replace("_", " ")}
        if wanted in spellings:
            return f
    shared = next((f.name for f in spec.fields if f.name == name.strip()), None)
    known = ", ".join(field_label(n).replace(" ", "_") for n in per_scenario_fields(spec))
    if shared:
        raise ValidationError({"set": f"{shared} is shared by every scenario, not set per scenario; "
                                      f"per-scenario fields of a {spec.label.lower()}: {known}."})
    raise ValidationError({"set": f"Unknown field {name.strip()!r} for a {spec.label.lower()}; known: {known}."})


def _value(f: Field, text: str, kinds: Mapping[int, tuple[str, str]]) -> Any:
    """The payload value of one field from its text."""
    text = text.strip()
    if text.casefold() in _CLEARED:
        return [] if f.type == "refs" else None
    if f.name.endswith("_seconds"):
        try:
            return duration_seconds(text)
        except ValueError as exc:
            raise ValidationError({"set": f"{field_label(f.name)}: {exc}"}) from None
    target = {"owner_id": "stakeholder", "via_id": "system", "channel_ids": "channel", "entity_ids": "entity"}
    if f.type == "ref":
        return _one(text, target[f.name], kinds, "set")
    if f.type == "refs":
        return [_one(part, target[f.name], kinds, "set") for part in text.split(",") if part.strip()]
    if f.name == "pattern":
        return PATTERN_WORDS.get(" ".join(text.casefold().split()), text)
    return text


def parse_assignments(spec: Kind, assignments: Iterable[str], names: Mapping[int, tuple[str, str]]) -> dict:
    """`FIELD=VALUE` texts -> a payload for `save_in_scenario`."""
    data: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError({"set": f"Write FIELD=VALUE, not {item!r}."})
        f = field_named(spec, name)
        data[f.name] = _value(f, text, names)
    if not data:
        raise ValidationError({"set": "Give at least one FIELD=VALUE."})
    return data


def set_values(session: Session, engagement: Engagement, scenario: Scenario, element: Element,
               assignments: Sequence[str], *, scope: str = "scenario", user_id: int | None = None) -> SetResult:
    """Change an object's per-scenario values in one scenario (or, scope "all", in every scenario) from
    `FIELD=VALUE` texts; return each field that changed, before → after as the scenario sees it."""
    spec = KINDS[element.kind]
    names = _names(session, engagement.id)
    data = parse_assignments(spec, assignments, names)
    before = values_in(session, element, scenario)
    label = _label(element, before, names)
    try:
        save_in_scenario(session, engagement, element, scenario, data, scope=scope, user_id=user_id)
    except ValidationError as exc:
        session.rollback()
        raise ValidationError({"set" if k in data else k: v for k, v in exc.errors.items()}) from None
    after = values_in(session, element, scenario)
    changes = field_changes(element.kind, before, after, {i: n for i, (_k, n) in names.items()})
    return SetResult(element.kind, label, scenario.name, scope, changes)


def _label(element: Element, values: Mapping[str, Any], names: Mapping[int, tuple[str, str]]) -> str:
    def name(i: int | None) -> str:
        return names.get(i, ("", "?"))[1] if i is not None else "?"

    if element.kind == "flow":
        entities = ", ".join(sorted((name(i) for i in values["entity_ids"]), key=str.casefold))
        return f"{name(values['source_id'])} → {name(values['target_id'])}: {entities}"
    if element.kind == "ownership":
        return f"{name(values['system_id'])}: {name(values['entity_id'])}"
    return element.name
