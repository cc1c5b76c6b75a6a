"""A map-like SVG scatter of the network: nodes at their coordinates, sized by the shipments they made."""

from __future__ import annotations

import math
from dataclasses import dataclass

COLOURS = {"dc": "#1f5fbf", "3pl": "#6941c6", "store": "#1a7f37", "dark_store": "#9a6700"}


@dataclass(frozen=True)
class Dot:
    """One node: position, radius, colour and tooltip."""

    x: float
    y: float
    r: float
    colour: str
    tip: str
    hot: bool  # hit capacity on some day


@dataclass(frozen=True)
class NodeMap:
    """The scatter: its size, dots and legend."""

    width: int
    height: int
    dots: tuple[Dot, ...]
    legend: tuple[tuple[str, str], ...]


def node_map(nodes: list[dict], width: int = 520, height: int = 420) -> NodeMap:
    """Equirectangular projection of the nodes (longitude scaled by cos(mean latitude)); radius ∝ √shipments."""
    pad = 24
    if not nodes:
        return NodeMap(width, height, (), ())
    lats = [n["lat"] for n in nodes]
    lons = [n["lon"] for n in nodes]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    peak = max((n["shipments"] for n in nodes), default=0) or 1
    dots = []
    for n in sorted(nodes, key=lambda n: -n["shipments"]):  # small dots drawn last, on top
        x = pad + (n["lon"] - min(lons)) * squeeze * scale
        y = height - pad - (n["lat"] - min(lats)) * scale
        r = 2.5 + 14 * math.sqrt(n["shipments"] / peak)
        tip = (f"{n['id']} ({n['type']}): {n['shipments']:,} shipments, {n['units']:,} units"
               + (f", at capacity on {n['days_at_capacity']} day(s)" if n["days_at_capacity"] else ""))
        dots.append(Dot(round(x, 1), round(y, 1), round(r, 1), COLOURS.get(n["type"], "#475467"), tip,
                        n["days_at_capacity"] > 0))
    legend = tuple((t, c) for t, c in COLOURS.items() if any(n["type"] == t for n in nodes))
    return NodeMap(width, height, tuple(dots), legend)
