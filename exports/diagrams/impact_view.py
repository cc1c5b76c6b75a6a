"""The impact diagram: the origin of an impact query, its upstream and downstream systems and the flows followed."""

from __future__ import annotations

from collections.abc import Mapping

from app.graph.impact import Impact, ImpactedSystem
from app.graph.snapshot import ScenarioSnapshot
from exports.diagrams.drawing import (
    IMPACT_FILLS,
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


def impact_figure(snap: ScenarioSnapshot, impact: Impact, *, link_prefix: str | None = None) -> Figure:
    """The origin of an impact query highlighted, its upstream and downstream systems coloured, and the
    flows followed (labelled with the entities they carry)."""
    links = _Links(link_prefix)
    up = {i.system_id: i for i in impact.upstream}
    down = {i.system_id: i for i in impact.downstream}
    origin_flow = snap.flow_by_id.get(impact.origin_id) if impact.origin_kind == "flow" else None
    origins = {impact.origin_id} if origin_flow is None else {origin_flow.source, origin_flow.target}
    shown = (origins | up.keys() | down.keys()) & snap.system_by_id.keys()
    title = f"{snap.scenario_name} — impact of {snap.name_of(impact.origin_id)}"
    large = _large(len(shown), _legs(snap.flow_by_id[f] for f in impact.flows if f in snap.flow_by_id))
    dot = _new("impact", Text(title), large)
    for system_id in sorted(shown):
        system = snap.system_by_id[system_id]
        side = _side(system_id, origins, up, down)
        detail = _distances(up.get(system_id), down.get(system_id)) if side != "origin" else "origin"
        relay = (up.get(system_id) or down.get(system_id))
        style = {"style": "rounded,filled,dashed"} if relay is not None and relay.relay_only else {}
        attrs = {"label": Text(system.name, detail), "fillcolor": IMPACT_FILLS[side], **style,
                 "tooltip": f"System {system_id}: {side}", **links.system(system_id)}
        if side == "origin":
            attrs.update(penwidth="3", color="#14213d")
        dot.node(_sid(system_id), **attrs)
    wanted = set(impact.entity_ids)
    for flow_id in sorted(impact.flows):
        flow = snap.flow_by_id.get(flow_id)
        if flow is None or flow.source not in shown or flow.target not in shown:
            continue
        carried = ", ".join(sorted(snap.name_of(e) for e in flow.entity_ids & wanted))
        mark = {"color": "#14213d", "penwidth": "3"} if origin_flow is not None and flow_id == impact.origin_id else {}
        first = {"label": Text(carried), "tooltip": _flow_tooltip(snap, flow), **mark, **links.flow(flow_id)}
        _draw_flow(dot, flow, shown, first, dict(mark))
    _legend(dot, [("origin", "Origin"), ("upstream", "Upstream"), ("downstream", "Downstream"),
                  ("both", "Up- and downstream")], lambda key: {"fillcolor": IMPACT_FILLS[key]}, boxed=not large)
    return dot


def _side(system_id: int, origins: set[int], up: Mapping, down: Mapping) -> str:
    if system_id in origins:
        return "origin"
    if system_id in up and system_id in down:
        return "both"
    return "upstream" if system_id in up else "downstream"


def _distances(up: ImpactedSystem | None, down: ImpactedSystem | None) -> str:
    parts = [f"{arrow} {item.distance} hop{'s' if item.distance != 1 else ''}"
             for arrow, item in (("upstream", up), ("downstream", down)) if item is not None]
    return " · ".join(parts)


def impact_diagram(snap: ScenarioSnapshot, impact: Impact, **options) -> str:
    """`impact_figure` as DOT text."""
    return impact_figure(snap, impact, **options).dot()
