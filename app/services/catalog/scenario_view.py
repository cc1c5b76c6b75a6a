"""Elements as one scenario sees them, for pages: the scenario in view, rows and detail pages showing the values
that scenario holds of its own (marked), and edits made from such a page written back into it.

The storage and the rules of editing are in `scenario_values`; this module adapts them to what a page needs: an
`InScenario` reads like the element (templates call `item|display(field)` on it unchanged) but answers the
per-scenario fields with the scenario's values, knows which of them are its own, and carries the version an edit
in that scenario must send. Showing a page of rows costs one query more (two when a scenario's own values point
at objects the page has not loaded, such as another owner).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog import scenario_values as sv
from app.services.catalog.fields import KINDS, Kind, clean
from models import Element, Engagement, Scenario

__all__ = ["InScenario", "in_view", "one_in_view", "pick_scenario", "save_from_view", "with_values"]


class InScenario:
    """An element as a scenario sees it: per-scenario fields answer with the scenario's own values, every other
    attribute is the element's. `own_fields` names the fields whose value is the scenario's own; `version` is the one an
    edit in this scenario must send (see scenario_values.version_in)."""

    def __init__(self, element: Element, scenario: Scenario, attrs: dict[str, Any], own: frozenset[str],
                 version: int | None = None):
        self._element, self.scenario, self._attrs, self.own_fields = element, scenario, attrs, own
        self.version = element.version if version is None else version

    def __getattr__(self, name: str) -> Any:
        attrs = self.__dict__.get("_attrs", {})
        if name in attrs:
            return attrs[name]
        return getattr(self.__dict__["_element"], name)

    @property
    def element(self) -> Element:
        """The element itself (its shared values)."""
        return self._element

    def is_own(self, field_name: str) -> bool:
        """True when the scenario holds a value of its own for this field."""
        return field_name in self.own_fields


def pick_scenario(scenarios: list[Scenario], *wanted: int | None) -> Scenario | None:
    """The first of `wanted` that is one of `scenarios` (an engagement's), else its current state (baseline),
    else its first scenario; None when it has none. An id of another engagement's scenario is never picked."""
    by_id = {s.id: s for s in scenarios}
    for scenario_id in wanted:
        if scenario_id in by_id:
            return by_id[scenario_id]
    return next((s for s in scenarios if s.is_baseline), scenarios[0] if scenarios else None)


def _attrs(session: Session, spec: Kind, values: dict[str, Any], loaded: dict[int, Element]) -> dict[str, Any]:
    """Payload values (ids) -> the attributes display reads (objects for references)."""
    attrs: dict[str, Any] = {}
    for name, value in values.items():
        try:
            f = spec.field(name)
        except StopIteration:
            continue
        if f.type == "ref":
            attrs[f.attr or name] = loaded.get(value) if value is not None else None
        elif f.type == "refs":
            attrs[f.attr or name] = sorted((loaded[i] for i in value or () if i in loaded), key=lambda o: o.name)
        else:
            attrs[f.attr or name] = value
    return attrs


def _referenced(session: Session, rows: Iterable[tuple[Kind, dict[str, Any]]]) -> dict[int, Element]:
    """The objects the scenario's own values point at, from the session when loaded, else in one query."""
    ids: set[int] = set()
    for spec, values in rows:
        for name, value in values.items():
            kind = next((f.type for f in spec.fields if f.name == name), None)
            if kind == "ref" and value is not None:
                ids.add(value)
            elif kind == "refs":
                ids.update(value or ())
    loaded: dict[int, Element] = {}
    if not ids:
        return loaded
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


def in_view(session: Session, items: list[Element], scenario: Scenario | None) -> list[Any]:
    """The rows of a page as `scenario` sees them (one query; the items unchanged when there is no scenario or
    the kind is shared by all scenarios)."""
    if scenario is None or not items:
        return items
    spec = KINDS[items[0].kind]
    if not spec.in_scenarios:
        return items
    own = sv.overrides_of(session, scenario.id, [e.id for e in items])
    return with_values(session, scenario, [(e, own.get(e.id)) for e in items])


def with_values(session: Session, scenario: Scenario, rows: list[tuple[Element, dict[str, Any] | None]]) -> list[Any]:
    """Rows already read with the scenario's own values (element, values or None) as `scenario` sees them; no
    query unless those values point at objects not loaded yet (then one)."""
    if not rows:
        return []
    spec = KINDS[rows[0][0].kind]
    loaded = _referenced(session, ((spec, values) for _e, values in rows if values))
    return [InScenario(e, scenario, _attrs(session, spec, values or {}, loaded), frozenset(values or {}))
            for e, values in rows]


def one_in_view(session: Session, element: Element, scenario: Scenario | None) -> Any:
    """One element as `scenario` sees it, with the version an edit there must send."""
    spec = KINDS[element.kind]
    if scenario is None or not spec.in_scenarios:
        return element
    own = sv.overrides_of(session, scenario.id, [element.id]).get(element.id, {})
    loaded = _referenced(session, [(spec, own)]) if own else {}
    return InScenario(element, scenario, _attrs(session, spec, own, loaded), frozenset(own),
                      sv.version_in(session, element, scenario))


def save_from_view(
    session: Session,
    engagement: Engagement,
    element: Element,
    scenario: Scenario,
    data: dict[str, Any],
    *,
    scope: str = "scenario",
    version: int | None = None,
    user_id: int | None = None,
) -> Element:
    """Save a form filled in while `scenario` was in view: the per-scenario fields the user did not change are
    left out (so "all scenarios" never spreads this scenario's other values everywhere, and an untouched field
    never becomes the scenario's own), then scenario_values.save_in_scenario applies the rest in `scope`. An
    element that no other scenario holds is saved in all scenarios: there is nothing to keep apart."""
    spec = KINDS[element.kind]
    if scope == "scenario" and {s.id for s in element.scenarios} <= {scenario.id}:
        scope = "all"  # no other scenario holds it: nothing to keep apart, so its shared values stay current
    varying = set(sv.per_scenario_fields(spec))
    before = sv.values_in(session, element, scenario)
    cleaned, errors = clean(session, engagement.id, spec, {k: v for k, v in data.items() if k in varying},
                            partial=True)
    unchanged = set()
    if not errors:
        for name, value in cleaned.items():
            plain = sv.plain_value(spec, name, value)
            if spec.field(name).type == "refs":
                same = sorted(plain or []) == sorted(before.get(name) or [])
            else:
                same = plain == before.get(name)
            if same:
                unchanged.add(name)
    changed = {k: v for k, v in data.items() if k not in unchanged}
    return sv.save_in_scenario(session, engagement, element, scenario, changed, scope=scope, version=version,
                               user_id=user_id)
