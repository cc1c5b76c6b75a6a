"""The entity view: the systems holding one entity and the flows carrying it, slow flows marked."""

from __future__ import annotations

from collections.abc import Iterable

from app.graph.model import ScenarioGraph, build_graph
from app.graph.snapshot import SLOW_PATTERNS, Flow, ScenarioSnapshot
from app.graph.units import format_duration
from exports.diagrams.drawing import (
    SLOW_AFTER_SECONDS,
    SLOW_COLOUR,
    _draw_flow,
    _flow_tooltip,
    _large,
    _legs,
    _lifecycle_style,
    _Links,
    _new,
    _pattern,
    _sid,
)
from exports.diagrams.figure import Figure, Text
from exports.dot import node_id


def is_slow(flow: Flow, slow_after: float = SLOW_AFTER_SECONDS) -> bool:
    """Batch or manual, or a worst latency above `slow_after` seconds."""
    return flow.pattern in SLOW_PATTERNS or (flow.worst_latency is not None and flow.worst_latency > slow_after)


def entity_figure(snap: ScenarioSnapshot, entity_id: int, *, slow_after: float = SLOW_AFTER_SECONDS,
                  link_prefix: str | None = None, graph: ScenarioGraph | None = None) -> Figure:
    """The systems holding one entity and the flows carrying it: systems of record highlighted, edges
    labelled with pattern and latency, slow edges (batch, manual, or worst latency > slow_after) in red."""
    if entity_id not in snap.entity_by_id:
        raise ValueError(f"no entity {entity_id} in scenario {snap.scenario_name!r}")
    graph = graph if graph is not None else build_graph(snap)
    links = _Links(link_prefix)
    entity = snap.entity_by_id[entity_id]
    flows = sorted((f for f in graph.flows if entity_id in f.entity_ids), key=lambda f: f.id)
    shown = set(graph.holders(entity_id)) | {f.via for f in flows if f.via in snap.system_by_id}
    sors = set(graph.sors(entity_id))
    large = _large(len(shown), _legs(flows))
    dot = _new("entity_flow", Text(f"{snap.scenario_name} — {entity.name}: systems and flows"), large)
    for system_id in sorted(shown):
        system = snap.system_by_id[system_id]
        roles = sorted(snap.vocabulary.roles.get(r, r) for r in graph.roles(system_id, entity_id))
        role_text = ", ".join(roles) or ("middleware" if system_id not in graph.holders(entity_id) else "")
        attrs = {"label": Text(system.name, role_text), **_lifecycle_style(system),
                 "tooltip": f"System {system.id}: {', '.join(roles) or 'no ownership role'}",
                 **links.system(system_id)}
        if system_id in sors:
            attrs.update(fillcolor="#d3f0dc", color="#1a7f37", penwidth="2.5")
        dot.node(_sid(system_id), **attrs)
    for flow in flows:
        slow = is_slow(flow, slow_after)
        mark = {"color": SLOW_COLOUR, "fontcolor": SLOW_COLOUR, "penwidth": "2.2"} if slow else {}
        label = Text(_pattern(snap, flow), f"typical {format_duration(flow.latency)} · worst "
                      f"{format_duration(flow.worst_latency)}", "SLOW" if slow else "")
        first = {"label": label, "tooltip": _flow_tooltip(snap, flow), **mark, **links.flow(flow.id)}
        _draw_flow(dot, flow, shown, first, dict(mark))
    _channel_nodes(dot, snap, shown & graph.holders(entity_id), links)
    return dot


def _channel_nodes(dot: Figure, snap: ScenarioSnapshot, systems: Iterable[int], links: _Links) -> None:
    """Channels served by the given systems, as notes joined to them by dotted lines."""
    serving: dict[int, list[int]] = {}
    for system_id in sorted(systems):
        for channel in sorted(snap.system_by_id[system_id].channel_ids):
            if channel in snap.channel_by_id:
                serving.setdefault(channel, []).append(system_id)
    for channel_id in sorted(serving):
        dot.node(node_id("c", channel_id), label=Text(snap.channel_by_id[channel_id].name), shape="note",
                 style="filled", fillcolor="#eef3ff", tooltip=f"Channel {channel_id}", **links.channel(channel_id))
        for system_id in serving[channel_id]:
            dot.edge(_sid(system_id), node_id("c", channel_id), style="dotted", arrowhead="none", color="#9aa3b2")


def entity_flow(snap: ScenarioSnapshot, entity_id: int, **options) -> str:
    """`entity_figure` as DOT text."""
    return entity_figure(snap, entity_id, **options).dot()
