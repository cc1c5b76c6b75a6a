"""Review-link benchmark: what a client waits for on the portal, and what one link costs the server.

Run from the repository root:  .venv/bin/python bench/bench_review_links.py [--reps 7] [--links 2000]

Builds an app on a temporary SQLite file with the demo engagement and `--links` review links (the one measured
among them), then times with the test client (no network): the portal's summary page, a scenario page (landscape
diagram drawn by Graphviz and inlined, findings), the flows list and a flow, each including the token's lookup
and the use logged after it; and `resolve` alone. Budgets: a portal page within 500 ms, a resolve within 5 ms.
Figures are medians; the first request of each page (cold analysis and diagram caches) is measured apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.foundation_data import build_app  # noqa: E402 - one app set-up for every bench
from bench.timing import median_timed, timed  # noqa: E402

BUDGETS_MS = {"page": 500, "resolve": 5}


def main() -> None:
    """Build, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--links", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="throughline-bench-links-") as tmp:
        app = build_app(Path(tmp))
        app.config["REVIEW_LINK_MISS_LIMIT"] = "1000000 per minute"
        from app.extensions import db
        from app.services.accounts import create_user
        from app.services.analysis.scenario import analyse
        from app.services.demo import load_demo
        from app.services.review import links
        from models import Base

        with app.app_context():
            Base.metadata.create_all(db.engine)
            owner = create_user(db.session, "bench@example.com", "Bench", "correct horse battery")
            demo = load_demo(db.session, owner=owner)
            target = next(s for s in demo.scenarios if not s.is_baseline)
            for i in range(args.links - 1):
                links.create_link(db.session, demo, scenario_ids=[target.id], role="read", label=f"Client {i}")
            _, token = links.create_link(db.session, demo, scenario_ids=[target.id], role="signoff", label="Measured")
            flow_id = min(analyse(db.session, demo, target).snapshot.flow_by_id)
            resolve_s, _ = median_timed(lambda: links.resolve(db.session, token), args.reps * 10)
        client = app.test_client()
        pages = {"summary": f"/r/{token}/", "scenario (diagram, findings)": f"/r/{token}/s/{target.id}/",
                 "flows": f"/r/{token}/s/{target.id}/flows", "one flow": f"/r/{token}/s/{target.id}/flows/{flow_id}"}
        print(f"review links: demo engagement, {args.links:,} links, medians of {args.reps} requests")
        for name, url in pages.items():
            first, resp = timed(lambda url=url: client.get(url), 1)
            assert resp.status_code == 200, (url, resp.status_code)
            median, _ = median_timed(lambda url=url: client.get(url), args.reps)
            verdict = "met" if median * 1000 <= BUDGETS_MS["page"] else f"not met (budget {BUDGETS_MS['page']} ms)"
            print(f"  portal {name:<30} first {first[0] * 1000:7.1f} ms, then {median * 1000:7.1f} ms  {verdict}")
        verdict = "met" if resolve_s * 1000 <= BUDGETS_MS["resolve"] else f"not met (budget {BUDGETS_MS['resolve']} ms)"
        print(f"  resolve a token among {args.links:,} links       {resolve_s * 1000:7.2f} ms  {verdict}")


if __name__ == "__main__":
    main()
