"""Critical paths and criteria checked on save: what they cost on the analysis benchmark's large engagement.

Run from the repository root:  .venv/bin/python bench/bench_critical_paths.py [--reps 5] [--seed 11]

Builds the engagement of bench/bench_analysis.py (1,000 systems of random categories, 5,000 flows, the default
entities including Order, Return and Payment) on a temporary SQLite file, then times on a fresh graph each
time: finding the critical paths (entity, order, return, payment) with their single points (dominators), and
the three rules that follow them (retiring systems, single points of failure, batch feeds) next to the whole
rule suite (budget 1 s, as in bench_analysis). Then it saves 200 requirements through the service with
criteria lines and 200 with prose only, and prints the cost of the check per save.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_analysis import build_app, populate, timed_ms  # noqa: E402

SUITE_BUDGET_MS = 1000
SAVES = 200
WITH_CRITERIA = "Stock must be fresh.\nfreshness(inventory, web) <= 60s\nreachable(order, store -> OMS)"
PROSE_ONLY = "Stock must be fresh.\nEvery order reaches the OMS."


def main() -> int:
    """Print the figures; the exit code is 0 (figures over budget are reported as not met)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from sqlalchemy.orm import Session

    from app.graph.critical import critical_paths, single_points
    from app.graph.findings import run_findings
    from app.graph.model import build_graph
    from app.services.analysis.scenario import find_scenario, load_snapshot
    from app.services.catalog.elements import save_element
    from models import Base, Engagement

    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        eid = populate(engine, random.Random(args.seed))
        with Session(engine) as session:
            engagement = session.get(Engagement, eid)
            # populate() bulk-inserts REQ-1… without moving the counter that save_element numbers from.
            engagement.next_requirement_number = 10_000
            session.commit()
            snapshot = load_snapshot(session, find_scenario(session, engagement))
            save_ms = {}
            for label, text in (("criteria", WITH_CRITERIA), ("prose", PROSE_ONLY)):
                t0 = time.perf_counter()
                for n in range(SAVES):
                    save_element(session, engagement, "requirement", {"title": f"{label} {n}", "acceptance": text})
                save_ms[label] = (time.perf_counter() - t0) * 1000 / SAVES
        with app.app_context():
            db.engine.dispose()

    def fresh(fn):
        graphs = iter([build_graph(snapshot) for _ in range(args.reps)])
        return timed_ms(lambda: fn(next(graphs)), args.reps)

    def paths_and_points(graph):
        paths = critical_paths(graph)
        return paths, [single_points(graph, p) for p in paths]

    paths_ms, (paths, points) = fresh(paths_and_points)
    rules = ("lifecycle.retiring_critical", "system.spof", "freshness.batch_critical")
    rules_ms, found = fresh(lambda g: run_findings(g, rule_ids=list(rules)))
    suite_ms, suite = fresh(run_findings)
    kinds = ", ".join(f"{p.kind}: {len(p.systems)} systems, {len(pts)} single point(s)"
                      for p, pts in zip(paths, points, strict=True) if p.kind != "entity")
    print(f"{len(snapshot.systems):,} systems, {len(snapshot.flows):,} flows; {len(paths)} critical paths "
          f"({sum(p.kind == 'entity' for p in paths)} entity paths; {kinds})")
    print(f"critical paths + single points: median {statistics.median(paths_ms):.1f} ms, max {max(paths_ms):.1f} ms")
    print(f"the three rules that follow them: median {statistics.median(rules_ms):.1f} ms, "
          f"max {max(rules_ms):.1f} ms ({len(found.findings)} findings)")
    met = "met" if max(suite_ms) <= SUITE_BUDGET_MS else f"not met (max {max(suite_ms):.0f} ms)"
    print(f"whole rule suite: median {statistics.median(suite_ms):.1f} ms, max {max(suite_ms):.1f} ms "
          f"({len(suite.findings)} findings); budget {SUITE_BUDGET_MS} ms: {met}")
    print(f"save a requirement: {save_ms['criteria']:.2f} ms with 2 criteria lines checked, {save_ms['prose']:.2f} ms "
          f"prose only ({SAVES} saves each, SQLite, one commit per save)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
