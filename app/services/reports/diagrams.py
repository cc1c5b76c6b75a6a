"""The report's figures drawn with Graphviz: landscapes (detailed, or by category when large) and entity flows."""

from __future__ import annotations

from collections import defaultdict

from exports.fonts import GRAPHVIZ_FONT
from exports.report_model import Figure
from models import Scenario
from models.vocab import SYSTEM_CATEGORIES

DIAGRAM_TIMEOUT = 20.0
MAX_ENTITY_DIAGRAMS = 4
# Past these sizes a drawing stops being readable on a printed page.
DETAILED_LANDSCAPE_UP_TO = 60  # systems; larger landscapes are drawn as categories with flow counts
ENTITY_DIAGRAM_FLOWS_UP_TO = 80
CATEGORY_PAIRS = 30  # lines drawn on a large landscape's category map


def render_svg(dot: str) -> str | None:
    """The SVG of a DOT source, or None when Graphviz fails or overruns."""
    from exports.graphviz_render import DiagramError, render

    try:
        return render(dot, "svg", timeout=DIAGRAM_TIMEOUT).decode("utf-8")
    except DiagramError:
        return None


def _landscape(snap, title: str) -> Figure | None:
    from exports import diagrams

    if len(snap.systems) <= DETAILED_LANDSCAPE_UP_TO:
        svg = render_svg(diagrams.landscape(snap, cluster="category"))
        return Figure(svg, f"Figure: {title}, systems grouped by category.") if svg else None
    svg = render_svg(category_map(snap))
    return Figure(svg, f"Figure: {title} — {len(snap.systems)} systems drawn as their "
                       f"categories; a line joins the {CATEGORY_PAIRS} busiest pairs of categories and counts the "
                       "data flows between them (both directions).") if svg else None


def category_map(snap) -> str:
    """DOT of a large landscape at category level: one box per category (with its system count) on a circle, and
    a line between two categories for the busiest pairs, as thick as and labelled with the flows between them."""
    from exports.dot import Dot, lines

    index = {code: i for i, code in enumerate(SYSTEM_CATEGORIES)}
    category = {s.id: s.category for s in snap.systems}
    counts: dict[str, int] = defaultdict(int)
    for s in snap.systems:
        counts[s.category] += 1
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for f in snap.flows:
        a, b = category.get(f.source), category.get(f.target)
        if a and b and a != b:  # flows inside a category are in the inventory, not drawn as loops
            pairs[tuple(sorted((a, b), key=lambda c: index.get(c, 99)))] += 1
    busiest = sorted(pairs.items(), key=lambda kv: (-kv[1], index.get(kv[0][0], 99), index.get(kv[0][1], 99)))
    busiest = busiest[:CATEGORY_PAIRS]
    dot = Dot("categories", graph={"layout": "circo", "fontname": GRAPHVIZ_FONT, "mindist": "1.6"},
              node={"shape": "box", "style": "rounded,filled", "fillcolor": "#eef2f7", "color": "#1f3a5f",
                    "fontname": GRAPHVIZ_FONT, "fontsize": "12", "margin": "0.15,0.08"},
              edge={"color": "#8a96a3", "fontname": GRAPHVIZ_FONT, "fontsize": "10", "dir": "none",
                    "fontcolor": "#3c4650"})
    for code in sorted(counts, key=lambda c: index.get(c, 99)):
        n = counts[code]
        dot.node(f"c{index.get(code, 99)}", label=lines(SYSTEM_CATEGORIES.get(code, code),
                                                        f"{n} system{'s' if n != 1 else ''}"))
    top = max((n for _, n in busiest), default=1)
    for (a, b), n in busiest:
        dot.edge(f"c{index.get(a, 99)}", f"c{index.get(b, 99)}", label=str(n), penwidth=f"{0.5 + 4 * n / top:.2f}")
    return dot.source()


def landscape_figures(baseline: Scenario, described: Scenario, analysis_of) -> tuple[Figure, ...]:
    """The landscape figures: current state, the described scenario, and key entities' flows."""
    from exports import diagrams

    figures = []
    base = analysis_of(baseline)
    figure = _landscape(base.snapshot, f"current-state landscape ({baseline.name})")
    if figure:
        figures.append(figure)
    main = analysis_of(described)
    if described.id != baseline.id:
        figure = _landscape(main.snapshot, f"landscape of {described.name}")
        if figure:
            figures.append(figure)
    snap = main.snapshot
    entities = sorted(snap.entities, key=lambda e: (not e.time_critical, e.name.casefold()))
    carried: dict[int, int] = defaultdict(int)
    for f in snap.flows:
        for e in f.entity_ids:
            carried[e] += 1
    drawable = [e for e in entities if 0 < carried[e.id] <= ENTITY_DIAGRAM_FLOWS_UP_TO]
    for entity in drawable[:MAX_ENTITY_DIAGRAMS]:
        svg = render_svg(diagrams.entity_flow(snap, entity.id, graph=main.graph))
        if svg:
            figures.append(Figure(svg, f"Figure: how {entity.name} flows in {described.name}"
                                       f"{' (time-critical)' if entity.time_critical else ''}."))
    return tuple(figures)
