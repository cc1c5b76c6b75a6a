"""Placing nodes around a remembered layout: kept nodes stay exactly where they were, the others go to the
nearest free spot that keeps every cluster a box of its own.

Pure geometry in Graphviz units (points, y upwards). A node is a box `(x, y)` centre, `width` × `height`;
a cluster's box is its members' boxes with dot's 8 pt margin and room for its label on top. A spot is free
when the node is at least `GAP` from every other node and its cluster's box, grown to take it, neither
touches another cluster's box nor covers a node of another cluster, and nothing reaches left of or above
the drawing's `frame` corner (the SVG is drawn from that corner: crossing it would shift the whole picture).
Spots are tried on an 8 pt grid in rings around a seed, nearest first. When a cluster is boxed in on every
side, the node goes to the nearest spot free of nodes and is reported as `crowded` (its cluster's box may
then cross another): moving other nodes to make room is left to a re-layout.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 with y upwards

GAP = 18.0  # between two nodes (dot's nodesep is 0.3 in = 21.6 pt)
PAD = 8.0  # a cluster box around its members, as dot draws it
LABEL_PAD = 16.0  # above the members, besides the label's own height
CLUSTER_GAP = 7.5  # between cluster boxes (dot keeps 8 pt), and between a box and a node outside it
STEP = 8.0  # the search grid
_CELL = 96.0  # spatial index cell


@dataclass(frozen=True)
class Item:
    """A node to place: its id, size in points and the cluster it belongs to (if any)."""

    ident: str
    width: float
    height: float
    cluster: str | None = None


@dataclass(frozen=True)
class Placement:
    """Every node's centre; the nodes given a new spot (new, or moved off an overlap); the nodes moved to make
    room for a boxed-in cluster; the nodes whose cluster could grow nowhere (its box may cross another)."""

    positions: dict[str, Point]
    placed: tuple[str, ...] = ()
    shifted: tuple[str, ...] = ()
    crowded: tuple[str, ...] = ()


def rect(p: Point, item: Item) -> Rect:
    """The node's box at centre p."""
    return (p[0] - item.width / 2, p[1] - item.height / 2, p[0] + item.width / 2, p[1] + item.height / 2)


def inflate(r: Rect, by: float) -> Rect:
    """The box grown by `by` on every side."""
    return (r[0] - by, r[1] - by, r[2] + by, r[3] + by)


def overlaps(a: Rect, b: Rect) -> bool:
    """True when the boxes share some area (touching is not overlapping)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def union(a: Rect | None, b: Rect) -> Rect:
    """The smallest box holding both."""
    return b if a is None else (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def cluster_box(members: Iterable[Rect], label: Point = (0.0, 0.0)) -> Rect | None:
    """A cluster's box around its members' boxes: 8 pt margin, the label (width, height) on top."""
    inner = None
    for r in members:
        inner = union(inner, r)
    return None if inner is None else _padded(inner, label)


def _padded(inner: Rect, label: Point) -> Rect:
    x0, y0, x1, y1 = inner[0] - PAD, inner[1] - PAD, inner[2] + PAD, inner[3] + LABEL_PAD + label[1]
    short = label[0] + 2 * PAD - (x1 - x0)
    if short > 0:
        x0, x1 = x0 - short / 2, x1 + short / 2
    return (x0, y0, x1, y1)


class _Index:
    """Placed node boxes in a uniform grid, for finding the ones near a spot."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[str]] = defaultdict(list)
        self.rects: dict[str, Rect] = {}

    def add(self, ident: str, r: Rect) -> None:
        self.rects[ident] = r
        for cell in _cells(r):
            self.cells[cell].append(ident)

    def hits(self, r: Rect) -> set[str]:
        found = set()
        for cell in _cells(r):
            found.update(i for i in self.cells.get(cell, ()) if overlaps(self.rects[i], r))
        return found


def _cells(r: Rect) -> Iterable[tuple[int, int]]:
    for i in range(math.floor(r[0] / _CELL), math.floor(r[2] / _CELL) + 1):
        for j in range(math.floor(r[1] / _CELL), math.floor(r[3] / _CELL) + 1):
            yield (i, j)


class _Board:
    """The drawing as it fills up: node boxes, cluster boxes, the frame corner."""

    def __init__(self, items: Mapping[str, Item], labels: Mapping[str, Point], frame: Point | None):
        self.items, self.labels, self.frame = items, labels, frame
        self.index = _Index()
        self.positions: dict[str, Point] = {}
        self.boxes: dict[str, Rect] = {}
        self.inner: dict[str, Rect] = {}  # each cluster's members' boxes together, before the margins

    def moved(self, movers: Collection[str], dx: float, dy: float) -> _Board:
        """A copy of the board with some nodes moved by (dx, dy)."""
        copy = _Board(self.items, self.labels, self.frame)
        for ident, (x, y) in self.positions.items():
            copy.put(self.items[ident], (x + dx, y + dy) if ident in movers else (x, y))
        return copy

    def adopt(self, other: _Board) -> None:
        """Take another board's nodes and boxes (after making room)."""
        self.index, self.positions, self.boxes, self.inner = other.index, other.positions, other.boxes, other.inner

    def put(self, item: Item, p: Point) -> None:
        r = rect(p, item)
        self.positions[item.ident] = p
        self.index.add(item.ident, r)
        if item.cluster is not None:
            self.boxes[item.cluster] = self.grown(item, r)
            self.inner[item.cluster] = union(self.inner.get(item.cluster), r)

    def grown(self, item: Item, r: Rect) -> Rect:
        """The box of the item's cluster once it holds r too."""
        cluster = item.cluster or ""
        return _padded(union(self.inner.get(cluster), r), self.labels.get(cluster, (0.0, 0.0)))

    def clashes(self, r: Rect) -> bool:
        """True when the box overlaps a node already placed (a kept node whose label grew)."""
        return bool(self.index.hits(r))

    def outside(self, r: Rect) -> bool:
        """True when the box reaches left of or above the frame's corner (half a point of rounding allowed)."""
        return self.frame is not None and (r[0] < self.frame[0] - 0.5 or r[3] > self.frame[1] + 0.5)

    def free(self, item: Item, p: Point, *, clusters: bool = True) -> bool:
        r = rect(p, item)
        if self.outside(r):
            return False
        if self.index.hits(inflate(r, GAP - 1e-6)):
            return False
        if not clusters:
            return True
        if item.cluster is None:
            zone = inflate(r, CLUSTER_GAP)
            return not any(overlaps(zone, box) for box in self.boxes.values())
        box = self.grown(item, r)
        if self.outside(box):
            return False
        zone = inflate(box, CLUSTER_GAP)
        if any(overlaps(zone, other) for cid, other in self.boxes.items() if cid != item.cluster):
            return False
        return all(self.items[o].cluster == item.cluster for o in self.index.hits(zone))

    def extent(self) -> Rect:
        found = None
        for r in (*self.index.rects.values(), *self.boxes.values()):
            found = union(found, r)
        return found or (0.0, 0.0, 0.0, 0.0)

    def nearest(self, item: Item, seed: Point, *, clusters: bool = True) -> Point | None:
        """The free spot nearest the seed, or None within the search radius: rings of candidate spots around
        the seed, 8 pt apart near it and coarser further out (the grid doubles every 32 rings)."""
        e = self.extent()
        reach = math.hypot(e[2] - e[0], e[3] - e[1]) + math.hypot(seed[0] - e[0], seed[1] - e[1])
        limit = reach + 2 * (item.width + item.height) + STEP
        best, best_d = None, math.inf
        for radius, spots in _rings(limit):
            if radius > best_d:
                break
            for dx, dy in spots:
                d = math.hypot(dx, dy)
                if d < best_d and self.free(item, (seed[0] + dx, seed[1] + dy), clusters=clusters):
                    best, best_d = (seed[0] + dx, seed[1] + dy), d
        return best


def _rings(limit: float) -> Iterable[tuple[float, list[Point]]]:
    """(radius, offsets on the square of that half-size, nearest first) from the centre outwards."""
    yield 0.0, [(0.0, 0.0)]
    radius, step = 0.0, STEP
    while radius < limit:
        if radius >= 32 * step:
            step *= 2
        radius += step
        n = round(radius / step)
        spots = [(x, y) for x in range(-n, n + 1) for y in (-n, n)]
        spots += [(x, y) for x in (-n, n) for y in range(-n + 1, n)]
        spots.sort(key=lambda s: (s[0] ** 2 + s[1] ** 2, s))
        yield radius, [(x * step, y * step) for x, y in spots]


def place(items: Sequence[Item], edges: Iterable[tuple[str, str]], kept: Mapping[str, Point], *,
          pinned: Collection[str] = (), seeds: Mapping[str, Point] | None = None,
          labels: Mapping[str, Point] | None = None, frame: Point | None = None) -> Placement:
    """Positions for every item. Pinned items stay where `kept` says; other kept items stay too unless they
    now overlap a node (a longer label), in which case they move to the nearest free spot; the rest go to
    the free spot nearest their seed (default: their drawn neighbours, inside their cluster's box)."""
    by_id = {item.ident: item for item in items}
    board = _Board(by_id, labels or {}, frame)
    seeds = dict(seeds or {})
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        if a != b and a in by_id and b in by_id:
            neighbours[a].append(b)
            neighbours[b].append(a)
    for item in items:
        if item.ident in pinned and item.ident in kept:
            board.put(item, kept[item.ident])
    waiting: list[Item] = []
    for item in items:
        if item.ident in board.positions:
            continue
        if item.ident in kept and not board.clashes(rect(kept[item.ident], item)):
            board.put(item, kept[item.ident])
        else:
            if item.ident in kept:
                seeds.setdefault(item.ident, kept[item.ident])
            waiting.append(item)
    placed, shifted, crowded = [], set(), []
    for item in _order(waiting, seeds, neighbours, board):
        seed = seeds.get(item.ident) or _seed(item, neighbours[item.ident], board)
        spot = board.nearest(item, seed)
        if spot is None:
            room = _make_room(board, item, seed, pinned)
            if room is not None:
                spot, movers = room
                shifted.update(movers)
            else:
                spot = board.nearest(item, seed, clusters=False) or _beyond(item, board)
                crowded.append(item.ident)
        board.put(item, spot)
        placed.append(item.ident)
    return Placement(board.positions, tuple(placed), tuple(sorted(shifted - set(placed))), tuple(crowded))


def _make_room(board: _Board, item: Item, seed: Point, pinned: Collection[str]) -> tuple[Point, list[str]] | None:
    """Room for a node whose cluster is boxed in: a band as wide as the node opened just right of the cluster
    (every node right of it moves right), or as tall just below it (every node below moves down), whichever
    moves fewer nodes and no pinned one. Relative positions stay: clusters keep apart. None when neither fits."""
    box, inner = board.boxes.get(item.cluster or ""), board.inner.get(item.cluster or "")
    if box is None or inner is None:
        return None
    w, h = item.width, item.height
    right = [k for k, r in board.index.rects.items() if r[0] >= box[2]]
    below = [k for k, r in board.index.rects.items() if r[3] <= box[1]]
    beside = (inner[2] + GAP + w / 2, _clamp(seed[1], inner[1] + h / 2, inner[3] - h / 2))
    under = (_clamp(seed[0], inner[0] + w / 2, inner[2] - w / 2), inner[1] - GAP - h / 2)
    options = [(len(right), 0, right, (w + GAP, 0.0), beside), (len(below), 1, below, (0.0, -(h + GAP)), under)]
    for _count, _rank, movers, (dx, dy), spot in sorted(options, key=lambda o: o[:2]):
        if any(m in pinned for m in movers):
            continue
        trial = board.moved(set(movers), dx, dy)
        if trial.free(item, spot):
            board.adopt(trial)
            return spot, movers
    return None


def _order(waiting: list[Item], seeds: Mapping[str, Point], neighbours: Mapping[str, list[str]],
           board: _Board) -> Iterable[Item]:
    """Seeded items first, in figure order; then, one by one, the item with the most neighbours drawn."""
    rest = []
    for item in waiting:
        if item.ident in seeds:
            yield item
        else:
            rest.append(item)
    while rest:
        best = max(range(len(rest)), key=lambda i: (sum(n in board.positions for n in neighbours[rest[i].ident]), -i))
        yield rest.pop(best)


def _seed(item: Item, neighbours: list[str], board: _Board) -> Point:
    """Where a new node would best sit: among its drawn neighbours, pulled into its cluster's box."""
    drawn = [board.positions[n] for n in neighbours if n in board.positions]
    box = board.boxes.get(item.cluster or "")
    if drawn:
        target = (sum(p[0] for p in drawn) / len(drawn), sum(p[1] for p in drawn) / len(drawn))
    elif box is not None:
        target = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    else:
        e = board.extent()
        return (e[2] + GAP + item.width / 2, e[3] - item.height / 2)
    if box is None:
        return target
    label = board.labels.get(item.cluster or "", (0.0, 0.0))
    return (_clamp(target[0], box[0] + PAD + item.width / 2, box[2] - PAD - item.width / 2),
            _clamp(target[1], box[1] + PAD + item.height / 2, box[3] - LABEL_PAD - label[1] - item.height / 2))


def _clamp(value: float, low: float, high: float) -> float:
    return (low + high) / 2 if low > high else min(max(value, low), high)


def _beyond(item: Item, board: _Board) -> Point:
    e = board.extent()
    return (e[2] + GAP + item.width / 2, e[3] - item.height / 2)


def aligned(fresh: Mapping[str, Point], pins: Mapping[str, Point]) -> dict[str, Point]:
    """A fresh layout moved as a whole so that its pinned nodes land, on average, where they are pinned."""
    common = [k for k in pins if k in fresh]
    if not common:
        return dict(fresh)
    dx = sum(pins[k][0] - fresh[k][0] for k in common) / len(common)
    dy = sum(pins[k][1] - fresh[k][1] for k in common) / len(common)
    return {k: (x + dx, y + dy) for k, (x, y) in fresh.items()}


def extent(positions: Mapping[str, Point], items: Mapping[str, Item], labels: Mapping[str, Point]) -> Rect:
    """The box holding every node and every cluster box."""
    boxes = cluster_boxes(positions, items, labels)
    found = None
    for ident, p in positions.items():
        if ident in items:
            found = union(found, rect(p, items[ident]))
    for box in boxes.values():
        found = union(found, box)
    return found or (0.0, 0.0, 0.0, 0.0)


def cluster_boxes(positions: Mapping[str, Point], items: Mapping[str, Item],
                  labels: Mapping[str, Point]) -> dict[str, Rect]:
    """Every cluster's box from its members' positions (clusters with no member drawn have none)."""
    members: dict[str, list[Rect]] = defaultdict(list)
    for ident, p in positions.items():
        item = items.get(ident)
        if item is not None and item.cluster is not None:
            members[item.cluster].append(rect(p, item))
    return {c: box for c, rs in members.items() if (box := cluster_box(rs, labels.get(c, (0.0, 0.0)))) is not None}
