"""Values per scenario: what an element holds in one scenario, and editing it there or in every scenario.

Storage (docs/scenarios.md): the element's own row holds the values every scenario shares; a
`ScenarioValue` row holds, for one scenario, the per-scenario fields (`Field.per_scenario`) whose value
differs there. An edit made "in this scenario" writes that row only; an edit "in all scenarios" writes the
shared values and drops the field from every scenario's row. Reading a scenario is one extra query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.services.catalog.elements import _check_rules, record_change, save_element
from app.services.catalog.fields import KINDS, Kind, clean, snapshot
from app.services.errors import Conflict, ValidationError
from models import Element, Engagement, Scenario, ScenarioValue, scenario_members

SCOPES = {"scenario": "This scenario only", "all": "All scenarios"}


def per_scenario_fields(spec: Kind) -> tuple[str, ...]:
    """Names of the fields a scenario may hold differently (empty for kinds that are shared)."""
    return tuple(f.name for f in spec.fields if f.per_scenario)


def overrides_of(session: Session, scenario_id: int, element_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Element id -> the values it holds in this scenario only (one query)."""
    stmt = select(ScenarioValue.element_id, ScenarioValue.values).where(ScenarioValue.scenario_id == scenario_id)
    if element_ids is not None:
        stmt = stmt.where(ScenarioValue.element_id.in_(list(element_ids)))
    return {element_id: values for element_id, values in session.execute(stmt) if values}


def _row(session: Session, scenario_id: int, element_id: int) -> ScenarioValue | None:
    return session.get(ScenarioValue, (scenario_id, element_id))


def values_in(session: Session, element: Element, scenario: Scenario) -> dict[str, Any]:
    """The element as a payload (like fields.snapshot) with the values it holds in `scenario`."""
    row = _row(session, scenario.id, element.id)
    return {**snapshot(element), **(row.values if row else {})}


def version_in(session: Session, element: Element, scenario: Scenario) -> int:
    """The version an edit in `scenario` must start from: it moves with the shared values and with this
    scenario's own edits, never with another scenario's."""
    row = _row(session, scenario.id, element.id)
    return element.version + (row.version if row else 0)


def plain_value(spec: Kind, name: str, value: Any) -> Any:
    """A cleaned value as the change log and scenario values hold it (ids for references, sorted id lists)."""
    kind = spec.field(name).type
    if kind == "ref":
        return value.id if value is not None else None
    if kind == "refs":
        return sorted(o.id for o in value)
    return value


def _same(spec: Kind, name: str, a: Any, b: Any) -> bool:
    if spec.field(name).type == "refs":
        return sorted(a or []) == sorted(b or [])
    return a == b


def save_in_scenario(
    session: Session,
    engagement: Engagement,
    element: Element,
    scenario: Scenario,
    data: dict[str, Any],
    *,
    scope: str = "scenario",
    version: int | None = None,
    user_id: int | None = None,
    commit: bool = True,
) -> Element:
    """Edit an element as seen in `scenario`: per-scenario fields change there only (scope "scenario") or in
    every scenario (scope "all"); shared fields (name, notes, tags…) change everywhere. Raise
    ValidationError (bad input, an element that is not in the scenario) or Conflict (a newer version)."""
    spec = KINDS[element.kind]
    if scope not in SCOPES:
        raise ValidationError({"scope": f"Must be one of: {', '.join(SCOPES)}."})
    if scenario.engagement_id != engagement.id or element.engagement_id != engagement.id:
        raise ValidationError({"scenario": "Unknown scenario."})
    current = version_in(session, element, scenario)
    if version is not None and version != current:
        raise Conflict(current)
    values, errors = clean(session, engagement.id, spec, data, partial=True)
    if errors:
        raise ValidationError(errors)
    varying = set(per_scenario_fields(spec))
    own_fields = {k for k in values if k in varying} if scope == "scenario" else set()
    if own_fields and not _is_member(session, scenario.id, element.id):
        raise ValidationError({"scenario": f"{element.label} is not in the scenario {scenario.name!r}: add it "
                                           "to that scenario before giving it values there."})
    # The model's rules (worst >= typical latency, middleware not an end…) hold for the object as this
    # scenario sees it; a name or an ownership clash is save_element's to judge on the shared values.
    _check_rules(session, engagement, spec, values, in_scenario(session, scenario, [element])[0], errors,
                 check_unique=False)
    if errors:
        raise ValidationError(errors)
    shared = {k: v for k, v in data.items() if k not in own_fields}
    if shared:
        save_element(session, engagement, element.kind, shared, element, user_id=user_id, partial=True, commit=False)
        if scope == "all":
            _forget(session, element, [k for k in shared if k in varying])
    if own_fields:
        _set_in_scenario(session, spec, element, scenario, {k: plain_value(spec, k, values[k]) for k in own_fields},
                         user_id)
    if commit:
        session.commit()
    return element


def _is_member(session: Session, scenario_id: int, element_id: int) -> bool:
    return session.scalar(
        select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id,
                                                    scenario_members.c.element_id == element_id)
    ) is not None


def _set_in_scenario(session, spec: Kind, element: Element, scenario: Scenario, plain: dict[str, Any],
                     user_id: int | None) -> None:
    shared_values = snapshot(element, spec)
    row = _row(session, scenario.id, element.id)
    old = dict(row.values) if row else {}
    new = dict(old)
    for name, value in plain.items():
        if _same(spec, name, value, shared_values[name]):
            new.pop(name, None)  # the same as everywhere else: nothing of its own to keep
        else:
            new[name] = value
    if new == old:
        return  # a save that changes nothing records nothing
    if row is None:
        # Kept even when it empties again, so this scenario's version never goes back.
        row = ScenarioValue(scenario_id=scenario.id, element_id=element.id, values={}, version=0)
        session.add(row)
    row.values, row.version = new, row.version + 1
    session.flush()
    change = record_change(session, element.engagement_id, element, "update", {**shared_values, **old},
                           {**shared_values, **new}, user_id)
    change.scenario_id = scenario.id


def _forget(session: Session, element: Element, names: list[str]) -> None:
    """Drop fields from every scenario's own values: the shared value now holds everywhere."""
    if not names:
        return
    for row in session.scalars(select(ScenarioValue).where(ScenarioValue.element_id == element.id)):
        kept = {k: v for k, v in row.values.items() if k not in names}
        if kept != row.values:
            row.values, row.version = kept, row.version + 1
    session.flush()


def copy_scenario_values(session: Session, source: Scenario, target: Scenario) -> int:
    """Give `target` the values `source` holds of its own (a scenario created as a copy); return how many."""
    rows = session.execute(
        select(ScenarioValue.element_id, ScenarioValue.values).where(ScenarioValue.scenario_id == source.id)
    ).all()
    if rows:
        session.execute(insert(ScenarioValue), [
            {"scenario_id": target.id, "element_id": element_id, "values": values, "version": 0}
            for element_id, values in rows
        ])
    return len(rows)


class InScenario:
    """An element as one scenario sees it: its own values there where it has them, the shared ones otherwise.

    Reads like the element (`flow.pattern`, `flow.via`, `system.channels`), so tables, templates and exporters
    written for elements show a scenario's values without knowing about them. `objects` resolves the ids its
    values point at (see `referenced_objects`)."""

    def __init__(self, element: Element, values: dict[str, Any], objects: dict[int, Element]) -> None:
        self._element, self._values, self._objects = element, values, objects
        self._by_attr = {f.attr or f.name: f for f in KINDS[element.kind].fields if f.name in values}

    def __getattr__(self, name: str) -> Any:
        own = self.__dict__
        f = own["_by_attr"].get(name)
        if f is not None:
            value = own["_values"][f.name]
            if f.type == "ref":
                return own["_objects"].get(value) if value is not None else None
            if f.type == "refs":
                return [own["_objects"][i] for i in value if i in own["_objects"]]
            return value
        if name in own["_values"]:  # the raw id of a reference, e.g. owner_id
            return own["_values"][name]
        return getattr(own["_element"], name)


def referenced_objects(session: Session, rows: Iterable[tuple[Kind, dict[str, Any]]]) -> dict[int, Element]:
    """The objects scenario values point at (kind spec, values): from the session when loaded, else one query."""
    ids: set[int] = set()
    for spec, values in rows:
        for name, value in values.items():
            kind = next((f.type for f in spec.fields if f.name == name), None)
            if kind == "ref" and value is not None:
                ids.add(value)
            elif kind == "refs":
                ids.update(value or ())
    loaded: dict[int, Element] = {}
    missing = []
    for i in ids:
        obj = session.identity_map.get(session.identity_key(Element, i))
        if obj is None:
            missing.append(i)
        else:
            loaded[i] = obj
    if missing:
        loaded.update({e.id: e for e in session.scalars(select(Element).where(Element.id.in_(missing)))})
    return loaded


def in_scenario(session: Session, scenario: Scenario, elements: list[Element]) -> list[Element | InScenario]:
    """The elements as `scenario` sees them (two queries at most, whatever their number)."""
    own = overrides_of(session, scenario.id, [e.id for e in elements]) if elements else {}
    if not own:
        return list(elements)
    objects = referenced_objects(session, ((KINDS[e.kind], own[e.id]) for e in elements if e.id in own))
    return [InScenario(e, own[e.id], objects) if e.id in own else e for e in elements]
