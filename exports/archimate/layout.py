"""Positions of the generated view's nodes: laid out by Graphviz (`dot -Tplain`), or on a grid when too large."""

from __future__ import annotations

import subprocess

from exports import dot as dotlib
from exports.graphviz_render import DiagramError, dot_binary, render_environment

# Graphviz lays the view out up to this size; larger views get a grid (dot's time grows much faster).
LAYOUT_MAX_NODES = 250
LAYOUT_MAX_EDGES = 1000
LAYOUT_TIMEOUT_SECONDS = 10.0
NODE_W, NODE_H = 140, 60


def grid_positions(keys: list[str], columns: int | None = None) -> dict[str, tuple[int, int]]:
    """Top-left corners on a plain grid (for views too large to lay out with Graphviz in time)."""
    columns = columns or max(1, int(len(keys) ** 0.5 + 0.999))
    step_x, step_y = NODE_W + 40, NODE_H + 40
    return {key: (20 + (i % columns) * step_x, 20 + (i // columns) * step_y) for i, key in enumerate(keys)}


def graphviz_positions(keys: list[str], edges: list[tuple[str, str]]) -> dict[str, tuple[int, int]] | None:
    """Top-left corners (pixels) from `dot -Tplain`, or None when Graphviz is missing, fails or overruns."""
    index = {key: i for i, key in enumerate(keys)}
    graph = dotlib.Dot(
        "archimate",
        graph={"rankdir": "LR", "nodesep": "0.4", "ranksep": "0.9"},
        node={"shape": "box", "fixedsize": "true", "width": f"{NODE_W / 72:.3f}", "height": f"{NODE_H / 72:.3f}"},
    )
    for key in keys:
        graph.node(dotlib.node_id("n", index[key]))
    for source, target in edges:
        graph.edge(dotlib.node_id("n", index[source]), dotlib.node_id("n", index[target]))
    try:
        # No shell, our own DOT (node ids and sizes only, no user text), graphviz_render's minimal environment.
        done = subprocess.run(  # noqa: S603
            [dot_binary(), "-Tplain"],
            input=graph.source().encode("utf-8"),
            capture_output=True,
            timeout=LAYOUT_TIMEOUT_SECONDS,
            env=render_environment(),
            shell=False,
            check=False,
        )
    except (DiagramError, subprocess.TimeoutExpired, OSError):
        return None
    if done.returncode != 0:
        return None
    return parse_plain(done.stdout.decode("utf-8", "replace"), keys)


def parse_plain(text: str, keys: list[str]) -> dict[str, tuple[int, int]] | None:
    """Node centres in inches (y up) from `dot -Tplain` output -> top-left pixel corners (y down)."""
    height = None
    centres: dict[int, tuple[float, float]] = {}
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["graph"] and len(parts) >= 4:
            height = float(parts[3])
        elif parts[:1] == ["node"] and len(parts) >= 4 and parts[1].startswith("n"):
            centres[int(parts[1][1:])] = (float(parts[2]), float(parts[3]))
    if height is None or len(centres) != len(keys):
        return None
    out = {}
    for i, key in enumerate(keys):
        x, y = centres[i]
        out[key] = (max(0, round(x * 72 - NODE_W / 2) + 20), max(0, round((height - y) * 72 - NODE_H / 2) + 20))
    return out
