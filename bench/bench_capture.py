"""Quick-capture benchmark: preview time per line on an engagement with 1,000 systems (SQLite).

Run from the repository root:  .venv/bin/python bench/bench_capture.py [--reps 50] [--seed 7]

Builds the large engagement exactly as bench_foundation.py does (1,000 systems, 5,000 flows, 2,000
requirements, 500 decisions, 60 stakeholders, in a few ORM bulk transactions), then times, for a set of
typical lines (existing names, typos that need fuzzy suggestions over the 1,000 system names, unknown
entities, ownership, requirement (with type and criteria), decision (with status), stakeholder, system /
entity lines and a bare name, a parse error):

- the service alone: `capture.preview(session, engagement, line)` — parse, catalog look-ups, suggestions;
- the web request: `POST /e/<eid>/capture/preview` with htmx headers — the above plus tenancy, rendering
  and (on SQLite) the switch to a read-only transaction;
- a few real captures: `POST /e/<eid>/capture` creating a new requirement each time.

Prints p50/p95 in milliseconds and the SQL statements per request. Target: < 50 ms per preview.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_foundation import login, percentile  # noqa: E402
from foundation_data import build_app, populate  # noqa: E402

N_SYSTEMS = 1000
TARGET_MS = 50.0


def typo(name: str, rng: random.Random) -> str:
    """Drop one letter from the first word: 'Pricing 0042' -> 'Prcing 0042'."""
    first, _, rest = name.partition(" ")
    if len(first) < 4:
        return f"{first}x {rest}"
    i = rng.randrange(1, len(first) - 1)
    return f"{first[:i]}{first[i + 1 :]} {rest}"


def lines_for(session, eid: int, rng: random.Random) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from models import Stakeholder, System

    systems = list(session.scalars(select(System.name).where(System.engagement_id == eid).order_by(System.id)))
    people = list(session.scalars(select(Stakeholder.name).where(Stakeholder.engagement_id == eid)))
    a, b, c = rng.sample(systems, 3)
    return [
        ("flow, existing systems", f"{a} -> {b}: order, customer via API every 5s worst 1 min"),
        ("flow, 2 typos (fuzzy x1,000)", f"{typo(a, rng)} -> {typo(b, rng)}: order via {c} as event"),
        ("flow, new systems", "Shopify Plus -> Fluent OMS: order, customer via MuleSoft as event nightly"),
        ("flow, unknown entity", f"{a} -> {b}: ordr, custmer"),
        ("ownership (dup + SoR checks)", f"{a} owns product, price, inventory"),
        ("requirement @source #channels", f"REQ must: Store stock visible within 60s @{people[3]} #web #mobile-app"),
        ("decision -> 3 requirements", "ADR: Centralise ATP in the OMS -> REQ-3, REQ-5, REQ-1999"),
        ("stakeholder, look-alike", f"@{typo(people[4], rng)}, Buyer, Digital"),
        ("system: name (category)", "System: Zendesk (CRM)"),
        ("bare name (fuzzy x1,000)", typo(c, rng)),
        ("entity: two names", "Entity: Delivery slot, Warranty claim"),
        ("requirement type + criteria", "REQ must data: Stock on web #web AC: freshness(inventory, web) <= 60s"),
        ("decision with status", "ADR accepted: Keep SAP as price master -> REQ-4"),
        ("parse error", f"{a} -> {b}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50, help="timed repetitions per line (default 50)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.services.catalog import capture as capture
    from models import Base, Engagement

    started = time.perf_counter()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="throughline-bench-capture-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        t0 = time.perf_counter()
        eid = populate(engine, rng, N_SYSTEMS)["eid"]
        print(f"Populated the engagement ({N_SYSTEMS:,} systems…) in {time.perf_counter() - t0:.1f}s")

        with Session(engine) as s:
            lines = lines_for(s, eid, rng)

        # 1. The service alone, one fresh session per preview (as one request has).
        service: dict[str, tuple[float, float, int]] = {}
        for label, line in lines:
            times = []
            for rep in range(args.reps + 1):
                with Session(engine) as s:
                    engagement = s.get(Engagement, eid)
                    t = time.perf_counter()
                    result = capture.preview(s, engagement, line)
                    elapsed = (time.perf_counter() - t) * 1000
                if rep:
                    times.append(elapsed)
            state = "ready" if result.ready else ("pending" if result.pending else "errors")
            service[label] = (percentile(times, 0.5), percentile(times, 0.95), state)

        # 2. The web request.
        statements: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_rest):
            if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        client = app.test_client()
        login(client)
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        rows = []
        for label, line in lines:
            times, counts = [], []
            for rep in range(args.reps + 1):
                statements.clear()
                t = time.perf_counter()
                resp = client.post(f"/e/{eid}/capture/preview", data={"line": line}, headers=headers)
                elapsed = (time.perf_counter() - t) * 1000
                assert resp.status_code in (200, 422), (line, resp.status_code)
                if rep:
                    times.append(elapsed)
                    counts.append(len(statements))
            p50, p95, state = service[label]
            rows.append((label, state, p50, p95, percentile(times, 0.5), percentile(times, 0.95), max(counts)))

        # 3. Real captures (each creates a requirement and its change-log entry).
        apply_times = []
        for n in range(max(5, args.reps // 5)):
            line = f"REQ should: Bench requirement {n} #web"
            t = time.perf_counter()
            resp = client.post(f"/e/{eid}/capture", data={"line": line, "previewed": line}, headers=headers)
            apply_times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200 and "Captured:" in resp.get_data(as_text=True), resp.status_code

        event.remove(engine, "before_cursor_execute", _count)
        with app.app_context():
            db.engine.dispose()

    width = max(len(r[0]) for r in rows)
    print()
    print(
        f"{'line':<{width}}  {'preview':>7}  {'service p50':>11}  {'p95':>6}  "
        f"{'http p50':>8}  {'p95':>6}  {'queries':>7}"
    )
    print(f"{'-' * width}  {'-' * 7}  {'-' * 11}  {'-' * 6}  {'-' * 8}  {'-' * 6}  {'-' * 7}")
    for label, state, sp50, sp95, hp50, hp95, queries in rows:
        print(f"{label:<{width}}  {state:>7}  {sp50:11.1f}  {sp95:6.1f}  {hp50:8.1f}  {hp95:6.1f}  {queries:7d}")
    print(
        f"\ncapture (POST /capture, creates a requirement): p50 {percentile(apply_times, 0.5):.1f} ms, "
        f"p95 {percentile(apply_times, 0.95):.1f} ms over {len(apply_times)} captures"
    )
    worst = max(rows, key=lambda r: r[3])
    if worst[3] < TARGET_MS:
        print(f"\ncapture preview < {TARGET_MS:.0f} ms server time at {N_SYSTEMS:,} systems: met "
              f"(worst service p95 {worst[3]:.1f} ms, “{worst[0]}”)")
    else:
        print(f"\ncapture preview < {TARGET_MS:.0f} ms server time at {N_SYSTEMS:,} systems: not met — "
              f"“{worst[0]}” has a service p95 of {worst[3]:.1f} ms")
    print(
        f"\n{args.reps} timed previews per line after one warm-up; times in ms; queries = SQL statements per preview "
        f"request (BEGIN/COMMIT/PRAGMA excluded). Target < 50 ms. Total run {time.perf_counter() - started:.0f}s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
