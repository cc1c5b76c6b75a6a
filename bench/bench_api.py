"""API list endpoints at 1,000 systems / 5,000 flows: p50/p95 server time per endpoint against p95 < 100 ms.

Run from the repository root:  .venv/bin/python bench/bench_api.py [--reps 30] [--scale 1000]

Builds the foundation bench's engagement (bench/foundation_data.py) on a temporary SQLite file, creates a
personal API token, and times GET requests with the Flask test client (no socket: the server's own work) for
each list endpoint at its default page (100 rows) and at the largest page (500 rows), plus a filtered and a
scenario-aware list. Prints the machine's one-minute load average beside each figure, and "not met" with the
reason for any endpoint whose p95 is over the target.
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

from bench_foundation import percentile  # noqa: E402 (bench/ is on sys.path)
from foundation_data import EMAIL, build_app, populate  # noqa: E402

TARGET_MS = 100


def token_for_bench(engine) -> str:
    from sqlalchemy.orm import Session

    from app.services.accounts import user_by_email
    from app.services.api_tokens import create_token

    with Session(engine) as session:
        return create_token(session, user_by_email(session, EMAIL), "bench").secret


def measure(client, url: str, headers: dict, reps: int) -> dict:
    warm = client.get(url, headers=headers)
    assert warm.status_code == 200, (url, warm.status_code, warm.get_data(as_text=True)[:300])
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    body = response.get_json()
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "n": reps,
            "rows": len(body["items"]), "total": body["total"], "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="throughline-bench-api-") as tmp:
        app = build_app(Path(tmp))
        from app.extensions import db
        from models import Base

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        ids = populate(engine, random.Random(args.seed), args.scale)
        print(f"load: {', '.join(f'{v:,} {k}' for k, v in ids['counts'].items())}; "
              f"{args.reps} timed requests per endpoint after one warm-up", flush=True)
        headers = {"Authorization": f"Bearer {token_for_bench(engine)}"}
        client = app.test_client()
        base = f"/api/v1/engagements/{ids['eid']}"
        endpoints = [
            ("systems", f"{base}/systems"),
            ("systems limit=500", f"{base}/systems?limit=500"),
            ("flows", f"{base}/flows"),
            ("flows limit=500", f"{base}/flows?limit=500"),
            ("flows offset=4900", f"{base}/flows?offset=4900"),
            ("flows pattern=api", f"{base}/flows?pattern=api"),
            (f"flows q={ids['probe']}", f"{base}/flows?q={ids['probe']}"),
            ("flows ?scenario=<current state>", f"{base}/flows?scenario={ids['baseline']}"),
            ("requirements", f"{base}/requirements"),
            ("decisions", f"{base}/decisions"),
            ("ownerships", f"{base}/ownerships"),
        ]
        missed = []
        for label, url in endpoints:
            r = measure(client, url, headers, args.reps)
            print(f"{label:34} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  ({r['rows']} of {r['total']:,} rows, "
                  f"n={r['n']}, load {r['load']:.2f})", flush=True)
            if r["p95"] >= TARGET_MS:
                missed.append((label, r))
        for label, r in missed:
            print(f"not met: {label} p95 {r['p95']:.1f} ms >= {TARGET_MS} ms (load {r['load']:.2f} on this machine)")
        if not missed:
            print(f"met: every list endpoint p95 < {TARGET_MS} ms at {args.scale:,} systems")


if __name__ == "__main__":
    main()
