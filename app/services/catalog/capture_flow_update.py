"""A capture line naming a flow the scenario in view already has changes that flow there, instead of adding a
second one: `Dynamics AX -> Commerce Cloud: inventory as event every 30s` in the target turns its batch feed
into a stream in the target only (docs/quick-capture.md, docs/scenarios.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.capture.grammar import FlowLine
from app.graph.units import format_duration
from app.services.catalog.capture_preview import Item, Preview
from app.services.catalog.capture_resolve import _Resolver
from app.services.catalog.scenario_values import save_in_scenario, values_in
from models import DataFlow, Element, Scenario, scenario_members
from models.vocab import FLOW_DIRECTIONS, FLOW_PATTERNS

Ensure = Callable[..., int]


def scenario_in_view(r: _Resolver) -> Scenario | None:
    """The scenario the line writes into: the one in view, else the current state."""
    chosen = r.choices.scenario_id
    which = Scenario.id == chosen if chosen else Scenario.is_baseline.is_(True)
    return r.session.scalar(select(Scenario).where(Scenario.engagement_id == r.eid, which))


def update_existing_flow(r: _Resolver, p: FlowLine, items: list[Item], source: Item, target: Item,
                         via: Item | None, entities: list[Item], result: Preview, ensure: Ensure) -> bool:
    """When exactly one flow of the scenario in view runs source -> target carrying these entities there, preview
    and build the changes the line states (in that scenario only); False when there is no such flow."""
    if not (source.element_id and target.element_id) or any(e.element_id is None for e in entities):
        return False
    scenario = scenario_in_view(r)
    if scenario is None:
        return False
    members = select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario.id)
    candidates = r.session.scalars(
        select(DataFlow).where(DataFlow.source_id == source.element_id, DataFlow.target_id == target.element_id,
                               DataFlow.id.in_(members))
    ).all()
    wanted = {e.element_id for e in entities}
    matches = [(f, v) for f in candidates if set((v := values_in(r.session, f, scenario))["entity_ids"]) == wanted]
    if len(matches) != 1:
        return False
    flow, now = matches[0]
    stated: dict[str, Any] = {}
    if p.pattern:
        stated["pattern"] = p.pattern
    if p.frequency:
        stated["frequency"] = p.frequency
    if p.latency_seconds is not None:
        stated["latency_seconds"] = p.latency_seconds
    if p.worst_latency_seconds is not None:
        stated["worst_latency_seconds"] = p.worst_latency_seconds
    if p.two_way:
        stated["direction"] = "two_way"
    changes = {k: v for k, v in stated.items() if now.get(k) != v}
    via_changes = via is not None and (via.new or via.element_id != now.get("via_id"))
    item = Item("flow", "data flow", f"{source.label} → {target.label}: {', '.join(e.label for e in entities)}",
                new=False, element_id=flow.id, details=[(label, f"{_shown(k, now.get(k))} → {_shown(k, v)}")
                                                        for k, v in changes.items() for label in [_LABELS[k]]])
    if via_changes:
        item.details.append(("Via", f"{_via_name(r, now.get('via_id'))} → {via.label}"))
    item.details.append(("Scenario", scenario.name))
    if changes or via_changes:
        item.notes.append(f"Changes this flow in {scenario.name} only; other scenarios keep their values.")
    else:
        item.notes.append(f"This flow already says so in {scenario.name}: nothing to change.")
    result.items = [*items, item]

    def build(session, engagement, user_id):
        data, created = dict(changes), []
        if via_changes:
            data["via_id"] = ensure(session, engagement, via, user_id, created, scenario.id)
        if data:
            save_in_scenario(session, engagement, flow, scenario, data, user_id=user_id, commit=False)
        return [*created, flow]

    result.build = build
    return True


_LABELS = {"pattern": "Pattern", "frequency": "Frequency", "latency_seconds": "Typical latency",
           "worst_latency_seconds": "Worst latency", "direction": "Direction"}


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field == "pattern":
        return FLOW_PATTERNS.get(value, value)
    if field == "direction":
        return FLOW_DIRECTIONS.get(value, value)
    if field.endswith("latency_seconds"):
        return format_duration(value)
    return str(value)


def _via_name(r: _Resolver, via_id: int | None) -> str:
    via = r.session.get(Element, via_id) if via_id is not None else None
    return via.name if via is not None else "—"
