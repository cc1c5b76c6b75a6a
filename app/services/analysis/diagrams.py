"""Diagrams of an engagement's scenarios: resolve what was asked (names, ids, scenarios) and build the figure.

Shared by the web pages, `flask --app app diagram` and `flask --app app export mermaid`, so all accept the same
options and give the same errors. The figure comes from `exports.diagrams`; it is written as DOT (rendered to
SVG/PNG by `exports.graphviz_render.render`) or as Mermaid text (`exports.mermaid`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session

from app.services.analysis import scenario as svc
from app.services.errors import ValidationError
from exports import diagrams, mermaid
from models import Engagement

KINDS = ("landscape", "entity", "impact", "diff")
FORMATS = ("svg", "png", "dot", "mmd")
TEXT_FORMATS = ("dot", "mmd")  # the diagram's source, written without Graphviz
FORMAT_NAMES = {"svg": "SVG", "png": "PNG", "dot": "DOT", "mmd": "Mermaid"}
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "dot": "text/vnd.graphviz; charset=utf-8",
               "mmd": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class DiagramRequest:
    """What to draw; names are matched loosely (as on the command line), ids work too. `entity` is the entity
    of an entity view, or the one entity an impact diagram follows (default: all)."""

    kind: str
    scenario: str | int | None = None
    cluster: str = "category"
    entity: str | None = None
    system: str | None = None
    flow: int | None = None
    depth: int | None = None
    against: str | int | None = None


@dataclass(frozen=True)
class Diagram:
    """A figure with a file name stem (ASCII, no path) and a title for the page; `dot` and `mermaid` write it."""

    figure: diagrams.Figure
    stem: str
    title: str

    @cached_property
    def dot(self) -> str:
        """The DOT source."""
        return self.figure.dot()

    @cached_property
    def mermaid(self) -> str:
        """The Mermaid flowchart text."""
        return mermaid.render(self.figure)

    def source(self, fmt: str) -> str:
        """The text of a source format: `dot` or `mmd`."""
        if fmt not in TEXT_FORMATS:
            raise ValueError(f"{fmt!r} is not a text format")
        return self.dot if fmt == "dot" else self.mermaid

    def filename(self, fmt: str) -> str:
        """`landscape-current-state.svg` and the like."""
        return f"{self.stem}.{fmt}"


def check(req: DiagramRequest) -> None:
    """Reject an incomplete request before anything is loaded (ValidationError per field)."""
    errors: dict[str, str] = {}
    if req.kind not in KINDS:
        errors["kind"] = f"Unknown diagram kind {req.kind!r}; choose one of {', '.join(KINDS)}."
    elif req.kind == "landscape" and req.cluster not in diagrams.CLUSTERS:
        errors["cluster"] = f"Cluster by one of {', '.join(diagrams.CLUSTERS)}."
    elif req.kind == "entity" and not req.entity:
        errors["entity"] = "Name the entity to draw (e.g. Inventory)."
    elif req.kind == "impact" and (not req.system) == (req.flow is None):
        errors["origin"] = "Give either a system or a flow for an impact diagram."
    elif req.kind == "diff" and req.against in (None, ""):
        errors["against"] = "Name the scenario to compare with."
    if req.depth is not None and req.depth < 0:
        errors["depth"] = "Must be 0 or more."
    if errors:
        raise ValidationError(errors)


def build(session: Session, engagement: Engagement, req: DiagramRequest, *, link_prefix: str | None = None,
          loaded: svc.Analysis | None = None) -> Diagram:
    """The figure for a request; `loaded` reuses an analysis of the same scenario already made for the page."""
    check(req)
    loaded = loaded if loaded is not None else svc.analyse(session, engagement, req.scenario)
    snap = loaded.snapshot
    name = loaded.scenario.name
    if req.kind == "landscape":
        figure = diagrams.landscape_figure(snap, cluster=req.cluster, link_prefix=link_prefix)
        return Diagram(figure, _stem("landscape", name), f"{name}: landscape by {req.cluster}")
    if req.kind == "entity":
        entity = loaded.entity_id(req.entity or "")
        figure = diagrams.entity_figure(snap, entity, link_prefix=link_prefix, graph=loaded.graph)
        entity_name = snap.name_of(entity)
        return Diagram(figure, _stem(f"{entity_name}-flows", name), f"{name}: {entity_name} flows")
    if req.kind == "impact":
        impact = loaded.impact(req.system, flow=req.flow, depth=req.depth, entities=[req.entity] if req.entity else ())
        figure = diagrams.impact_figure(snap, impact, link_prefix=link_prefix)
        origin = snap.name_of(impact.origin_id)
        return Diagram(figure, _stem(f"impact-{origin}", name), f"{name}: impact of {origin}")
    other = svc.analyse(session, engagement, req.against)
    figure = diagrams.diff_figure(snap, other.snapshot, link_prefix=link_prefix)
    return Diagram(figure, _stem("diff", f"{name}-vs-{other.scenario.name}"), f"{name} → {other.scenario.name}")


def _stem(what: str, scenario: str) -> str:
    # A download name must not carry quotes, slashes or non-ASCII into the Content-Disposition header.
    text = re.sub(r"[^a-z0-9]+", "-", f"{what}-{scenario}".lower()).strip("-")
    return text[:80].rstrip("-") or "diagram"
