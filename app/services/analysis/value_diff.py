"""What differs between scenarios value by value: every system, flow and ownership whose per-scenario fields
(`Field.per_scenario`) hold other values in another scenario, field by field, before → after, in words.

Reading takes a fixed number of queries whatever the size of the model: the members of every scenario asked
for (one), each scenario's own values (`overrides_of`, one per scenario), the shared values of the member
systems, flows and ownerships (three), their channels and entities (two) and the names of what they refer
to (one). The diff itself is plain Python over those values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.fields import KINDS
from app.services.catalog.scenario_values import overrides_of, per_scenario_fields
from app.services.catalog.value_text import FieldChange, field_changes
from models import DataFlow, Element, Ownership, Scenario, System, element_channels, flow_entities, scenario_members

KIND_ORDER = ("system", "flow", "ownership")
_MODELS = {"system": System, "flow": DataFlow, "ownership": Ownership}
# What each kind's label is made of (besides its values): identity columns read with the values.
_IDENTITY = {"system": ("name",), "flow": ("source_id", "target_id"), "ownership": ("system_id", "entity_id")}
@dataclass(frozen=True)
class ObjectRef:
    """A system, flow or ownership by kind, id and label."""

    kind: str
    element_id: int
    name: str


@dataclass(frozen=True)
class ObjectChange:
    """An object in both scenarios whose values differ."""

    kind: str
    element_id: int
    name: str
    changes: tuple[FieldChange, ...]

    def __str__(self) -> str:
        return f"{self.name} — {', '.join(map(str, self.changes))}"


@dataclass(frozen=True)
class ValueDiff:
    """Scenario A against B: objects only in B (added), only in A (removed), in both with other values."""

    before_id: int
    before_name: str
    after_id: int
    after_name: str
    changed: tuple[ObjectChange, ...]
    added: tuple[ObjectRef, ...]
    removed: tuple[ObjectRef, ...]

    @property
    def empty(self) -> bool:
        """True when both scenarios hold the same objects with the same values."""
        return not (self.changed or self.added or self.removed)


@dataclass(frozen=True)
class ScenarioValues:
    """The systems, flows and ownerships of several scenarios with the values each scenario gives them."""

    values: Mapping[int, Mapping[int, dict[str, Any]]]  # scenario id -> element id -> per-scenario values
    kinds: Mapping[int, str]  # element id -> kind
    labels: Mapping[int, str]  # element id -> how the diff names it
    names: Mapping[int, str]  # id -> name of every system, channel, entity and stakeholder


def read_values(session: Session, scenarios: Sequence[Scenario]) -> ScenarioValues:
    """Read what each scenario holds (a fixed number of queries, see the module docstring)."""
    ids = [s.id for s in scenarios]
    members: dict[int, set[int]] = defaultdict(set)
    for scenario_id, element_id in session.execute(
        select(scenario_members.c.scenario_id, scenario_members.c.element_id)
        .where(scenario_members.c.scenario_id.in_(ids))
    ):
        members[scenario_id].add(element_id)
    everyone = set().union(*members.values()) if members else set()
    shared: dict[int, dict[str, Any]] = {}
    identity: dict[int, dict[str, Any]] = {}
    kinds: dict[int, str] = {}
    for kind in KIND_ORDER:
        model, fields = _MODELS[kind], [KINDS[kind].field(n) for n in per_scenario_fields(KINDS[kind])]
        scalar = [f.name for f in fields if f.type != "refs"]
        columns = [getattr(model, n) for n in (*_IDENTITY[kind], *scalar)]
        for row in session.execute(select(model.id, *columns).where(model.id.in_(everyone))):
            kinds[row[0]] = kind
            identity[row[0]] = dict(zip(_IDENTITY[kind], row[1:1 + len(_IDENTITY[kind])], strict=True))
            shared[row[0]] = {**dict(zip(scalar, row[1 + len(_IDENTITY[kind]):], strict=True)),
                              **{f.name: [] for f in fields if f.type == "refs"}}
    for table, owner, other, name in ((element_channels, "element_id", "channel_id", "channel_ids"),
                                      (flow_entities, "flow_id", "entity_id", "entity_ids")):
        for element_id, ref_id in session.execute(select(table.c[owner], table.c[other])
                                                  .where(table.c[owner].in_(everyone))):
            if name in shared.get(element_id, {}):
                shared[element_id][name].append(ref_id)
    engagement_id = scenarios[0].engagement_id if scenarios else None
    names = {i: n for i, n in session.execute(select(Element.id, Element.name).where(
        Element.engagement_id == engagement_id, Element.kind.in_(("system", "channel", "entity", "stakeholder"))))}
    values: dict[int, dict[int, dict[str, Any]]] = {}
    for scenario_id in ids:
        own = overrides_of(session, scenario_id)
        values[scenario_id] = {
            e: _sorted_refs({**shared[e], **own.get(e, {})}) for e in members[scenario_id] if e in shared
        }
    labels = {e: _label(kinds[e], identity[e], shared[e], names) for e in shared}
    return ScenarioValues(values, kinds, labels, names)


def _sorted_refs(values: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if isinstance(v, list) else v for k, v in values.items()}


def _label(kind: str, ident: Mapping[str, Any], values: Mapping[str, Any], names: Mapping[int, str]) -> str:
    if kind == "system":
        return ident["name"]
    if kind == "flow":
        entities = ", ".join(sorted((names.get(i, "?") for i in values["entity_ids"]), key=str.casefold))
        return f"{names.get(ident['source_id'], '?')} → {names.get(ident['target_id'], '?')}: {entities}"
    return f"{names.get(ident['system_id'], '?')}: {names.get(ident['entity_id'], '?')}"


def diff(read: ScenarioValues, a: Scenario, b: Scenario) -> ValueDiff:
    """Scenario A (before) against B (after), object by object and field by field."""
    va, vb = read.values[a.id], read.values[b.id]

    def order(element_id: int) -> tuple:
        return KIND_ORDER.index(read.kinds[element_id]), read.labels[element_id].casefold(), element_id

    def ref(element_id: int) -> ObjectRef:
        return ObjectRef(read.kinds[element_id], element_id, read.labels[element_id])

    changed = []
    for element_id in sorted(va.keys() & vb.keys(), key=order):
        changes = field_changes(read.kinds[element_id], va[element_id], vb[element_id], read.names)
        if changes:
            changed.append(ObjectChange(read.kinds[element_id], element_id, read.labels[element_id], changes))
    return ValueDiff(a.id, a.name, b.id, b.name, tuple(changed),
                     tuple(ref(e) for e in sorted(vb.keys() - va.keys(), key=order)),
                     tuple(ref(e) for e in sorted(va.keys() - vb.keys(), key=order)))


def value_diffs(session: Session, scenarios: Sequence[Scenario]) -> tuple[ValueDiff, ...]:
    """The first scenario (the baseline of the comparison) against each of the others."""
    read = read_values(session, scenarios)
    return tuple(diff(read, scenarios[0], other) for other in scenarios[1:])


def as_json(d: ValueDiff) -> dict[str, Any]:
    """The `values` part of the `analysis compare --json` document."""

    def ref(r: ObjectRef) -> dict[str, Any]:
        return {"kind": r.kind, "id": r.element_id, "name": r.name}

    return {
        "a": {"id": d.before_id, "name": d.before_name},
        "b": {"id": d.after_id, "name": d.after_name},
        "changed": [
            {**ref(ObjectRef(c.kind, c.element_id, c.name)), "text": str(c),
             "fields": [{"field": f.field, "label": f.label, "a": f.before, "b": f.after, "a_text": f.before_text,
                         "b_text": f.after_text} for f in c.changes]}
            for c in d.changed
        ],
        "added": [ref(r) for r in d.added],
        "removed": [ref(r) for r in d.removed],
    }
