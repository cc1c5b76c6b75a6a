"""Workbook benchmark: import a 1,000-system / 5,000-flow spreadsheet (dry run, apply, re-import) and export it.

Run from the repository root:  .venv/bin/python bench/bench_workbook.py [--seed 7] [--systems 1000] [--flows 5000]

Builds the app on a temporary SQLite file (create_all), creates one engagement (default channels and
entities), generates an XLSX workbook in memory with 60 stakeholders, the systems (owner, channels, tags)
and the flows (1-3 entities, random patterns, latencies, 20% via middleware), then times, through the
same service the web and the CLI use (app.services.workbook.importer.import_workbook):
dry run, apply, a re-import of the same file (must change nothing), and the XLSX and CSV ZIP exports.
The budget is dry run + apply < 20 s.
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

N_STAKEHOLDERS = 60
BUDGET_S = 20.0


def build_app(workdir: Path):
    os.environ["THROUGHLINE_INSTANCE"] = str(workdir / "instance")
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite'}",
            "SECRET_KEY": "bench-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "INSTANCE_PATH": str(workdir / "instance"),
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
    )


def workbook(rng: random.Random, n_systems: int, n_flows: int) -> bytes:
    """The generated workbook: valid rows only, names as a client would type them."""
    from exports.workbook import write_xlsx
    from models.vocab import (
        DEFAULT_CHANNELS,
        DEFAULT_ENTITIES,
        FLOW_PATTERNS,
        HOSTING,
        LIFECYCLE,
        STAKEHOLDER_AREAS,
        SYSTEM_CATEGORIES,
    )

    people = [f"Person {n:03d}" for n in range(N_STAKEHOLDERS)]
    stakeholders = [
        {
            "name": p,
            "role": "Lead",
            "team": "Digital",
            "area": STAKEHOLDER_AREAS[rng.choice(list(STAKEHOLDER_AREAS))],
            "influence": "Medium",
            "interest": "High",
            "email": f"p{n}@client.example",
        }
        for n, p in enumerate(people)
    ]
    channels = [name for name, _ in DEFAULT_CHANNELS]
    entities = [name for name, _ in DEFAULT_ENTITIES]
    names = []
    systems = []
    for n in range(n_systems):
        category = rng.choice(list(SYSTEM_CATEGORIES))
        name = f"{SYSTEM_CATEGORIES[category]} {n:04d}"
        names.append(name)
        systems.append(
            {
                "name": name,
                "category": SYSTEM_CATEGORIES[category],
                "vendor": rng.choice(["SAP", "Salesforce", "Shopify", "Manhattan", "Oracle", "In-house"]),
                "hosting": HOSTING[rng.choice(list(HOSTING))],
                "lifecycle": LIFECYCLE[rng.choice(list(LIFECYCLE))],
                "owner": rng.choice([*people, None]),
                "channels": "; ".join(rng.sample(channels, rng.randint(0, 2))),
                "scenarios": "Current state",
                "tags": rng.choice(["", "legacy", "core; peak"]),
                "notes": "",
            }
        )
    flows = []
    for _ in range(n_flows):
        source, target = rng.sample(names, 2)
        via = rng.choice(names) if rng.random() < 0.2 else None
        if via in (source, target):
            via = None
        typical = rng.choice([None, 0.5, 5, 60, 900, 3600])
        worst = None if typical is None else typical * rng.choice([1, 2, 10])
        flows.append(
            {
                "source": source,
                "target": target,
                "entities": "; ".join(rng.sample(entities, rng.randint(1, 3))),
                "pattern": FLOW_PATTERNS[rng.choice(list(FLOW_PATTERNS))],
                "frequency": "",
                "latency_seconds": typical,
                "worst_latency_seconds": worst,
                "via": via,
                "direction": "One-way",
                "scenarios": "Current state",
            }
        )
    return write_xlsx({"stakeholders": stakeholders, "systems": systems, "flows": flows})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--systems", type=int, default=1_000)
    parser.add_argument("--flows", type=int, default=5_000)
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        workdir = Path(tmp)
        app = build_app(workdir)
        from app.extensions import db
        from app.services.accounts import create_user
        from app.services.engagements import create_engagement
        from app.services.workbook.export import export_workbook
        from app.services.workbook.importer import import_workbook
        from exports.workbook import read_workbook
        from models import Base, Change, Element

        with app.app_context():
            engine = db.engine
            Base.metadata.create_all(engine)
            user = create_user(db.session, "bench@example.com", "Bench Consultant", "bench password")
            engagement = create_engagement(db.session, "Bench Retail discovery", owner=user)
            eid, uid = engagement.id, user.id
            db.session.remove()

        t = time.perf_counter()
        data = workbook(random.Random(args.seed), args.systems, args.flows)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        read_workbook(data)
        parse_s = time.perf_counter() - t

        statements: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_rest):
            if not statement.startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        def timed(label: str, dry_run: bool):
            with app.app_context():
                from models import Engagement

                statements.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                report = import_workbook(
                    db.session,
                    db.session.get(Engagement, eid),
                    data,
                    user_id=uid,
                    dry_run=dry_run,
                    filename="bench.xlsx",
                )
                elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
                assert report.ok, [str(p) for p in report.errors[:5]]
                db.session.remove()
            return label, elapsed, cpu, report.summary(), len(statements)

        rows = [
            timed("dry run", True),
            timed("apply", False),
            timed("re-import (no changes)", False),
        ]
        assert rows[2][3].startswith("0 created, 0 updated"), rows[2][3]
        exports = []
        with app.app_context():
            from models import Engagement

            engagement = db.session.get(Engagement, eid)
            for fmt in ("xlsx", "zip"):
                statements.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                body = export_workbook(db.session, engagement, fmt)
                exports.append(
                    (
                        f"export .{fmt}",
                        time.perf_counter() - t0,
                        time.process_time() - c0,
                        f"{len(body) // 1024} KiB",
                        len(statements),
                    )
                )
            elements = db.session.scalar(select(func.count()).select_from(Element).where(Element.engagement_id == eid))
            changes = db.session.scalar(select(func.count()).select_from(Change).where(Change.engagement_id == eid))
            db.session.remove()
        event.remove(engine, "before_cursor_execute", _count)
        with app.app_context():
            db.engine.dispose()

    print(
        f"Workbook: {args.systems:,} systems, {args.flows:,} flows, {N_STAKEHOLDERS} stakeholders "
        f"({len(data) // 1024} KiB .xlsx, generated in {build_s:.1f}s; reading alone {parse_s:.2f}s)"
    )
    print()
    width = 24
    print(f"{'step':<{width}}  {'wall s':>7}  {'CPU s':>6}  {'SQL':>6}  result")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 6}  {'-' * 6}  {'-' * 40}")
    for label, seconds, cpu, result, queries in rows + exports:
        print(f"{label:<{width}}  {seconds:7.2f}  {cpu:6.2f}  {queries:6d}  {result}")
    total = rows[0][1] + rows[1][1]
    verdict = "within" if total < BUDGET_S else "OVER"
    print(
        f"\ndry run + apply = {total:.1f}s ({verdict} the {BUDGET_S:.0f}s budget). The engagement now holds "
        f"{elements:,} elements and {changes:,} change-log entries. SQL = statements per step "
        f"(excluding BEGIN/PRAGMA/SAVEPOINT/RELEASE); CPU s = this process's CPU time (wall well above it means "
        f"the machine was busy). Total run {time.perf_counter() - started:.0f}s."
    )
    return 0 if total < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
