"""The scenario diff diagram: scenario A against B by element id, systems and flows added, removed or in both."""

from __future__ import annotations

from collections.abc import Mapping

from app.graph.snapshot import ScenarioSnapshot
from exports.diagrams.drawing import (
    _DIFF_EDGES,
    DIFF_STYLES,
    _draw_flow,
    _flow_tooltip,
    _large,
    _legend,
    _legs,
    _Links,
    _new,
    _sid,
)
from exports.diagrams.figure import Figure, Text


def diff_figure(a: ScenarioSnapshot, b: ScenarioSnapshot, *, link_prefix: str | None = None) -> Figure:
    """Scenario A against B by element id: systems and flows added (green), removed (red), unchanged (grey)."""
    links = _Links(link_prefix)
    systems = {**a.system_by_id, **b.system_by_id}  # B's name wins for an element in both
    flows = {**a.flow_by_id, **b.flow_by_id}
    large = _large(len(systems), _legs(flows.values()))
    dot = _new("diff", Text(f"{a.scenario_name} → {b.scenario_name}"), large)
    for system_id in sorted(systems):
        status = _status(system_id, a.system_by_id, b.system_by_id)
        system = systems[system_id]
        marker = "" if status == "unchanged" else status
        category = b.vocabulary.categories.get(system.category, system.category)
        dot.node(_sid(system_id), label=Text(system.name, category, marker), **DIFF_STYLES[status],
                 tooltip=f"System {system_id}: {status}", **links.system(system_id))
    for flow_id in sorted(flows):
        flow = flows[flow_id]
        if flow.source not in systems or flow.target not in systems:
            continue
        status = _status(flow_id, a.flow_by_id, b.flow_by_id)
        snap = b if flow_id in b.flow_by_id else a
        first = {"tooltip": f"{_flow_tooltip(snap, flow)} ({status})", **_DIFF_EDGES[status], **links.flow(flow_id)}
        _draw_flow(dot, flow, systems.keys(), first, dict(_DIFF_EDGES[status]))
    _legend(dot, [("added", f"Added in {b.scenario_name}"), ("removed", f"Removed in {b.scenario_name}"),
                  ("unchanged", "In both")], lambda key: DIFF_STYLES[key], boxed=not large)
    return dot


def _status(element_id: int, in_a: Mapping[int, object], in_b: Mapping[int, object]) -> str:
    if element_id in in_a and element_id in in_b:
        return "unchanged"
    return "added" if element_id in in_b else "removed"


def diff_diagram(a: ScenarioSnapshot, b: ScenarioSnapshot, **options) -> str:
    """`diff_figure` as DOT text."""
    return diff_figure(a, b, **options).dot()
