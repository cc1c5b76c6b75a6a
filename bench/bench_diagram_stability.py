"""Diagram stability benchmark: how far the nodes of a diagram move when one flow is added, today (laid out
afresh by the engine) and with remembered layouts (app/services/analysis/diagram_layout.py).

Run from the repository root:  .venv/bin/python bench/bench_diagram_stability.py [--seeds 11,12,13]
    [--systems 60] [--flows 150] [--large-systems 200] [--large-flows 800]

Loads the demo engagement into a temporary SQLite file, draws the current state's landscape (by category and
by channel) and its Inventory flows, adds one flow between two existing systems (picked by the seed, carrying
Inventory) through `save_element`, and draws them again. Positions come from Graphviz's own output (`-Tjson0`)
keyed by node id (s<element id>, c<channel id>) and are measured as drawn: from the picture's top-left corner,
as the SVG shows them. Per drawing: the nodes drawn both times, how many moved more than 1 px, the mean and
largest move in px (1 px = 1 pt, as Graphviz writes SVG). "today" is the engine's fresh layout of each model
(what the app drew before); "remembered" is what the app draws now. The same runs on a generated engagement
of 60 systems and 150 flows, with one flow added and then with one system and its flow added (placement), and
on a generated 200-system / 800-flow scenario without a database, which also gives the time cost against the
3 s budget of bench_diagrams.py. Prints figures only; exits 0.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_diagrams import generate  # noqa: E402
from bench.bench_foundation import build_app  # noqa: E402
from bench.timing import median_timed  # noqa: E402

BUDGET_SECONDS = 3.0


def measure(figure, source: str) -> dict:
    """Node centres as drawn (from the picture's top-left corner) by Graphviz for this DOT."""
    from exports.diagrams.layout import as_drawn
    from exports.graphviz_render import layout_json

    return as_drawn(layout_json(source), figure)


class Case:
    """One diagram of an engagement, drawn today's way and the remembered way, before and after a change."""

    def __init__(self, label: str, request):
        self.label, self.request = label, request
        self.today: list[dict] = []
        self.kept: list[dict] = []
        self.placed: tuple[str, ...] = ()
        self.seconds: list[tuple[float, ...]] = []  # (today, remembered, viewed again) per drawing, model to SVG

    def draw(self, session, engagement) -> None:
        from app.services.analysis import diagram_layout, diagrams
        from exports.graphviz_render import render

        started = time.perf_counter()
        built = diagrams.build(session, engagement, self.request)
        render(built.dot, "svg")
        today = time.perf_counter() - started
        self.today.append(measure(built.figure, built.dot))
        started = time.perf_counter()
        drawing = diagram_layout.draw(session, engagement, self.request)
        render(drawing.source, "svg", cache=True)  # as the web page does
        remembered = time.perf_counter() - started
        started = time.perf_counter()
        render(diagram_layout.draw(session, engagement, self.request).source, "svg", cache=True)
        self.seconds.append((today, remembered, time.perf_counter() - started))
        self.kept.append(measure(drawing.laid.figure, drawing.source))
        self.placed = drawing.laid.placed


def row(label: str, today: list[dict], kept: list[dict], placed: int = 0) -> str:
    from exports.diagrams.layout import movement

    old, new = movement(*today), movement(*kept)
    return (f"  {label:<44} {old.compared:5d} {placed:4d} | {old.moved:4d} {old.mean:7.1f} {old.largest:7.1f} | "
            f"{new.moved:4d} {new.mean:7.1f} {new.largest:7.1f}")


HEADER = (f"  {'diagram, change':<44} {'nodes':>5} {'new':>4} | {'today: moved  mean px  max px':<29} | "
          "remembered: moved  mean px  max px")


def add_flow(session, engagement, rng: random.Random, entity_name: str = "Inventory") -> str:
    """One flow between two systems of the current state, carrying the entity; returns what was added."""
    from app.services.analysis.scenario import analyse
    from app.services.catalog.elements import save_element

    snap = analyse(session, engagement).snapshot
    source, target = rng.sample(sorted(snap.systems, key=lambda x: x.id), 2)
    entity = next(e.id for e in snap.entities if e.name == entity_name)
    save_element(session, engagement, "flow", {"source_id": source.id, "target_id": target.id,
                                               "entity_ids": [entity], "pattern": "api", "latency_seconds": 1,
                                               "worst_latency_seconds": 5})
    return f"{source.name} → {target.name}"


def add_system(session, engagement, rng: random.Random) -> str:
    """A new system (a category already drawn) with one flow to an existing system."""
    from app.services.analysis.scenario import analyse
    from app.services.catalog.elements import save_element

    snap = analyse(session, engagement).snapshot
    peer = rng.choice(sorted(snap.systems, key=lambda x: x.id))
    category = rng.choice(sorted({x.category for x in snap.systems}))
    system = save_element(session, engagement, "system", {"name": f"New system {rng.randint(100, 999)}",
                                                          "category": category})
    entity = next(e.id for e in snap.entities if e.name == "Inventory")
    save_element(session, engagement, "flow", {"source_id": system.id, "target_id": peer.id, "entity_ids": [entity],
                                               "pattern": "event"})
    return f"{system.name} ({category}) → {peer.name}"


def requests(scenario_id: int) -> list:
    from app.services.analysis.diagrams import DiagramRequest

    return [Case("landscape by category", DiagramRequest("landscape", scenario_id, "category")),
            Case("landscape by channel", DiagramRequest("landscape", scenario_id, "channel")),
            Case("Inventory flows", DiagramRequest("entity", scenario_id, entity="Inventory"))]


def run_engagement(session, make, change, label: str) -> None:
    """A fresh engagement from `make()`, every diagram drawn, `change` applied, every diagram drawn again."""
    from app.services.analysis.scenario import find_scenario

    engagement = make()
    scenario = find_scenario(session, engagement).id
    cases = requests(scenario)
    for case in cases:
        case.draw(session, engagement)
    what = change(session, engagement)
    for case in cases:
        case.draw(session, engagement)
    print(f"  {label}: added {what}")
    for case in cases:
        print(row(case.label, case.today, case.kept, len(case.placed)))
    times = [t for case in cases for t in case.seconds]
    print(f"  {'':<44} model to SVG, slowest drawing: today {max(t[0] for t in times):.2f} s, "
          f"remembered {max(t[1] for t in times):.2f} s, viewed again {max(t[2] for t in times):.2f} s")


def generated(session, n_systems: int, n_flows: int, seed: int):
    """An engagement of n systems and flows made through the element service (categories, channels, entities
    and patterns at random; a fifth of the flows through middleware)."""
    from app.services.catalog.elements import save_element
    from app.services.engagements import create_engagement
    from models.vocab import FLOW_PATTERNS, SYSTEM_CATEGORIES

    rng = random.Random(seed)
    engagement = create_engagement(session, f"Generated {seed}", client="Bench")
    from app.services.analysis.scenario import analyse

    snap = analyse(session, engagement).snapshot
    channels, entities = [c.id for c in snap.channels], [e.id for e in snap.entities]
    systems = [save_element(session, engagement, "system", {
        "name": f"System {i:03d}", "category": rng.choice(list(SYSTEM_CATEGORIES)),
        "channel_ids": rng.sample(channels, rng.choice((0, 0, 1, 1, 2)))}).id for i in range(n_systems)]
    for _ in range(n_flows):
        source, target = rng.sample(systems, 2)
        via = rng.choice(systems) if rng.random() < 0.2 else None
        save_element(session, engagement, "flow", {
            "source_id": source, "target_id": target, "entity_ids": rng.sample(entities, rng.randint(1, 3)),
            "pattern": rng.choice(list(FLOW_PATTERNS)), "via_id": via if via not in (source, target) else None})
    return engagement


def large(n_systems: int, n_flows: int, seeds: list[int]) -> None:
    """The pure path on a generated scenario too large for dot (fdp lays it out): stability and time."""
    from app.graph import snapshot as s
    from exports import diagrams
    from exports.diagrams.layout import lay_out
    from exports.graphviz_render import render

    snap = generate(n_systems, n_flows, 7)
    first_figure = diagrams.landscape_figure(snap, cluster="category", link_prefix="/e/1")
    t_today, _ = median_timed(lambda: render(first_figure.dot(), "svg"), 1)
    started = time.perf_counter()
    first = lay_out(first_figure)
    render(first.figure.dot(), "svg")
    t_first = time.perf_counter() - started
    print(f"  {n_systems} systems, {n_flows} flows (generated, no database; fdp): landscape by category")
    for seed in seeds:
        rng = random.Random(seed)
        a, b = rng.sample(snap.systems, 2)
        flow = s.Flow(10**8 + seed, a.id, b.id, frozenset({snap.entities[0].id}), "api", 1, 5)
        after = replace(snap, flows=(*snap.flows, flow))
        figure = diagrams.landscape_figure(after, cluster="category", link_prefix="/e/1")
        today = [measure(first_figure, first_figure.dot()), measure(figure, figure.dot())]
        started = time.perf_counter()
        again = lay_out(figure, first.remembered)
        render(again.figure.dot(), "svg")
        t_again = time.perf_counter() - started
        kept = [measure(first.figure, first.figure.dot()), measure(again.figure, again.figure.dot())]
        print(row(f"+ flow {a.name} → {b.name} (seed {seed})", today, kept, len(again.placed)))
    print(f"  time: today DOT+SVG {t_today:.2f} s; first remembered drawing (fdp JSON + nop2 SVG) {t_first:.2f} s; "
          f"redrawing after one flow (measure + place + nop2 SVG) {t_again:.2f} s; budget {BUDGET_SECONDS:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11,12,13", help="comma-separated seeds for the added flows")
    parser.add_argument("--systems", type=int, default=60)
    parser.add_argument("--flows", type=int, default=150)
    parser.add_argument("--large-systems", type=int, default=200)
    parser.add_argument("--large-flows", type=int, default=800)
    args = parser.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]

    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db
        from app.services.demo import load_demo
        from models import Base

        with app.app_context():
            Base.metadata.create_all(db.engine)
            session = db.session
            print("Nodes that moved when one flow was added (drawn both times; > 1 px), mean and largest move.")
            print(HEADER)
            for seed in seeds:
                run_engagement(session, lambda: load_demo(session),
                               lambda s, e, seed=seed: add_flow(s, e, random.Random(seed)), f"demo, seed {seed}")
            for seed in seeds:
                run_engagement(session, lambda seed=seed: generated(session, args.systems, args.flows, seed),
                               lambda s, e, seed=seed: add_flow(s, e, random.Random(seed)),
                               f"generated {args.systems} systems / {args.flows} flows, seed {seed}")
            for seed in seeds:
                run_engagement(session, lambda: load_demo(session),
                               lambda s, e, seed=seed: add_system(s, e, random.Random(seed)),
                               f"demo + a new system, seed {seed}")
            db.session.remove()
            db.engine.dispose()
    large(args.large_systems, args.large_flows, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
