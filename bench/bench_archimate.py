"""ArchiMate exchange export of 1,000 systems / 5,000 flows, and import of archisurance.xml (docs/archimate.md).

Run: .venv/bin/python bench/bench_archimate.py [--reps 3] [--seed 7]
Builds the app on a throwaway SQLite file, bulk-inserts one engagement (1,000 systems, 5,000 flows of 1-3
entities, ownerships, 200 requirements with trace links to systems), then times `export_archimate` (database
to XML bytes, schema-valid; the view falls back to a grid layout at this size) and `import_archimate` of the
Archisurance model (120 elements, 178 relationships) into a new engagement. Median and max of the repetitions,
against the budgets of issue 8 (export < 5 s, import < 2 s).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))

from lxml import etree  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.engagements import create_engagement  # noqa: E402
from app.services.interchange.archimate_export import export_archimate  # noqa: E402
from app.services.interchange.archimate_import import import_archimate  # noqa: E402
from bench.timing import timed  # noqa: E402
from exports.archimate import schema_errors  # noqa: E402
from models import Base, DataEntity, DataFlow, Ownership, Requirement, Scenario, System, TraceLink  # noqa: E402

SYSTEMS, FLOWS, REQUIREMENTS = 1_000, 5_000, 200
EXPORT_BUDGET, IMPORT_BUDGET = 5.0, 2.0
ARCHISURANCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "archisurance.xml"


def build(session, seed: int):
    """One engagement at the issue's scale, inserted directly (this times the exporter, not the forms)."""
    rnd = random.Random(seed)
    engagement = create_engagement(session, "ArchiMate scale")
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id))
    entities = session.scalars(select(DataEntity).where(DataEntity.engagement_id == engagement.id)).all()
    categories = ["ecommerce", "oms", "erp", "pos", "wms", "crm", "ipaas", "custom"]
    systems = [
        System(engagement_id=engagement.id, name=f"System {i} & <Co>", name_key=f"system {i} & <co>",
               category=rnd.choice(categories), vendor="Vendor", scenarios=[baseline])
        for i in range(SYSTEMS)
    ]
    session.add_all(systems)
    for i in range(FLOWS):
        source, target = rnd.sample(systems, 2)
        session.add(DataFlow(
            engagement_id=engagement.id, name=f"F{i}", source=source, target=target,
            pattern=rnd.choice(["api", "event", "batch"]), frequency="every 5 min",
            latency_seconds=rnd.choice([None, 1.0, 300.0]), entities=rnd.sample(entities, rnd.randint(1, 3)),
            scenarios=[baseline],
        ))
    for i, system in enumerate(rnd.sample(systems, 300)):
        session.add(Ownership(engagement_id=engagement.id, name=f"O{i}", system=system,
                              entity=rnd.choice(entities), role=rnd.choice(["sor", "reads", "replica"]),
                              scenarios=[baseline]))
    session.flush()
    for n in range(1, REQUIREMENTS + 1):
        requirement = Requirement(engagement_id=engagement.id, name=f"Requirement {n}", ref=f"REQ-{n}", number=n)
        session.add(requirement)
        session.flush()
        session.add(TraceLink(engagement_id=engagement.id, kind="satisfied_by", source_id=requirement.id,
                              target_id=rnd.choice(systems).id))
    session.commit()
    return engagement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="throughline-bench-")) / "bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        engagement = build(db.session, args.seed)

        def export():
            db.session.expire_all()  # every repetition reads the database again
            return export_archimate(db.session, engagement)

        times, xml = timed(export, args.reps)
        valid = not schema_errors(etree.fromstring(xml).getroottree())
        print(f"export {SYSTEMS:,} systems / {FLOWS:,} flows: median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s (budget {EXPORT_BUDGET:g} s), {len(xml) / 1e6:.1f} MB, "
              f"valid against exchange.xsd: {valid}")
        raw = ARCHISURANCE.read_bytes()
        times, summary = timed(lambda: import_archimate(db.session, raw), args.reps)
        print(f"import archisurance.xml ({summary.elements} elements, {summary.relationships} relationships): "
              f"median {statistics.median(times):.2f} s, max {max(times):.2f} s (budget {IMPORT_BUDGET:g} s)")


if __name__ == "__main__":
    main()
