"""Diagram layouts that survive edits: the first drawing is laid out by the engine as before, its node
positions are remembered, and later drawings keep them, placing only new nodes.

Graphviz's `dot` takes no positions (it ignores `pos`), `fdp` ignores pinned nodes inside clusters, and
`neato` with pinned nodes keeps the pins but draws cluster boxes across other nodes. So positions are ours:
the engine lays out the first drawing (`dot`, or `fdp`/`sfdp` when large), `placement` places new nodes
around the remembered ones, and Graphviz's `nop2` layout (`neato -n2`) draws the figure at exactly those
positions, with cluster boxes (`bb`) computed from their members and every edge routed afresh (splines
around the nodes, or straight lines where the large layouts draw them straight).

An invisible anchor node sits at the remembered top-left corner of the drawing (its `frame`), so nodes keep
their place in the picture too: an SVG is drawn from its top-left corner, and new nodes never go left of or
above it. Pure apart from the Graphviz runs (`exports.graphviz_render.layout_json`, which a test can swap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from exports.diagrams.figure import Figure
from exports.diagrams.placement import Item, Placement, Point, Rect, aligned, cluster_boxes, extent, place
from exports.graphviz_render import layout_json

ANCHOR = "frame_anchor"
MOVED_PX = 1.0  # a node moved when it is drawn more than this far from where it was
_ENGINE = ("layout", "overlap", "sep", "splines", "rankdir", "newrank", "nodesep", "ranksep")
_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INCH = 72.0

LayoutRun = Callable[[str], dict]


@dataclass(frozen=True)
class Remembered:
    """A diagram's remembered layout: node centres in points, the pinned nodes, and the drawing's top-left
    corner; no corner means "lay out afresh next time, keeping the pins where they are"."""

    positions: Mapping[str, Point]
    pins: frozenset[str] = frozenset()
    frame: Point | None = None

    def to_doc(self) -> dict:
        """As JSON-ready data (the settings document stores it)."""
        return {"positions": {k: [x, y] for k, (x, y) in sorted(self.positions.items())},
                "pins": sorted(self.pins), "frame": None if self.frame is None else list(self.frame)}

    @classmethod
    def from_doc(cls, doc: object) -> Remembered | None:
        """Read what `to_doc` wrote; None when it is not that (the diagram is then laid out afresh)."""
        if not isinstance(doc, dict) or not isinstance(doc.get("positions"), dict):
            return None
        positions = {}
        for ident, value in doc["positions"].items():
            point = _point(value)
            if not isinstance(ident, str) or not _NODE_ID.match(ident) or point is None:
                return None
            positions[ident] = point
        pins = doc.get("pins") or []
        frame = doc.get("frame")
        if not isinstance(pins, list) or not all(isinstance(p, str) and p in positions for p in pins):
            return None
        if frame is not None and _point(frame) is None:
            return None
        return cls(positions, frozenset(pins), None if frame is None else _point(frame))


def _point(value: object) -> Point | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    return (float(value[0]), float(value[1]))


@dataclass(frozen=True)
class Drawn:
    """What a Graphviz run reported: node sizes (with their clusters), centres, cluster label sizes, bb."""

    items: dict[str, Item]
    positions: dict[str, Point]
    labels: dict[str, Point] = field(default_factory=dict)
    bb: Rect = (0.0, 0.0, 0.0, 0.0)


def read_layout(doc: Mapping, figure: Figure) -> Drawn:
    """Graphviz's `-Tjson0` output for (a copy of) the figure: sizes and positions of the figure's nodes, and
    label sizes of its clusters (from the clusters themselves, or from the label probes of `sizes_figure`)."""
    cluster_of = {node.ident: node.cluster for node in figure.nodes if node.ident != ANCHOR}
    items, positions, labels = {}, {}, {}
    for obj in doc.get("objects", ()):
        name = str(obj.get("name", ""))
        if name.startswith("cluster_") and "lwidth" in obj:
            labels[name.removeprefix("cluster_")] = (_inches(obj["lwidth"]), _inches(obj.get("lheight", 0)))
        elif name.startswith("label_") and "width" in obj:
            labels[name.removeprefix("label_")] = (_inches(obj["width"]), _inches(obj["height"]))
        elif name in cluster_of and "pos" in obj:
            x, y = (float(v) for v in str(obj["pos"]).split(",")[:2])
            items[name] = Item(name, _inches(obj["width"]), _inches(obj["height"]), cluster_of[name])
            positions[name] = (x, y)
    bb = tuple(float(v) for v in str(doc.get("bb", "0,0,0,0")).split(","))
    return Drawn(items, positions, labels, bb if len(bb) == 4 else (0.0, 0.0, 0.0, 0.0))


def _inches(value: object) -> float:
    return float(value) * _INCH


def as_drawn(doc: Mapping, figure: Figure) -> dict[str, Point]:
    """Each node's centre as it appears in the picture: from the drawing's top-left corner, y downwards."""
    drawn = read_layout(doc, figure)
    x0, y1 = drawn.bb[0], drawn.bb[3]
    return {k: (x - x0, y1 - y) for k, (x, y) in drawn.positions.items()}


@dataclass(frozen=True)
class Movement:
    """How far the nodes drawn both times moved: how many by more than 1 px, the mean and the largest move."""

    compared: int
    moved: int
    mean: float
    largest: float


def movement(before: Mapping[str, Point], after: Mapping[str, Point]) -> Movement:
    """Compare two drawings node by node (nodes in both only)."""
    shifts = [math.dist(before[k], after[k]) for k in before if k in after]
    if not shifts:
        return Movement(0, 0, 0.0, 0.0)
    return Movement(len(shifts), sum(d > MOVED_PX for d in shifts), sum(shifts) / len(shifts), max(shifts))


def _engine_free(graph: Mapping[str, object], **extra: object) -> dict[str, object]:
    return {**{k: v for k, v in graph.items() if k not in _ENGINE}, "layout": "nop2", **extra}


def sizes_figure(figure: Figure) -> Figure:
    """The figure's nodes, all at the origin and without edges or boxes, plus one plain-text probe per cluster
    label: a `nop2` run of it measures every node and label without laying anything out."""
    sized = figure.annotated(_engine_free(figure.graph, splines="false"),
                             {node.ident: {"pos": "0,0"} for node in figure.nodes}, {}, edges=False, flat=True)
    for cluster in figure.clusters:
        if cluster.attrs.get("label"):
            sized.node(f"label_{cluster.ident}", label=cluster.attrs["label"], shape="plaintext", margin="0",
                       width="0", height="0", pos="0,0",
                       fontname=cluster.attrs.get("fontname", figure.graph.get("fontname", "Times-Roman")),
                       fontsize=cluster.attrs.get("fontsize", figure.graph.get("fontsize", "14")))
    return sized


def positioned_figure(figure: Figure, positions: Mapping[str, Point], items: Mapping[str, Item],
                      labels: Mapping[str, Point], frame: Point) -> Figure:
    """The figure drawn by Graphviz's `nop2` at exactly these positions: cluster boxes from their members,
    edges routed afresh, an invisible anchor at the frame's top-left corner."""
    # Splines around the nodes, as dot draws them; the large layouts' straight lines stay straight (nop2's
    # router takes ~1 s at dot's size limit of 60 systems and 200 flow legs, and grows steeply past it).
    graph = _engine_free(figure.graph, splines=figure.graph.get("splines", "true"))
    nodes = {k: {"pos": _pos(p)} for k, p in positions.items()}
    boxes = cluster_boxes(positions, items, labels)
    clusters = {c: {"bb": ",".join(f"{v:.2f}" for v in box)} for c, box in boxes.items()}
    drawn = figure.annotated(graph, nodes, clusters)
    drawn.node(ANCHOR, pos=_pos(frame), shape="point", width="0", height="0", style="invis", label="",
               tooltip="")
    return drawn


def _pos(p: Point) -> str:
    return f"{p[0]:.2f},{p[1]:.2f}"


@dataclass(frozen=True)
class Laid:
    """A figure laid out: `figure` draws it (its DOT uses Graphviz's `nop2`), `remembered` is what to keep."""

    figure: Figure
    remembered: Remembered
    fresh: bool  # laid out by the engine (a first drawing or a re-layout), not from remembered positions
    placed: tuple[str, ...] = ()  # given a spot: new nodes, and kept ones that overlapped a neighbour
    shifted: tuple[str, ...] = ()  # moved over to open room for a boxed-in cluster
    crowded: tuple[str, ...] = ()  # placed outside their cluster's box: no room without moving a pinned node

    @property
    def positions(self) -> Mapping[str, Point]:
        """Every node's centre, in points."""
        return self.remembered.positions


def lay_out(figure: Figure, memory: Remembered | None = None, *, relayout: bool = False,
            run: LayoutRun = layout_json) -> Laid:
    """Lay a figure out from its remembered layout (kept nodes stay, new ones are placed), or afresh with the
    figure's own engine when there is none, it asks for it, or `relayout` (pinned nodes stay even then)."""
    edges = [(e.source, e.target) for e in figure.edges]
    # Sizes always come from the same measuring run, so a diagram drawn again unchanged is the same DOT.
    drawn = read_layout(run(sizes_figure(figure).dot()), figure)
    if memory is not None and memory.frame is not None and not relayout:
        kept = {k: p for k, p in memory.positions.items() if k in drawn.items}
        pins = memory.pins & kept.keys()
        plan = place(list(drawn.items.values()), edges, kept, pinned=pins, labels=drawn.labels, frame=memory.frame)
        frame, fresh = memory.frame, False
    else:
        engine = read_layout(run(figure.dot()), figure).positions
        pins = frozenset(p for p in (memory.pins if memory else ()) if p in drawn.items)
        if pins:
            pinned_at = {k: memory.positions[k] for k in pins}
            seeds = {k: p for k, p in aligned(engine, pinned_at).items() if k not in pins}
            plan = place(list(drawn.items.values()), edges, pinned_at, pinned=pins, seeds=seeds, labels=drawn.labels)
        else:
            plan = Placement(engine)
        box = extent(plan.positions, drawn.items, drawn.labels)
        frame, fresh = (round(box[0], 2), round(box[3], 2)), True
    positions = {k: (round(x, 2), round(y, 2)) for k, (x, y) in plan.positions.items()}
    remembered = Remembered(positions, pins, frame)
    return Laid(positioned_figure(figure, positions, drawn.items, drawn.labels, frame), remembered, fresh,
                plan.placed, plan.shifted, plan.crowded)
