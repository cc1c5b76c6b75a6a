"""Analysis benchmark: rule suite, freshness, impact and criteria on a large generated engagement (SQLite).

Run from the repository root:  .venv/bin/python bench/bench_analysis.py [--reps 5] [--seed 11]

Builds an app on a temporary SQLite file, bulk-inserts one engagement with 1,000 systems, 5,000 flows (1–3
entities each, a fifth through middleware, a tenth two-way), ownerships (most entities with one system of
record, some with two or none), 2,000 requirements with 1–3 acceptance criteria each and 500 decisions,
then times: loading the scenario snapshot from the database, building the graph, the whole rule suite,
freshness for every entity × channel pair, an impact query, and criteria for the 2,000 requirements.
Each analysis runs on a freshly built graph (no cached results), so the figures include the shared
indexes and Dijkstra runs it needs; as with timeit, garbage collection is off inside a timed call.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.foundation_data import build_app  # noqa: E402 - one app set-up for every bench

N_SYSTEMS = 1_000
N_FLOWS = 5_000
N_REQUIREMENTS = 2_000
N_DECISIONS = 500
N_STAKEHOLDERS = 60
BUDGETS_MS = {"rule suite": 1000, "freshness (all pairs)": 1000, "impact query": 100, "criteria (2,000 reqs)": 1000}
CRITERIA = [
    "freshness(inventory, web) <= 60s",
    "freshness(price, app) <= 15min",
    "freshness(order, store) <= 1h",
    "sor_count(customer) == 1",
    "reachable(order, store -> OMS)",
    "no_pattern(order, manual)",
    "max_hops(price, app) <= 2",
    "freshness(product, marketplace) <= 1d",
    "Prose that is not executable.",
]


def populate(engine, rng: random.Random) -> int:
    """Insert the engagement in a few bulk transactions; return its id."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from app.services.engagements import create_engagement
    from models import (
        DataEntity,
        DataFlow,
        Decision,
        Element,
        Ownership,
        Requirement,
        Scenario,
        Stakeholder,
        System,
        TraceLink,
        element_channels,
        flow_entities,
        name_key,
        scenario_members,
    )
    from models.vocab import FLOW_PATTERNS, LIFECYCLE, SYSTEM_CATEGORIES

    now = datetime.now(UTC)
    with Session(engine) as s:
        eng = create_engagement(s, "Bench Retail analysis", client="Bench Retail")
        eid = eng.id
        baseline = s.scalar(select(Scenario.id).where(Scenario.engagement_id == eid, Scenario.is_baseline))
        channels = list(s.scalars(select(Element.id).where(Element.engagement_id == eid, Element.kind == "channel")))
        entities = {r.id: r.name for r in s.execute(select(DataEntity.id, DataEntity.name)
                                                     .where(DataEntity.engagement_id == eid))}
        next_id = (s.scalar(select(Element.id).order_by(Element.id.desc()).limit(1)) or 0) + 1

    def ids(n: int) -> list[int]:
        nonlocal next_id
        block = list(range(next_id, next_id + n))
        next_id += n
        return block

    common = {"engagement_id": eid, "version": 1, "created_at": now, "updated_at": now}
    stakeholder_ids = ids(N_STAKEHOLDERS)
    stakeholders = [{**common, "id": i, "kind": "stakeholder", "name": f"Person {n}", "name_key": f"person {n}"}
                    for n, i in enumerate(stakeholder_ids)]
    system_ids = ids(N_SYSTEMS)
    systems, names = [], {}
    for n, i in enumerate(system_ids):
        category = rng.choice(list(SYSTEM_CATEGORIES))
        names[i] = f"{SYSTEM_CATEGORIES[category]} {n:04d}"
        systems.append({**common, "id": i, "kind": "system", "name": names[i], "name_key": name_key(names[i]),
                        "category": category, "lifecycle": rng.choice(list(LIFECYCLE)),
                        "owner_id": rng.choice(stakeholder_ids + [None] * 6)})
    system_channels = [{"element_id": i, "channel_id": c} for i in system_ids
                       for c in rng.sample(channels, rng.choice([0, 0, 0, 1, 1, 2]))]
    flow_ids = ids(N_FLOWS)
    flows, carried = [], []
    for i in flow_ids:
        source, target = rng.sample(system_ids, 2)
        via = rng.choice(system_ids) if rng.random() < 0.2 else None
        if via in (source, target):
            via = None
        chosen = sorted(rng.sample(list(entities), rng.randint(1, 3)))
        typical = rng.choice([None, 0.5, 5, 60, 900, 3600, 43200])
        worst = None if typical is None else typical * rng.choice([1, 2, 10])
        flows.append({**common, "id": i, "kind": "flow", "name": f"{names[source]} → {names[target]}",
                      "name_key": None, "source_id": source, "target_id": target, "via_id": via,
                      "pattern": rng.choice(list(FLOW_PATTERNS)), "latency_seconds": typical,
                      "worst_latency_seconds": worst, "direction": "two_way" if rng.random() < 0.1 else "one_way"})
        carried.extend({"flow_id": i, "entity_id": e} for e in chosen)
    ownerships, seen = [], set()
    for entity in entities:
        for role, count in (("sor", rng.choice([0, 1, 1, 1, 2])), ("replica", 40), ("writes", 20), ("reads", 40)):
            for system in rng.sample(system_ids, count):
                if (system, entity, role) in seen:
                    continue
                seen.add((system, entity, role))
                ownerships.append({**common, "id": ids(1)[0], "kind": "ownership", "name": f"{role}",
                                   "name_key": None, "system_id": system, "entity_id": entity, "role": role})
    requirement_ids = ids(N_REQUIREMENTS)
    requirements = [
        {**common, "id": i, "kind": "requirement", "name": f"Requirement {n + 1}", "name_key": None,
         "ref": f"REQ-{n + 1}", "number": n + 1, "priority": rng.choice(["must", "should", "could"]),
         "status": "agreed", "acceptance": "\n".join(rng.sample(CRITERIA, rng.randint(1, 3)))}
        for n, i in enumerate(requirement_ids)
    ]
    decision_ids = ids(N_DECISIONS)
    decisions = [
        {**common, "id": i, "kind": "decision", "name": f"Decision {n + 1}", "name_key": None,
         "ref": f"ADR-{n + 1}", "number": n + 1, "status": rng.choice(["proposed", "accepted", "rejected"]),
         "scenario_id": None}
        for n, i in enumerate(decision_ids)
    ]
    links = [{"engagement_id": eid, "kind": "addresses", "source_id": rng.choice(requirement_ids), "target_id": d,
              "created_at": now} for d in decision_ids]
    links += [{"engagement_id": eid, "kind": "affects", "source_id": d, "target_id": rng.choice(system_ids),
               "created_at": now} for d in decision_ids]
    with Session(engine) as s:
        s.execute(insert(Stakeholder), stakeholders)
        s.execute(insert(System), systems)
        s.execute(insert(element_channels), system_channels)
        s.execute(insert(DataFlow), flows)
        s.execute(insert(flow_entities), carried)
        s.execute(insert(Ownership), ownerships)
        members = system_ids + flow_ids + [o["id"] for o in ownerships]
        s.execute(insert(scenario_members), [{"scenario_id": baseline, "element_id": i} for i in members])
        s.execute(insert(Requirement), requirements)
        s.execute(insert(Decision), decisions)
        s.execute(insert(TraceLink), links)
        s.commit()
    return eid


def timed_ms(fn, reps: int) -> tuple[list[float], object]:
    """Milliseconds of each call, and the last result."""
    from bench.timing import timed

    seconds, result = timed(fn, reps)
    return [s * 1000 for s in seconds], result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions per measurement (default 5)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from sqlalchemy.orm import Session

    from app.graph.criteria import evaluate_all
    from app.graph.findings import run_findings
    from app.graph.freshness import freshness_table
    from app.graph.impact import system_impact
    from app.graph.model import build_graph
    from app.services.analysis.scenario import find_scenario, load_snapshot
    from models import Base, Engagement

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        t0 = time.perf_counter()
        eid = populate(engine, rng)
        print(f"Populated in {time.perf_counter() - t0:.1f}s: {N_SYSTEMS:,} systems, {N_FLOWS:,} flows, "
              f"{N_REQUIREMENTS:,} requirements, {N_DECISIONS:,} decisions")
        with Session(engine) as session:
            scenario = find_scenario(session, session.get(Engagement, eid))
            load_ms, snapshot = timed_ms(lambda: load_snapshot(session, scenario), args.reps)
        with app.app_context():
            db.engine.dispose()

    build_ms, graph = timed_ms(lambda: build_graph(snapshot), args.reps)
    rows: list[tuple[str, list[float], str]] = [
        ("snapshot from the database", load_ms, f"{len(snapshot.flows):,} flows, {len(snapshot.ownerships):,} "
                                                 "ownerships"),
        ("graph build (snapshot → graph)", build_ms, f"{len(graph.hops):,} hops, {len(graph.steps):,} steps"),
    ]

    def fresh(fn):
        # Every repetition on a new graph: nothing cached from a previous run.
        graphs = iter([build_graph(snapshot) for _ in range(args.reps)])
        return timed_ms(lambda: fn(next(graphs)), args.reps)

    suite_ms, findings = fresh(run_findings)
    rows.append(("rule suite", suite_ms, f"{len(findings.findings):,} findings"))
    fresh_ms, table = fresh(freshness_table)
    rows.append(("freshness (all pairs)", fresh_ms, f"{len(table)} entity × channel pairs"))
    busiest = max(graph.flows_by_system, key=lambda s: len(graph.flows_by_system[s]))
    picks = iter([busiest] + rng.sample(list(graph.snapshot.system_by_id), 19))
    impact_ms, impact = fresh(lambda g: system_impact(g, next(picks)))
    rows.append(("impact query", impact_ms, "first: the busiest system, then random ones; all depths"))
    criteria_ms, report = fresh(evaluate_all)
    rows.append(("criteria (2,000 reqs)", criteria_ms,
                 f"{sum(len(r.results) for r in report.requirements):,} criteria"))

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'measurement':<{width}}  {'median ms':>9}  {'max ms':>8}  {'budget':>7}  notes")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 8}  {'-' * 7}  -----")
    over = []
    for label, times, note in rows:
        budget = BUDGETS_MS.get(label)
        if budget is not None and max(times) > budget:
            over.append(label)
        shown = f"{budget:>5} ms" if budget else f"{'':>7}"
        print(f"{label:<{width}}  {statistics.median(times):9.1f}  {max(times):8.1f}  {shown}  {note}")
    print(f"\n{args.reps} repetitions each; analyses run on a fresh graph every time. "
          f"{'Over budget: ' + ', '.join(over) if over else 'All within budget.'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
