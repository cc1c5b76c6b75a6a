"""Diagram benchmark: DOT and SVG of a generated landscape (200 systems, 800 flows) against a 3 s budget.

Run from the repository root:  .venv/bin/python bench/bench_diagrams.py [--systems 200] [--flows 800] [--reps 3]

Pure: the scenario is generated directly as `ScenarioSnapshot` dataclasses (no database), with systems spread
over the categories and channels, a fifth of the flows through middleware and a tenth two-way. It times
writing the DOT and rendering it to SVG with Graphviz (`dot`, as the web page and the CLI do), clustered by
category and by channel (the landscape SVG must take under 3 s), then an entity view, the impact of the
busiest system and a diff against a scenario with 10 systems and 50 flows fewer.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.graph import snapshot as s  # noqa: E402
from app.graph.impact import system_impact  # noqa: E402
from app.graph.model import build_graph  # noqa: E402
from bench.timing import median_timed  # noqa: E402
from exports import diagrams  # noqa: E402
from exports.graphviz_render import render  # noqa: E402
from models.vocab import (  # noqa: E402
    DEFAULT_CHANNELS,
    DEFAULT_ENTITIES,
    FLOW_PATTERNS,
    OWNERSHIP_ROLES,
    SYSTEM_CATEGORIES,
)

BUDGET_SECONDS = 3.0
LATENCIES = (1, 30, 60, 300, 900, 3600, 43200, 86400, None)


def generate(n_systems: int, n_flows: int, seed: int) -> s.ScenarioSnapshot:
    """A scenario of n_systems systems and n_flows flows, as plain dataclasses."""
    rng = random.Random(seed)
    ids = iter(range(1, 10**7))
    channels = tuple(s.Channel(next(ids), name, facing) for name, facing in DEFAULT_CHANNELS)
    entities = tuple(s.Entity(next(ids), name, critical) for name, critical in DEFAULT_ENTITIES)
    categories = list(SYSTEM_CATEGORIES)
    systems = tuple(
        s.System(next(ids), f"System {i:03d}", rng.choice(categories),
                 channel_ids=frozenset(c.id for c in rng.sample(channels, rng.choice((0, 0, 1, 1, 2)))))
        for i in range(n_systems)
    )
    flows = []
    for _ in range(n_flows):
        source, target = rng.sample(systems, 2)
        via = rng.choice(systems).id if rng.random() < 0.2 else None
        latency = rng.choice(LATENCIES)
        flows.append(s.Flow(
            next(ids), source.id, target.id, frozenset(e.id for e in rng.sample(entities, rng.randint(1, 3))),
            rng.choice(list(FLOW_PATTERNS)), latency, None if latency is None else latency * 2,
            via if via not in (source.id, target.id) else None, "two_way" if rng.random() < 0.1 else "one_way",
        ))
    ownerships = tuple(s.Ownership(next(ids), rng.choice(systems).id, e.id, "sor") for e in entities)
    return s.ScenarioSnapshot(
        scenario_id=1, scenario_name="Generated", systems=systems, channels=channels, entities=entities,
        flows=tuple(flows), ownerships=ownerships,
        vocabulary=s.Vocabulary(SYSTEM_CATEGORIES, FLOW_PATTERNS, OWNERSHIP_ROLES),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=200)
    parser.add_argument("--flows", type=int, default=800)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    snap = generate(args.systems, args.flows, args.seed)
    print(f"{args.systems} systems, {args.flows} flows; median of {args.reps} run(s)")
    ok = True
    for cluster in diagrams.CLUSTERS:
        def draw(c=cluster):
            return diagrams.landscape(snap, cluster=c, link_prefix="/e/1")

        t_dot, source = median_timed(draw, args.reps)
        t_svg, svg = median_timed(lambda src=source: render(src, "svg"), args.reps)
        within = t_dot + t_svg < BUDGET_SECONDS
        ok &= within
        print(f"  {'landscape by ' + cluster:<30} DOT {t_dot * 1000:7.1f} ms   SVG {t_svg:5.2f} s "
              f"({len(svg) // 1024} KiB)   {'ok' if within else 'OVER'} (budget {BUDGET_SECONDS:g} s, DOT + SVG)")
    graph = build_graph(snap)
    inventory = next(e.id for e in snap.entities if e.name == "Inventory")
    hub = max(snap.systems, key=lambda x: len(graph.flows_by_system.get(x.id, ()))).id
    after = replace(snap, scenario_id=2, scenario_name="Target", systems=snap.systems[10:], flows=snap.flows[50:])
    others = {
        "entity view (Inventory)": lambda: diagrams.entity_flow(snap, inventory, link_prefix="/e/1", graph=graph),
        "impact of the busiest system":
            lambda: diagrams.impact_diagram(snap, system_impact(graph, hub), link_prefix="/e/1"),
        "diff of two scenarios": lambda: diagrams.diff_diagram(snap, after, link_prefix="/e/1"),
    }
    for label, build in others.items():
        t_dot, source = median_timed(build, args.reps)
        t_svg, _ = median_timed(lambda src=source: render(src, "svg"), args.reps)
        print(f"  {label:<30} DOT {t_dot * 1000:7.1f} ms   SVG {t_svg:5.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
