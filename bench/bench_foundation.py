"""Foundation benchmark over HTTP: page times, weights and SQL counts at 100, 1,000 and (with --big) 3,000 systems.

Run from the repository root:  .venv/bin/python bench/bench_foundation.py [--reps 10] [--big] [--scales 100,1000]

For each scale, builds one engagement on a temporary SQLite file (bench/foundation_data.py: N systems, 5N flows,
2N requirements mostly with acceptance criteria, N/2 decisions linked to requirements, ownership of every
entity), starts the app under gunicorn on a free loopback port (bench/http_server.py, the team server's
settings), logs in over HTTP (the CSRF token read from the login form) and times every page and htmx fragment
with `requests` on a kept-alive connection: p50/p95 of the whole round trip (request sent, body read), the
server's own p95, the SQL statements per request, the page weight and the one-minute load average of the
machine when the page's timings were taken. Then each page's growth from 1k to 3k, and a verdict against the
targets of issue 18 (pages p95 < 300 ms, fragments < 100 ms, weight < 1 MB at 1k; pages < 1 s and growth no
worse than linear at 3k), "not met" with the reason when a figure is not reached.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from foundation_data import EMAIL, PASSWORD, build_app, populate  # noqa: E402 (bench/ is on sys.path)
from http_server import serve  # noqa: E402

PAGE_MS, FRAGMENT_MS, MAX_KIB, BIG_PAGE_MS = 300, 100, 1024, 1000
HTMX = {"HX-Request": "true"}
# Lazily loaded detail: the first hx-get of a page that matches, timed as that page's fragment.
FRAGMENT_PATTERNS = {
    "analysis criteria": ("criteria group (htmx)", r'hx-get="([^"]*/analysis/criteria/more[^"]+)"'),
    "analysis overview": ("findings of a rule (htmx)", r'hx-get="([^"]*/analysis/findings[^"]*)"'),
    "analysis freshness": ("freshness path (htmx)", r'hx-get="([^"]*/analysis/freshness/path[^"]*)"'),
    "ownership matrix": ("ownership next page (htmx)", r'hx-get="([^"]*/ownership-matrix\?[^"]*offset=[^"]+)"'),
}


def login(http, base: str) -> None:
    """Log in as a browser does: read the CSRF token from the login form, post it with the credentials."""
    page = http.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = http.post(f"{base}/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
                     allow_redirects=False)
    assert resp.status_code == 302, resp.status_code


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(http, url: str, headers: dict, reps: int, budget_s: float) -> dict:
    """Warm once, then time up to `reps` round trips (fewer when a page would take over `budget_s` in all)."""
    warm = http.get(url, headers=headers)
    assert warm.status_code == 200, (url, warm.status_code)
    times, server, counts, started = [], [], [], time.perf_counter()
    while len(times) < reps and (len(times) < 3 or time.perf_counter() - started < budget_s):
        t = time.perf_counter()
        resp = http.get(url, headers=headers)
        body = resp.content  # read in full before the clock stops (requests does so unless streaming)
        times.append((time.perf_counter() - t) * 1000)
        server.append(float(resp.headers["X-Bench-Server-Ms"]))
        counts.append(int(resp.headers["X-Bench-Queries"]))
        assert resp.status_code == 200, (url, resp.status_code)
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "server": percentile(server, 0.95),
            "n": len(times), "queries": max(counts), "kib": len(body) / 1024, "load": os.getloadavg()[0],
            "body": body.decode()}


def run_scale(scale: int, reps: int, budget_s: float, seed: int, workers: int) -> dict[str, dict]:
    """Build the engagement at `scale` systems, serve it over HTTP and measure every page; results by label."""
    import requests

    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db
        from models import Base

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        t0 = time.perf_counter()
        ids = populate(engine, random.Random(seed), scale)
        print(f"\n== {scale:,} systems: populated in {time.perf_counter() - t0:.1f}s "
              f"({', '.join(f'{v:,} {k}' for k, v in ids['counts'].items())})", flush=True)
        engine.dispose()
        results: dict[str, dict] = {}
        with serve(Path(tmp), workers=workers) as base, requests.Session() as http:
            login(http, base)
            e = f"{base}/e/{ids['eid']}"
            for label, url, headers in pages(e, ids):
                results[label] = measure(http, url, headers, reps, budget_s)
                results[label]["fragment"] = "(htmx)" in label
                print(f"  {label}: p95 {results[label]['p95']:.0f} ms, {results[label]['kib']:.0f} KiB "
                      f"(load {results[label]['load']:.2f})", flush=True)
                fragment = FRAGMENT_PATTERNS.get(label)
                found = fragment and re.search(fragment[1], results[label]["body"])
                if found:
                    frag_url = base + found.group(1).replace("&amp;", "&")
                    results[fragment[0]] = {**measure(http, frag_url, HTMX, reps, budget_s), "fragment": True}
                elif fragment:
                    results[fragment[0]] = {"missing": True, "fragment": True}
    return results


def pages(e: str, ids: dict) -> list[tuple[str, str, dict]]:
    """The pages a consultant opens most, as (label, URL, headers); '(htmx)' in a label marks a fragment."""
    return [
        ("systems list", f"{e}/systems", {}),
        ("flows list", f"{e}/flows", {}),
        (f"flows q={ids['probe']} (htmx)", f"{e}/flows?q={ids['probe']}", HTMX),
        ("requirements list", f"{e}/requirements", {}),
        ("system detail (busiest)", f"{e}/systems/{ids['busiest']}", {}),
        ("dashboard", f"{e}/", {}),
        ("analysis overview", f"{e}/analysis", {}),
        ("analysis rules", f"{e}/analysis/rules", {}),
        ("analysis freshness", f"{e}/analysis/freshness", {}),
        ("analysis criteria", f"{e}/analysis/criteria", {}),
        ("ownership matrix", f"{e}/ownership-matrix", {}),
        ("traceability", f"{e}/traceability", {}),
        ("scenario detail", f"{e}/scenarios/{ids['baseline']}", {}),
    ]


def verdict(label: str, row: dict, scale: int, base: dict | None) -> str:
    """'met' or 'not met: <why>' against issue 18's figures for this scale (no target below 1k)."""
    if row.get("missing"):
        return "not met: the page has no such lazily loaded fragment"
    reasons = []
    if scale == 1000:
        limit = FRAGMENT_MS if row["fragment"] else PAGE_MS
        if row["p95"] >= limit:
            reasons.append(f"p95 {row['p95']:.0f} ms ≥ {limit} ms")
        if row["kib"] >= MAX_KIB:
            reasons.append(f"weight {row['kib'] / 1024:.1f} MB ≥ 1 MB")
    elif scale == 3000:
        if row["p95"] >= BIG_PAGE_MS:
            reasons.append(f"p95 {row['p95']:.0f} ms ≥ {BIG_PAGE_MS} ms")
        if base and not base.get("missing") and row["p95"] > 3 * max(base["p95"], 1.0):
            reasons.append(f"grew ×{row['p95'] / base['p95']:.1f} for ×3 the systems (worse than linear)")
    else:
        return "(no target)"
    return "not met: " + "; ".join(reasons) if reasons else "met"


def report(by_scale: dict[int, dict[str, dict]]) -> None:
    """Print one table per scale, then growth 1k→3k."""
    for scale, results in by_scale.items():
        width = max(len(k) for k in results)
        print(f"\n{scale:,} systems")
        print(f"{'page':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'server':>7}  {'n':>3}  {'queries':>7}  {'KiB':>7}  "
              f"{'load':>5}  verdict")
        for label, row in results.items():
            judged = verdict(label, row, scale, by_scale.get(1000, {}).get(label))
            if row.get("missing"):
                dashes = "  ".join(f"{'—':>{w}}" for w in (8, 8, 7, 3, 7, 7, 5))
                print(f"{label:<{width}}  {dashes}  {judged}")
                continue
            print(f"{label:<{width}}  {row['p50']:8.1f}  {row['p95']:8.1f}  {row['server']:7.1f}  {row['n']:3d}  "
                  f"{row['queries']:7d}  "
                  f"{row['kib']:7.0f}  {row['load']:5.2f}  {judged}")
    if 1000 in by_scale and 3000 in by_scale:
        print("\ngrowth 1k → 3k systems (p95; linear is ×3.0)")
        for label, row in by_scale[3000].items():
            base = by_scale[1000].get(label)
            if row.get("missing") or not base or base.get("missing"):
                continue
            print(f"  {label}: {base['p95']:.0f} → {row['p95']:.0f} ms (×{row['p95'] / max(base['p95'], 0.1):.1f}), "
                  f"{base['kib']:.0f} → {row['kib']:.0f} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="timed repetitions per URL (default 10)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds per URL after which a slow page stops early (at least 3 timings; default 20)")
    parser.add_argument("--big", action="store_true", help="also measure at 3,000 systems (slow)")
    parser.add_argument("--scales", default="", help="comma-separated scales instead of 100,1000[,3000]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn workers (default 1: each keeps its own analysis cache, warmed once)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")] if args.scales else [100, 1000] + ([3000] if args.big else [])
    started = time.perf_counter()
    by_scale = {scale: run_scale(scale, args.reps, args.budget, args.seed, args.workers) for scale in scales}
    report(by_scale)
    print(f"\nUp to {args.reps} timed requests per URL after one warm-up (n: how many), over HTTP on loopback to "
          f"gunicorn ({args.workers} worker(s), gthread): p50/p95 = round trip with the body read; server = the "
          "server's own p95; load = 1-minute load average when the URL's timings ended (2 cores shared); queries = "
          f"SQL statements per request. Total run {time.perf_counter() - started:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
