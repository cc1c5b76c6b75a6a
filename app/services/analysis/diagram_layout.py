"""Remembered diagram layouts: the landscape and entity diagrams of a scenario keep their node positions from
one drawing to the next, and a writer can pin a node or ask for a fresh layout (docs/diagrams.md).

The layouts live in the engagement's JSON settings document under `diagram_layouts`, one entry per scenario,
diagram kind and option (`<scenario id>/landscape/category`, `<scenario id>/entity/<entity id>`), tied to the
scenario's creation time so that a later scenario reusing a deleted one's id starts afresh. The positions are
worked out by `exports.diagrams.layout` (pure); this module reads and writes the entries.

The first drawing of a diagram stores its layout even on a GET: it ends the read transaction, takes the
write lock, re-reads the settings and stores the entry, so a rule switched at the same moment is not lost.
Storing is a convenience there: when the database stays locked the drawing is served all the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session

from app.services import transactions
from app.services.analysis import scenario as analysis
from app.services.analysis.diagrams import Diagram, DiagramRequest, build
from app.services.errors import ValidationError
from exports.diagrams.figure import Text
from exports.diagrams.layout import Laid, Remembered, lay_out
from models import Engagement

LAYOUTS = "diagram_layouts"  # the key of the engagement's settings document
REMEMBERED_KINDS = ("landscape", "entity")
MAX_LAYOUTS = 40  # per engagement; the least recently stored go first, pinned ones last
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Drawing:
    """A diagram ready for Graphviz: `source` is the DOT to draw (with positions when its layout is
    remembered); `laid` says how it was laid out (None for kinds drawn afresh each time)."""

    diagram: Diagram
    source: str
    laid: Laid | None = None


@dataclass(frozen=True)
class LayoutNode:
    """A node of a diagram as the layout page lists it."""

    ident: str
    label: str
    kind: str  # "system" or "channel"
    pinned: bool


@dataclass(frozen=True)
class LayoutState:
    """What the layout page shows: the diagram, its nodes (pinned or not), whether a layout is stored."""

    diagram: Diagram
    nodes: tuple[LayoutNode, ...]
    stored: bool


def draw(session: Session, engagement: Engagement, req: DiagramRequest, *, link_prefix: str | None = None,
         relayout: bool = False) -> Drawing:
    """The diagram asked for, laid out from its remembered layout (stored when it changed: the first drawing,
    new nodes placed, a re-layout); impact and diff diagrams are laid out afresh every time."""
    loaded, diagram, key = _resolve(session, engagement, req, link_prefix)
    if key is None:
        return Drawing(diagram, diagram.dot)
    memory = _read(engagement, key, loaded.scenario)
    laid = lay_out(diagram.figure, memory, relayout=relayout)
    if laid.remembered != memory:
        try:
            _store(session, engagement, key, loaded.scenario, laid.remembered)
        except OperationalError:
            transactions.discard(session)
            _log.warning("Diagram layout %s of engagement %s not stored: the database is busy", key, engagement.id)
    return Drawing(diagram, laid.figure.dot(), laid)


def state(session: Session, engagement: Engagement, req: DiagramRequest) -> LayoutState:
    """The diagram's nodes with their pins, for the layout page (no Graphviz run)."""
    loaded, diagram, key = _resolve(session, engagement, req, None, remembered_only=True)
    return _state(diagram, _read(engagement, key, loaded.scenario))


def pin(session: Session, engagement: Engagement, req: DiagramRequest, node: str, pinned: bool = True) -> LayoutState:
    """Pin a node where it is drawn now (it stays there, even through a re-layout), or unpin it."""
    loaded, diagram, key = _resolve(session, engagement, req, None, remembered_only=True)
    if node not in {n.ident for n in diagram.figure.nodes}:
        raise ValidationError({"node": f"No node {node[:40]!r} in {diagram.title}; pick one of its systems."})
    memory = _read(engagement, key, loaded.scenario)
    if memory is None or memory.frame is None or node not in memory.positions:
        memory = lay_out(diagram.figure, memory).remembered  # where the node is drawn now
    memory = replace(memory, pins=frozenset(memory.pins | {node} if pinned else memory.pins - {node}))
    _store(session, engagement, key, loaded.scenario, memory)
    return _state(diagram, memory)


def relayout(session: Session, engagement: Engagement, req: DiagramRequest) -> LayoutState:
    """Forget the diagram's positions except the pinned nodes': its next drawing is laid out afresh."""
    loaded, diagram, key = _resolve(session, engagement, req, None, remembered_only=True)
    memory = _read(engagement, key, loaded.scenario)
    if memory is not None:
        memory = Remembered({k: p for k, p in memory.positions.items() if k in memory.pins}, memory.pins, None)
        _store(session, engagement, key, loaded.scenario, memory)
    return _state(diagram, memory)


def _state(diagram: Diagram, memory: Remembered | None) -> LayoutState:
    pins = memory.pins if memory else frozenset()
    nodes = sorted((_node(n.ident, n.attrs.get("label"), n.ident in pins) for n in diagram.figure.nodes),
                   key=lambda n: (n.kind, n.label.casefold(), n.ident))
    return LayoutState(diagram, tuple(nodes), memory is not None)


def _resolve(session: Session, engagement: Engagement, req: DiagramRequest, link_prefix: str | None, *,
             remembered_only: bool = False) -> tuple[analysis.Analysis, Diagram, str | None]:
    if remembered_only and req.kind not in REMEMBERED_KINDS:
        raise ValidationError({"kind": "Only landscape and entity diagrams keep a layout."})
    loaded = analysis.analyse(session, engagement, req.scenario)
    diagram = build(session, engagement, req, link_prefix=link_prefix, loaded=loaded)
    return loaded, diagram, layout_key(loaded, req)


def layout_key(loaded: analysis.Analysis, req: DiagramRequest) -> str | None:
    """Where a diagram's layout is kept in the settings document; None for kinds drawn afresh each time."""
    if req.kind == "landscape":
        return f"{loaded.scenario.id}/landscape/{req.cluster}"
    if req.kind == "entity":
        return f"{loaded.scenario.id}/entity/{loaded.entity_id(req.entity or '')}"
    return None


def _node(ident: str, label: object, pinned: bool) -> LayoutNode:
    text = label[0] if isinstance(label, Text) and label else str(label or ident)
    return LayoutNode(ident, text, "channel" if ident.startswith("c") else "system", pinned)


def _born(scenario) -> str:
    return scenario.created_at.isoformat() if scenario.created_at else ""


def _read(engagement: Engagement, key: str | None, scenario) -> Remembered | None:
    entry = ((engagement.settings or {}).get(LAYOUTS) or {}).get(key) if key else None
    if not isinstance(entry, dict) or entry.get("scenario_created") != _born(scenario):
        return None
    return Remembered.from_doc(entry)


def _store(session: Session, engagement: Engagement, key: str, scenario, remembered: Remembered) -> None:
    """Write one entry: a transaction of its own, the settings re-read under the write lock."""
    born = _born(scenario)
    session.commit()  # ends a read transaction (a GET's): the write below must start one that takes the lock
    session.refresh(engagement, ["settings"], with_for_update=True)
    settings = dict(engagement.settings or {})
    layouts = {k: v for k, v in (settings.get(LAYOUTS) or {}).items() if isinstance(v, dict)}
    order = max((v.get("seq", 0) for v in layouts.values() if isinstance(v.get("seq"), int)), default=0) + 1
    layouts[key] = {**remembered.to_doc(), "scenario_created": born, "seq": order}
    for old in sorted(layouts, key=lambda k: (bool(layouts[k].get("pins")), layouts[k].get("seq", 0)))[
            :max(0, len(layouts) - MAX_LAYOUTS)]:
        del layouts[old]
    settings[LAYOUTS] = layouts
    engagement.settings = settings  # a new dict: the JSON column does not track in-place changes
    session.commit()
    # Go on reading (the page, the next lazy load) without holding SQLite's write lock to the end of a request.
    transactions.begin_read(session() if isinstance(session, scoped_session) else session)
