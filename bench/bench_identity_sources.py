"""One customers dataset per source system, and exact exports: what a new user's three uploads give.

Run from the repository root:  .venv/bin/python bench/bench_identity_sources.py [--people 2200] [--seed 11]

Generates (app.engines.identity_synth) customer extracts of three systems whose names hold ":", "|", ";" and a
leading "=" or "+", with record ids holding ":" and "|", uploads each through the upload service WITHOUT a
dataset name into a temporary SQLite database, runs identity resolution once, and prints:
- the customers datasets the three uploads created (target: 3, one per system, each named after it);
- records uploaded vs records the run read (target: equal);
- record -> customer XLSX export read back with openpyxl: rows whose (system, source_record_id) are exactly
  the uploaded ones (target: all), phone cells with a literal leading apostrophe (target: 0), golden birth
  dates that are date cells (target: every golden birth date the engine could parse);
- the run's wall time (for information: no target here).
The script exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYSTEMS = ("Web:Shop EU", "=POS | loyalty", "+CRM; service")
COLUMNS = ("source_record_id", "first_name", "last_name", "email", "phone", "birth_date", "street", "house_number",
           "city", "postal_code", "country", "loyalty_id", "created_at", "updated_at")


def extract_csv(records: list[dict]) -> bytes:
    """The records of one system as the CSV a client would send."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))
    from openpyxl import load_workbook

    from app import create_app
    from app.engines.identity_synth import extracts
    from app.extensions import db
    from app.services.analysis.scenario import find_scenario
    from app.services.catalog.elements import save_element
    from app.services.datasets.uploads import list_datasets, upload_dataset
    from app.services.engagements import create_engagement
    from app.services.engines import identity, identity_exports

    records = extracts(args.people, systems=SYSTEMS, seed=args.seed)
    for n, r in enumerate(records):
        r["source_record_id"] = f"id:{r['source_record_id']}|{n}"
    expected = {(r["system"], r["source_record_id"]) for r in records}
    ok = True
    folder = tempfile.mkdtemp(prefix="throughline-bench-sources-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        engagement = create_engagement(db.session, "Bench")
        for name in SYSTEMS:
            system = save_element(db.session, engagement, "system", {"name": name, "category": "crm"})
            upload_dataset(db.session, engagement, "customers",
                           extract_csv([r for r in records if r["system"] == name]), "extract.csv", system=system)
        datasets = [(d.name, d.system.name) for d in list_datasets(db.session, engagement.id)]
        met = len(datasets) == len(SYSTEMS) and all(a == b for a, b in datasets)
        ok &= met
        print(f"customers datasets from {len(SYSTEMS)} uploads without a name: {len(datasets)} "
              f"({'; '.join(n for n, _ in datasets)}) — target 3, one per system: {'met' if met else 'not met'}")
        start = time.perf_counter()
        run = identity.run_identity(db.session, engagement, find_scenario(db.session, engagement))
        elapsed = time.perf_counter() - start
        read = run.metrics["records"]
        met = read == len(records)
        ok &= met
        print(f"records uploaded {len(records):,}, read by the run {read:,} — target equal: "
              f"{'met' if met else 'not met'}; real customers {run.metrics['real_customers']:,} "
              f"(people generated {args.people:,}); run wall time {elapsed:.1f} s")
        sheet = load_workbook(io.BytesIO(identity_exports.export_xlsx(run, db.session, "records"))).active
        heads = [c.value for c in sheet[1]]
        rows = [dict(zip(heads, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
        exact = sum(1 for r in rows if (r["system"].value, r["source_record_id"].value) in expected)
        quoted = sum(1 for r in rows if str(r["golden_phone"].value or "").startswith("'"))
        met = exact == len(rows) == len(records) and quoted == 0
        ok &= met
        print(f"record export (XLSX read back): {exact:,} of {len(rows):,} rows with the exact system and record id, "
              f"{quoted:,} phone cells with a leading apostrophe — target all and 0: {'met' if met else 'not met'}")
        golden = load_workbook(io.BytesIO(identity_exports.export_xlsx(run, db.session, "golden"))).active
        column = [c.value for c in golden[1]].index("birth_date")
        cells = [row[column] for row in golden.iter_rows(min_row=2) if row[column].value is not None]
        dates = sum(1 for c in cells if c.is_date)
        met = dates == len(cells)
        ok &= met
        print(f"golden birth dates as date cells: {dates:,} of {len(cells):,} — target all: "
              f"{'met' if met else 'not met'}")
        db.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
