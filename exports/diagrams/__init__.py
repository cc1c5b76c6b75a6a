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

The package: `figure` (the Figure and its DOT), `drawing` (settings and parts every diagram shares), one
module per diagram (`landscape_view`, `entity_view`, `impact_view`, `diff_view`), and the layouts that survive
edits: `layout` (remembered positions, drawn by Graphviz's `nop2`) and `placement` (where new nodes go).
"""

# Every public name of the module this package replaced stays importable from here (`import *` gives __all__).
# ruff: noqa: F401

from __future__ import annotations

from exports.diagrams.diff_view import diff_diagram, diff_figure
from exports.diagrams.drawing import (
    CLUSTERS,
    DIFF_STYLES,
    DOT_MAX_EDGES,
    DOT_MAX_NODES,
    IMPACT_FILLS,
    SEVERITY_COLOURS,
    SLOW_AFTER_SECONDS,
    SLOW_COLOUR,
)
from exports.diagrams.entity_view import entity_figure, entity_flow, is_slow
from exports.diagrams.figure import Cluster, Edge, Figure, Node, Text, node_id_checked
from exports.diagrams.impact_view import impact_diagram, impact_figure
from exports.diagrams.landscape_view import landscape, landscape_figure

__all__ = ["CLUSTERS", "SLOW_AFTER_SECONDS", "Figure", "Text", "diff_diagram", "diff_figure", "entity_figure",
           "entity_flow", "impact_diagram", "impact_figure", "is_slow", "landscape", "landscape_figure"]
