"""Elements as one scenario sees them, for pages: the scenario in view, rows and detail pages showing the values
that scenario holds of its own (marked), and edits made from such a page written back into it.

The storage and the rules of editing are in `scenario_values`; this module adapts them to what a page needs: an
`InScenario` reads like the element (templates call `item|display(field)` on it unchanged) but answers the
per-scenario fields with the scenario's values, knows which of them are its own, and carries the version an edit
in that scenario must send. Showing a page of rows costs one query more (two when a scenario's own values point
at objects the page has not loaded, such as another owner).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.services.catalog import scenario_values as sv
from app.services.catalog.fields import KINDS, clean
from models import Element, Engagement, Scenario

__all__ = ["InScenario", "in_view", "one_in_view", "pick_scenario", "save_from_view", "with_values"]


class InScenario(sv.InScenario):
    """An element as a scenario sees it, for a page: `scenario_values.InScenario` plus the scenario, the fields
    whose value is the scenario's own (`own_fields`, marked on the page) and the version an edit in this
    scenario must send (see scenario_values.version_in)."""

    def __init__(self, element: Element, scenario: Scenario, values: dict[str, Any], objects: dict[int, Element],
                 version: int | None = None):
        super().__init__(element, values, objects)
        self.scenario, self.own_fields = scenario, frozenset(values)
        self.version = element.version if version is None else version

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
    loaded = sv.referenced_objects(session, ((spec, values) for _e, values in rows if values))
    return [InScenario(e, scenario, values or {}, loaded) for e, values in rows]


def one_in_view(session: Session, element: Element, scenario: Scenario | None) -> Any:
    """One element as `scenario` sees it, with the version an edit there must send."""
    spec = KINDS[element.kind]
    if scenario is None or not spec.in_scenarios:
        return element
    own = sv.overrides_of(session, scenario.id, [element.id]).get(element.id, {})
    loaded = sv.referenced_objects(session, [(spec, own)]) if own else {}
    return InScenario(element, scenario, own, loaded, sv.version_in(session, element, scenario))


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
