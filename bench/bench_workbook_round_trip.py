"""Workbook round-trip benchmark with awkward text: export -> import into an empty engagement -> export, per format.

Run from the repository root:  .venv/bin/python bench/bench_workbook_round_trip.py [--seed 5] [--systems 200]
[--flows 1000] [--requirements 500]

Builds the app on a temporary SQLite file, generates a workbook whose names and text are awkward — `;`, `,`,
`|`, `->`, brackets and backslashes inside names, leading `-` `=` `+` `@` `'`, double quotes, CJK, emoji,
Arabic (RTL), 150-character names, newlines in notes and requirement text — and imports it into engagement A
(checking that every generated name is stored exactly). Then, for .xlsx and the CSV .zip in turn, it exports
A, imports that file into a new empty engagement B, exports B and counts the cells that differ between the
two exports (the fields the format carries), printing the differences and the time each step took.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_workbook import build_app  # noqa: E402  (the same temporary app as the import bench)

AWKWARD = ["Acme; Retail", "Pipe | Co", "-dash", "=SUM(A1)", "+plus", "@at", "'quoted", 'Say "hi"', "日本語",
           "Shop 🛒", "نظام عربي", "Back\\slash", "A -> B", "[br]", "Comma, Inc", "Tab\there"]
NAME_SPECIALS = "\\;,|[]>→"


def _name(rng: random.Random, n: int, prefix: str) -> str:
    """A unique awkward name; one in ten is 150 characters long."""
    text = f"{rng.choice(AWKWARD)} {prefix} {n}"
    if n % 10 == 0:
        text = (text + " " + "長い名前 long name " * 12)[:149] + "Z"
    return text.replace("\t", " ")


def workbook(rng: random.Random, n_systems: int, n_flows: int, n_reqs: int) -> tuple[dict, bytes]:
    """The generated tables and the XLSX written from them (lists escaped as the export escapes them)."""
    from exports.workbook import write_xlsx
    from exports.workbook.lists import escape, join_list
    from models.vocab import FLOW_PATTERNS, PRIORITIES, SYSTEM_CATEGORIES

    entities = [_name(rng, n, "entity") for n in range(1, 12)]
    systems = [_name(rng, n, "system") for n in range(n_systems)]
    tables = {
        "entities": [{"name": e, "description": "line 1\nline 2; =x"} for e in entities],
        "scenarios": [{"name": "Current state", "baseline": "yes"}, {"name": "Target; phase 2"}],
        "systems": [
            {"name": s, "category": rng.choice(list(SYSTEM_CATEGORIES.values())), "vendor": rng.choice(AWKWARD),
             "scenarios": join_list(["Current state", "Target; phase 2"]), "tags": join_list(["a;b", "-c"]),
             "notes": f"{rng.choice(AWKWARD)}\nsecond line"}
            for s in systems
        ],
        "flows": [],
        "requirements": [],
    }
    for _ in range(n_flows):
        source, target = rng.sample(systems, 2)
        tables["flows"].append({
            "source": source, "target": target, "entities": join_list(rng.sample(entities, rng.randint(1, 3))),
            "pattern": rng.choice(list(FLOW_PATTERNS.values())), "notes": "multi\nline",
        })
    for n in range(n_reqs):
        tables["requirements"].append({
            "ref": f"REQ-{n + 1}", "title": _name(rng, n, "requirement"), "text": "Needs\nnewlines; and | pipes",
            "priority": rng.choice(list(PRIORITIES.values())),
            "satisfied_by": "; ".join(escape(s, NAME_SPECIALS) for s in rng.sample(systems, 2)),
            "refines": f"REQ-{n}" if n else None,
        })
    return tables, write_xlsx(tables)


def _differences(first: dict, second: dict) -> int:
    count = 0
    for sheet in first.keys() | second.keys():
        a, b = first.get(sheet, []), second.get(sheet, [])
        for row_a, row_b in zip(a, b, strict=False):
            count += sum(x != y for x, y in zip(row_a, row_b, strict=False)) + abs(len(row_a) - len(row_b))
        count += sum(len(r) for r in (a[len(b):] or b[len(a):]))
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--systems", type=int, default=200)
    parser.add_argument("--flows", type=int, default=1_000)
    parser.add_argument("--requirements", type=int, default=500)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from sqlalchemy import select

        from app.extensions import db
        from app.services.engagements import create_engagement
        from app.services.workbook.export import export_workbook
        from app.services.workbook.importer import import_workbook
        from exports.workbook import read_cells
        from models import Base, Requirement, System

        tables, data = workbook(random.Random(args.seed), args.systems, args.flows, args.requirements)
        with app.app_context():
            Base.metadata.create_all(db.engine)
            source = create_engagement(db.session, "Awkward source", seed=False)
            t0 = time.perf_counter()
            report = import_workbook(db.session, source, data, dry_run=False)
            print(f"generated workbook: {args.systems} systems, {args.flows} flows, {args.requirements} requirements "
                  f"-> import {time.perf_counter() - t0:.1f} s ({report.summary()})")
            if not report.ok:
                print("not met: the generated workbook did not import:", *map(str, report.errors[:5]), sep="\n  ")
                return 1
            stored = set(db.session.scalars(select(System.name).where(System.engagement_id == source.id)))
            stored |= set(db.session.scalars(select(Requirement.name).where(Requirement.engagement_id == source.id)))
            wanted = {r["name"] for r in tables["systems"]} | {r["title"] for r in tables["requirements"]}
            print(f"names stored other than generated: {len(wanted - stored)}")
            failed |= bool(wanted - stored)
            for fmt in ("xlsx", "zip"):
                t0 = time.perf_counter()
                first = export_workbook(db.session, source, fmt)
                t1 = time.perf_counter()
                copy = create_engagement(db.session, f"Copy {fmt}", seed=False)
                report = import_workbook(db.session, copy, first, dry_run=False)
                t2 = time.perf_counter()
                second = export_workbook(db.session, copy, fmt)
                t3 = time.perf_counter()
                diff = _differences(read_cells(first), read_cells(second)) if report.ok else -1
                print(f"workbook .{fmt}: export {t1 - t0:.1f} s, import {t2 - t1:.1f} s, export {t3 - t2:.1f} s; "
                      f"cells differing after the round trip: {diff}"
                      + ("" if report.ok else f" (not met: import failed: {report.errors[0]})"))
                failed |= diff != 0
    if failed:
        print("not met: the round trip is not exact (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
