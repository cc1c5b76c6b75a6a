"""Analysis cache benchmark: the analysis pages cold (cache emptied before each request) and warm, at 1k systems.

Run from the repository root:  .venv/bin/python bench/bench_analysis_cache.py [--reps 7] [--seed 7]

Builds the foundation bench's engagement (bench/bench_foundation.py: 1,000 systems, 5,000 flows, 2,000
requirements, 500 decisions) on a temporary SQLite file and times, with the Flask test client:

- the service alone (`analyse()` + findings, freshness and criteria, no rendering), cold and warm;
- the overview, rules, freshness and criteria pages, cold and warm, p50/p95 server time;
- a page right after a write (a rule switched and back: the revision moves, the first request recomputes).

The machine's load average is printed beside each figure. A warm page over the issue's 300 ms p95 is printed as
"not met" with what is left (rendering, which the cache does not remove).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_foundation import build_app, login, percentile, populate  # noqa: E402

PAGE_TARGET_MS = 300


def load() -> str:
    """The 1-minute load average and the number of cores, to read the timings against."""
    return f"load {os.getloadavg()[0]:.1f}/{os.cpu_count()}"


def time_requests(client, url: str, reps: int, before=None) -> list[float]:
    """Milliseconds of `reps` GETs of `url`, calling `before()` ahead of each (untimed)."""
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        started = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    return times


def time_service(app, eid: int, reps: int, cold: bool) -> list[float]:
    """Milliseconds of the analyses every analysis page needs, through the service, without rendering."""
    from app.extensions import db
    from app.services.analysis import cache
    from app.services.analysis import scenario as analysis
    from models import Engagement

    times = []
    for _ in range(reps):
        if cold:
            cache.clear()
        with app.app_context():
            engagement = db.session.get(Engagement, eid)
            started = time.perf_counter()
            loaded = analysis.analyse(db.session, engagement)
            loaded.findings(), loaded.findings_all_rules(), loaded.freshness(), loaded.criteria()
            times.append((time.perf_counter() - started) * 1000)
    return times


def switch_rule_back_and_forth(app, eid: int) -> None:
    """Two writes through the service: the engagement's revision moves, the cached analyses no longer apply."""
    from app.extensions import db
    from app.services.analysis import scenario as analysis
    from models import Engagement

    with app.app_context():
        engagement = db.session.get(Engagement, eid)
        analysis.set_rule(db.session, engagement, "system.spof", enabled=False)
        analysis.set_rule(db.session, engagement, "system.spof", enabled=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed requests per page and state (default 7)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from app.extensions import db
    from app.services.analysis import cache
    from models import Base

    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        t0 = time.perf_counter()
        eid = populate(engine, random.Random(args.seed))["eid"]
        print(f"Populated the foundation engagement in {time.perf_counter() - t0:.1f}s ({load()})")

        cold = time_service(app, eid, args.reps, cold=True)
        warm = time_service(app, eid, args.reps, cold=False)
        print(f"\nservice (analyse + findings ×2 + freshness + criteria, no rendering), {args.reps} runs:")
        print(f"  cold p50 {percentile(cold, 0.5):8.1f} ms  p95 {percentile(cold, 0.95):8.1f} ms  ({load()})")
        print(f"  warm p50 {percentile(warm, 0.5):8.1f} ms  p95 {percentile(warm, 0.95):8.1f} ms  ({load()})")

        client = app.test_client()
        login(client)
        pages = [("overview", f"/e/{eid}/analysis"), ("rules", f"/e/{eid}/analysis/rules"),
                 ("freshness", f"/e/{eid}/analysis/freshness"), ("criteria", f"/e/{eid}/analysis/criteria")]
        rows = []
        for label, url in pages:
            cold = time_request_set(client, url, args.reps, cache.clear)
            client.get(url)  # fills the cache
            warm = time_request_set(client, url, args.reps)
            after = []
            for _ in range(max(1, args.reps // 2)):
                switch_rule_back_and_forth(app, eid)
                after += time_requests(client, url, 1)
            rows.append((label, cold, warm, after, load()))

        print(f"\npages at 1k systems, {args.reps} requests each (test client, server time):")
        print(f"{'page':<10}  {'cold p50':>9}  {'cold p95':>9}  {'warm p50':>9}  {'warm p95':>9}  "
              f"{'after write':>11}  {'saved':>6}  load")
        for label, cold, warm, after, at in rows:
            saved = 1 - percentile(warm, 0.5) / percentile(cold, 0.5)
            print(f"{label:<10}  {percentile(cold, 0.5):9.1f}  {percentile(cold, 0.95):9.1f}  "
                  f"{percentile(warm, 0.5):9.1f}  {percentile(warm, 0.95):9.1f}  {percentile(after, 0.5):11.1f}  "
                  f"{saved:6.0%}  {at}")
        print()
        for label, _cold, warm, _after, at in rows:
            p95 = percentile(warm, 0.95)
            verdict = "met" if p95 < PAGE_TARGET_MS else (
                f"not met (warm p50 {percentile(warm, 0.5):.0f} ms): the analyses come from the cache; the rest "
                f"of the request is rendering the page and waiting for a CPU at {at}")
            print(f"{label} warm p95 {p95:.0f} ms < {PAGE_TARGET_MS} ms: {verdict}")
        stats = cache.stats()
        print(f"\ncache since the last clear: {stats.hits} hits, {stats.misses} misses, "
              f"{stats.bypassed} bypassed (a session with uncommitted writes)")
        with app.app_context():
            db.engine.dispose()
    return 0


def time_request_set(client, url: str, reps: int, before=None) -> list[float]:
    """One warm-up request, then `reps` timed ones."""
    client.get(url)
    return time_requests(client, url, reps, before)


if __name__ == "__main__":
    raise SystemExit(main())
