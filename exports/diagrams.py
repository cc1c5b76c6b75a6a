"""Diagrams of a scenario: landscape, one entity's flows, impact, and a scenario diff, as DOT (or Mermaid).

Pure: a `ScenarioSnapshot` (and analysis results) in, a `Figure` out — a small graph description (nodes,
edges, clusters, Graphviz-style attributes, labels as lines of raw user text). `Figure.dot()` writes it as
DOT (which `exports.graphviz_render` draws); `exports.mermaid.render` writes the same figure as a Mermaid
flowchart. The `landscape`, `entity_flow`, `impact_diagram` and `diff_diagram` functions return DOT text; their
`*_figure` twins return the figure.

Deterministic: every collection is walked in id order and nothing depends on the clock, so the same model
gives byte-identical DOT. Safe: user text is only ever an escaped, quoted label (see `exports.dot`), and
tooltips and links carry ids and vocabulary words only; a node's link is a path inside the app built from
its id (`<link_prefix>/systems/<id>`), with `target="_top"` so it opens as a page when the SVG is embedded.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from app.graph.findings import SEVERITIES, Finding
from app.graph.impact import Impact, ImpactedSystem
from app.graph.model import ScenarioGraph, build_graph
from app.graph.snapshot import SLOW_PATTERNS, Flow, ScenarioSnapshot, System
from app.graph.units import format_duration
from exports.dot import Dot, lines, node_id

CLUSTERS = ("channel", "category")
SLOW_AFTER_SECONDS = 15 * 60  # worst latency above this marks a flow slow in the entity view
# `dot` draws flows left to right, but its time grows steeply with size (100 systems and 300 flows: ~2.5 s;
# 200 and 800: minutes). Past these sizes force-directed layouts take over: `fdp` for the landscape (it
# keeps clusters; ~1 s for 200 systems and 800 flows), `sfdp` for the others (no clusters; well under 1 s).
# fdp in Graphviz 2.43 places clusters in an order that varies between runs, so a large *landscape* may
# render differently twice; its DOT is still identical, and the other diagrams have no clusters when large.
DOT_MAX_NODES = 60
DOT_MAX_EDGES = 200
_PREFIX = re.compile(r"(?:/[A-Za-z0-9_.~-]+)*\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_GRAPH = {"rankdir": "LR", "fontname": "Helvetica", "fontsize": "12", "labelloc": "t", "nodesep": "0.3",
          "ranksep": "0.6", "newrank": "true", "outputorder": "edgesfirst"}
_LARGE_CLUSTERED = {"layout": "fdp", "splines": "line", "sep": "+6"}
_LARGE = {"layout": "sfdp", "overlap": "prism", "splines": "line"}
_NODE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#5f6b7a",
         "fontname": "Helvetica", "fontsize": "10"}
_EDGE = {"color": "#7b8794", "fontname": "Helvetica", "fontsize": "8", "arrowsize": "0.6"}
SEVERITY_COLOURS = {"critical": "#b42318", "high": "#d9480f", "medium": "#9a6700", "info": "#1f5fbf"}
SLOW_COLOUR = "#b42318"
IMPACT_FILLS = {"origin": "#ffe08a", "upstream": "#d6e4ff", "downstream": "#ffe1c7", "both": "#e6d8ff"}
DIFF_STYLES = {
    "added": {"color": "#1a7f37", "fillcolor": "#e4f5e9", "fontcolor": "#0f5323", "penwidth": "2"},
    "removed": {"color": "#b42318", "fillcolor": "#fdecea", "fontcolor": "#7a1c14", "penwidth": "2",
                "style": "rounded,filled,dashed"},
    "unchanged": {"color": "#9aa3b2", "fillcolor": "#f3f4f6", "fontcolor": "#5f6b7a"},
}
_DIFF_EDGES = {
    "added": {"color": "#1a7f37", "penwidth": "1.8"},
    "removed": {"color": "#b42318", "penwidth": "1.8", "style": "dashed"},
    "unchanged": {"color": "#c3c9d2"},
}


class Text(tuple):
    """A label as lines of raw user text (empty lines left out); each writer escapes it its own way."""

    def __new__(cls, *parts: object) -> Text:
        return super().__new__(cls, tuple(str(p) for p in parts if p not in (None, "")))


@dataclass(frozen=True)
class Node:
    """A node: its id (ours, from a prefix and an integer id), the cluster it sits in, its attributes."""

    ident: str
    attrs: dict[str, object]
    cluster: str | None = None


@dataclass(frozen=True)
class Edge:
    """An edge between two node ids, with its attributes."""

    source: str
    target: str
    attrs: dict[str, object]


@dataclass(frozen=True)
class Cluster:
    """A box of nodes (a Graphviz `cluster_…` subgraph, a Mermaid `subgraph`)."""

    ident: str
    attrs: dict[str, object]


@dataclass
class Figure:
    """A graph description that DOT and Mermaid writers both render. Attribute names and values follow
    Graphviz (`label`, `fillcolor`, `style="rounded,filled,dashed"`…); `Text` values are user text."""

    name: str
    graph: dict[str, object]
    node_defaults: dict[str, object]
    edge_defaults: dict[str, object]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    _open: str | None = None
    # Statements in call order, so the DOT keeps the order the diagram was built in (Graphviz layouts
    # depend on it): ("node", index), ("edge", index), ("open", index), ("close", -1).
    _ops: list[tuple[str, int]] = field(default_factory=list)

    @property
    def title(self) -> Text:
        """The figure's title (its graph label)."""
        label = self.graph.get("label")
        return label if isinstance(label, Text) else Text(label)

    def node(self, ident: str, /, **attrs: object) -> None:
        """Add a node, inside the open cluster if any."""
        self._ops.append(("node", len(self.nodes)))
        self.nodes.append(Node(node_id_checked(ident), attrs, self._open))

    def edge(self, source: str, target: str, /, **attrs: object) -> None:
        """Add an edge."""
        self._ops.append(("edge", len(self.edges)))
        self.edges.append(Edge(node_id_checked(source), node_id_checked(target), attrs))

    def open_cluster(self, ident: str, /, **attrs: object) -> None:
        """Start a cluster; nodes added until `close()` sit in it (clusters do not nest)."""
        if self._open is not None:
            raise ValueError("clusters do not nest")
        self._ops.append(("open", len(self.clusters)))
        self.clusters.append(Cluster(node_id_checked(ident), attrs))
        self._open = ident

    def close(self) -> None:
        """End the open cluster."""
        if self._open is None:
            raise ValueError("no open cluster")
        self._ops.append(("close", -1))
        self._open = None

    def dot(self) -> str:
        """The figure as DOT text, statements in the order they were added."""
        if self._open is not None:
            raise ValueError("unclosed cluster")
        out = Dot(self.name, graph=_dot_attrs(self.graph), node=_dot_attrs(self.node_defaults),
                  edge=_dot_attrs(self.edge_defaults))
        for op, index in self._ops:
            if op == "node":
                node = self.nodes[index]
                out.node(node.ident, **_dot_attrs(node.attrs))
            elif op == "edge":
                edge = self.edges[index]
                out.edge(edge.source, edge.target, **_dot_attrs(edge.attrs))
            elif op == "open":
                cluster = self.clusters[index]
                out.open_cluster(cluster.ident, **_dot_attrs(cluster.attrs))
            else:
                out.close()
        return out.source()


def _dot_attrs(attrs: Mapping[str, object]) -> dict[str, object]:
    return {k: (lines(*v) if isinstance(v, Text) else v) for k, v in attrs.items()}


def node_id_checked(ident: str) -> str:
    """Node and cluster ids are ours (a constant prefix and an integer): refuse anything else."""
    if not _IDENT.match(ident):
        raise ValueError(f"bad node id {ident!r}")
    return ident


class _Links:
    """Node and edge URLs inside the app, from ids only; none at all without a prefix."""

    def __init__(self, prefix: str | None):
        if prefix is not None and (not _PREFIX.match(prefix) or "/../" in f"{prefix}/" or "/./" in f"{prefix}/"):
            raise ValueError(f"link prefix must be an app path like /e/1, not {prefix!r}")
        self.prefix = prefix

    def system(self, system_id: int) -> dict[str, object]:
        """URL attributes for a system node."""
        return self._to("systems", system_id)

    def flow(self, flow_id: int) -> dict[str, object]:
        """URL attributes for a flow edge."""
        return self._to("flows", flow_id)

    def channel(self, channel_id: int) -> dict[str, object]:
        """URL attributes for a channel node."""
        return self._to("channels", channel_id)

    def _to(self, slug: str, element_id: int) -> dict[str, object]:
        if self.prefix is None:
            return {}
        return {"URL": f"{self.prefix}/{slug}/{int(element_id)}", "target": "_top"}


def _sid(system_id: int) -> str:
    return node_id("s", system_id)


def _large(nodes: int, edges: int) -> bool:
    return nodes > DOT_MAX_NODES or edges > DOT_MAX_EDGES


def _new(name: str, title: Text, large: bool, *, clustered: bool = False) -> Figure:
    layout = (_LARGE_CLUSTERED if clustered else _LARGE) if large else {}
    return Figure(name, {**_GRAPH, **layout, "label": title}, dict(_NODE), dict(_EDGE))


def _legs(flows: Iterable[Flow]) -> int:
    return sum(2 if f.via is not None else 1 for f in flows)


def _category(snap: ScenarioSnapshot, system: System) -> str:
    return snap.vocabulary.categories.get(system.category, system.category)


def _pattern(snap: ScenarioSnapshot, flow: Flow) -> str:
    return snap.vocabulary.patterns.get(flow.pattern, flow.pattern)


def _lifecycle_style(system: System) -> dict[str, object]:
    if system.lifecycle in ("retiring", "retired"):
        return {"style": "rounded,filled,dashed", "fillcolor": "#eceff3"}
    if system.lifecycle == "planned":
        return {"style": "rounded,filled,dotted"}
    return {}


def _flow_tooltip(snap: ScenarioSnapshot, flow: Flow) -> str:
    # Vocabulary words and figures only: the SVG's attributes never carry user text.
    return (f"Flow {flow.id}: {_pattern(snap, flow)}, typical {format_duration(flow.latency)}, "
            f"worst {format_duration(flow.worst_latency)}")


def _draw_flow(dot: Figure, flow: Flow, shown: Container[int], first: dict, rest: dict) -> None:
    """One flow as one edge, or two through its middleware (the label on the first leg only)."""
    both = {"dir": "both"} if flow.two_way else {}
    if flow.via is not None and flow.via in shown:
        dot.edge(_sid(flow.source), _sid(flow.via), **first, **both)
        dot.edge(_sid(flow.via), _sid(flow.target), **rest, **both)
    else:
        dot.edge(_sid(flow.source), _sid(flow.target), **first, **both)


# --- landscape ------------------------------------------------------------------------------------


def landscape_figure(snap: ScenarioSnapshot, *, cluster: str = "category", findings: Iterable[Finding] = (),
              link_prefix: str | None = None) -> Figure:
    """Every system and flow of the scenario, clustered by channel or by category; findings colour borders."""
    if cluster not in CLUSTERS:
        raise ValueError(f"cluster must be one of {', '.join(CLUSTERS)}, not {cluster!r}")
    links = _Links(link_prefix)
    worst = _worst_severity(findings)
    large = _large(len(snap.systems), _legs(snap.flows))
    dot = _new("landscape", Text(f"{snap.scenario_name} — landscape by {cluster}"), large, clustered=True)
    groups = _by_channel(snap) if cluster == "channel" else _by_category(snap)
    for index, (label, members) in enumerate(groups):
        dot.open_cluster(f"g{index}", label=label, style="rounded", color="#c3c9d2", fontname="Helvetica")
        for system in members:
            extra = _channel_names(snap, system) if cluster == "channel" and len(system.channel_ids) > 1 else ""
            attrs = {"label": Text(system.name, _category(snap, system), extra), **_lifecycle_style(system),
                     "tooltip": f"System {system.id}: {_category(snap, system)}, {system.lifecycle}",
                     **links.system(system.id)}
            if system.id in worst:
                attrs.update(color=SEVERITY_COLOURS[worst[system.id]], penwidth="2.5")
            dot.node(_sid(system.id), **attrs)
        dot.close()
    shown = set(snap.system_by_id)
    for flow in sorted(snap.flows, key=lambda f: f.id):
        if flow.source not in shown or flow.target not in shown:
            continue
        style = {"style": "dashed"} if flow.pattern in SLOW_PATTERNS else {}
        first = {"tooltip": _flow_tooltip(snap, flow), **style, **links.flow(flow.id)}
        _draw_flow(dot, flow, shown, first, dict(style))
    return dot


def _worst_severity(findings: Iterable[Finding]) -> dict[int, str]:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    worst: dict[int, str] = {}
    for f in findings:
        for system in f.systems:
            if system not in worst or rank[f.severity] < rank[worst[system]]:
                worst[system] = f.severity
    return worst


def _by_category(snap: ScenarioSnapshot) -> list[tuple[str, list[System]]]:
    order = {code: i for i, code in enumerate(snap.vocabulary.categories)}
    codes = sorted({s.category for s in snap.systems}, key=lambda c: (order.get(c, len(order)), c))
    return [(snap.vocabulary.categories.get(code, code), sorted((s for s in snap.systems if s.category == code),
                                                                key=lambda s: s.id)) for code in codes]


def _by_channel(snap: ScenarioSnapshot) -> list[tuple[str, list[System]]]:
    # A node sits in one cluster only: systems of several channels get a cluster of their own (their label
    # lists the channels), systems of none are the back office.
    known = snap.channel_by_id
    single: dict[int, list[System]] = {}
    several, none = [], []
    for system in sorted(snap.systems, key=lambda s: s.id):
        channels = sorted(c for c in system.channel_ids if c in known)
        if len(channels) == 1:
            single.setdefault(channels[0], []).append(system)
        elif channels:
            several.append(system)
        else:
            none.append(system)
    groups = [(known[c].name, single[c]) for c in sorted(single)]
    if several:
        groups.append(("Several channels", several))
    if none:
        groups.append(("No channel (back office)", none))
    return groups


def _channel_names(snap: ScenarioSnapshot, system: System) -> str:
    return ", ".join(snap.channel_by_id[c].name for c in sorted(system.channel_ids) if c in snap.channel_by_id)


# --- one entity's flows ---------------------------------------------------------------------------


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


# --- impact ---------------------------------------------------------------------------------------


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


def _legend(dot: Figure, entries: list[tuple[str, str]], style, *, boxed: bool) -> None:
    """Sample nodes explaining the colours; boxed in a cluster except in large (fdp) layouts, where a
    cluster would make the placement vary between runs."""
    if boxed:
        dot.open_cluster("legend", label="Legend", style="rounded", color="#d9dee6", fontname="Helvetica")
    for index, (key, label) in enumerate(entries):
        dot.node(node_id("legend", index), label=label, tooltip="Legend", **style(key))
    if boxed:
        dot.close()


# --- comparison -----------------------------------------------------------------------------------


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


# --- DOT text ------------------------------------------------------------------------------------


def landscape(snap: ScenarioSnapshot, **options) -> str:
    """`landscape_figure` as DOT text."""
    return landscape_figure(snap, **options).dot()


def entity_flow(snap: ScenarioSnapshot, entity_id: int, **options) -> str:
    """`entity_figure` as DOT text."""
    return entity_figure(snap, entity_id, **options).dot()


def impact_diagram(snap: ScenarioSnapshot, impact: Impact, **options) -> str:
    """`impact_figure` as DOT text."""
    return impact_figure(snap, impact, **options).dot()


def diff_diagram(a: ScenarioSnapshot, b: ScenarioSnapshot, **options) -> str:
    """`diff_figure` as DOT text."""
    return diff_figure(a, b, **options).dot()


__all__ = ["CLUSTERS", "SLOW_AFTER_SECONDS", "Figure", "Text", "diff_diagram", "diff_figure", "entity_figure",
           "entity_flow", "impact_diagram", "impact_figure", "is_slow", "landscape", "landscape_figure"]
