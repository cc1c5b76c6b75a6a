"""Sign-off bench: the status of every requirement and decision, and the traceability page, at 1,000 systems.

Run from the repository root:  .venv/bin/python bench/bench_signoffs.py [--scale 1000] [--reps 10] [--seed 7]

Builds the foundation bench's engagement (bench/foundation_data.py: at scale N, 2N requirements and N/2
decisions) on a temporary SQLite file, times the traceability page (first and last page of requirements)
before any sign-off, then signs off: 50 targets through the service (the path a reviewer takes) and the rest
in bulk, so that every decision and half the requirements carry a verdict, a fifth of them stale and a tenth
with an older, superseded one. It then prints, against the figures of issue 20 (the matrix at 2,000
requirements must not do N queries):

- `statuses()` for every requirement and decision at once: median ms and SQL statements (target: 1);
- the traceability page, first and last page: p50/p95 ms and SQL statements before and after signing (target:
  the same count, which includes the page's one sign-off statement, and the same on every page; p95 under
  issue 18's 300 ms).

"not met" and why when a figure is not reached. Times are the test client's server time (no socket).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_foundation import PAGE_MS, login, measure  # noqa: E402 (bench/ is on sys.path)
from foundation_data import build_app, populate  # noqa: E402
from timing import median_timed  # noqa: E402


def sign_everything(engine, eid: int, rng: random.Random) -> int:
    """Sign off every decision and half the requirements; return how many sign-offs were written."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from app.services.review import signoffs
    from app.services.review.author import Author
    from models import Element, Engagement, SignOff

    reviewer = Author(name="Bench Reviewer", link_id=1, can_sign_off=True)
    with Session(engine) as s:
        engagement = s.get(Engagement, eid)
        targets = s.execute(select(Element.id, Element.kind, Element.version).where(
            Element.engagement_id == eid, Element.kind.in_(("requirement", "decision"))).order_by(Element.id)).all()
        chosen = [t for t in targets if t.kind == "decision" or rng.random() < 0.5]
        for t in chosen[:50]:
            signoffs.sign_off(s, engagement, reviewer, t.kind, t.id, "approved")
        rows, now = [], datetime.now(UTC)
        for t in chosen[50:]:
            stale = rng.random() < 0.2
            if rng.random() < 0.1:
                rows.append(_row(eid, t, "rejected", t.version, now, "Earlier: too vague."))
            rows.append(_row(eid, t, rng.choice(("approved", "approved", "rejected")),
                             0 if stale else t.version, now, "Bench"))
        s.execute(insert(SignOff), rows)
        s.commit()
        return 50 + len(rows)


def _row(eid: int, target, verdict: str, version: int, at: datetime, note: str) -> dict:
    return {"engagement_id": eid, "target_kind": target.kind, "target_id": target.id, "target_version": version,
            "verdict": verdict, "note": note, "share_link_id": 1, "author_name": "Bench Reviewer (review link)",
            "signed_at": at}


def main() -> int:
    """Build, sign off, measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from sqlalchemy import event

    from app.extensions import db
    from app.services.review import signoffs
    from models import Base

    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        ids = populate(engine, random.Random(args.seed), args.scale)
        counts = ids["counts"]
        print(f"== {args.scale:,} systems: {counts['requirements']:,} requirements, {counts['decisions']:,} decisions")
        statements: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_rest):
            if not statement.startswith(("BEGIN", "PRAGMA")):
                statements.append(statement)

        client = app.test_client()
        login(client)
        e = f"/e/{ids['eid']}/traceability"
        last = f"{e}?offset={(counts['requirements'] - 1) // 50 * 50}"
        pages = {"first page": e, "last page": last}
        before = {k: measure(client, statements, url, {}, args.reps, 60) for k, url in pages.items()}
        t0 = time.perf_counter()
        written = sign_everything(engine, ids["eid"], random.Random(args.seed))
        print(f"signed off: {written:,} sign-offs written in {time.perf_counter() - t0:.1f}s")
        after = {k: measure(client, statements, url, {}, args.reps, 60) for k, url in pages.items()}

        from sqlalchemy.orm import Session

        with Session(engine) as s:
            statements.clear()
            found = signoffs.statuses(s, ids["eid"])
            queries = len(statements)
            ms, _ = median_timed(lambda: signoffs.statuses(s, ids["eid"]), args.reps)
        event.remove(engine, "before_cursor_execute", _count)
        with app.app_context():
            db.engine.dispose()

    overall = {k: sum(1 for st in found.values() if st.overall == k) for k in ("approved", "rejected", "stale")}
    print(f"statuses() of every target: {ms * 1000:.0f} ms median, {queries} SQL statement(s), "
          f"{len(found):,} targets signed ({', '.join(f'{v:,} {k}' for k, v in overall.items())}) — "
          + ("met (1 statement)" if queries == 1 else f"not met: {queries} statements, the target is 1"))
    for label in pages:
        b, a = before[label], after[label]
        extra = a["queries"] - b["queries"]
        verdict = []
        if extra > 0:
            verdict.append(f"not met: {extra} more statements with sign-offs than without, the target is none")
        if a["p95"] > PAGE_MS:
            verdict.append(f"not met: p95 {a['p95']:.0f} ms over {PAGE_MS} ms (load average {a['load']:.1f})")
        print(f"traceability {label}: before p50 {b['p50']:.0f} / p95 {b['p95']:.0f} ms, {b['queries']} statements; "
              f"after p50 {a['p50']:.0f} / p95 {a['p95']:.0f} ms, {a['queries']} statements, {a['kib']:.0f} KiB — "
              + ("; ".join(verdict) or "met"))
    same = after["first page"]["queries"] == after["last page"]["queries"]
    print("statements per page do not grow with the requirements: "
          + ("met" if same else "not met: the first and last page differ"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
