"""What every diagram draws with: layout and colour settings, in-app links, system nodes, flow edges, legends."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

from app.graph.snapshot import Flow, ScenarioSnapshot, System
from app.graph.units import format_duration
from exports.diagrams.figure import Figure, Text
from exports.dot import node_id
from exports.fonts import GRAPHVIZ_FONT

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

_GRAPH = {"rankdir": "LR", "fontname": GRAPHVIZ_FONT, "fontsize": "12", "labelloc": "t", "nodesep": "0.3",
          "ranksep": "0.6", "newrank": "true", "outputorder": "edgesfirst"}
_LARGE_CLUSTERED = {"layout": "fdp", "splines": "line", "sep": "+6"}
_LARGE = {"layout": "sfdp", "overlap": "prism", "splines": "line"}
_NODE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#5f6b7a",
         "fontname": GRAPHVIZ_FONT, "fontsize": "10"}
_EDGE = {"color": "#7b8794", "fontname": GRAPHVIZ_FONT, "fontsize": "8", "arrowsize": "0.6"}
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


def _legend(dot: Figure, entries: list[tuple[str, str]], style, *, boxed: bool) -> None:
    """Sample nodes explaining the colours; boxed in a cluster except in large (fdp) layouts, where a
    cluster would make the placement vary between runs."""
    if boxed:
        dot.open_cluster("legend", label="Legend", style="rounded", color="#d9dee6", fontname=GRAPHVIZ_FONT)
    for index, (key, label) in enumerate(entries):
        dot.node(node_id("legend", index), label=label, tooltip="Legend", **style(key))
    if boxed:
        dot.close()
