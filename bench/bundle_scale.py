"""Bundle export and import at 1,000 systems and 5,000 flows, on a throwaway SQLite database.

Usage: python bench/bundle_scale.py [--repeat 3]

Prints each run's wall and CPU time beside the machine's load (os.getloadavg), the median, and whether the
import meets its target (< 5 s, issue 18); "not met" says why. The figure before the bulk import (33.8 s,
32.8 s of CPU) was measured with this bench at commit c2c43a5; docs/bundle-format.md keeps both.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))

from sqlalchemy import event, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.bundle.transfer import dumps_bundle, export_bundle, import_bundle  # noqa: E402
from app.services.engagements import create_engagement  # noqa: E402
from models import Base, DataEntity, DataFlow, Scenario, System, Tag  # noqa: E402

SYSTEMS, FLOWS = 1_000, 5_000
MAX_EXPORT_QUERIES = 100  # selectinload batches 500 ids per query: about 60 at this size
IMPORT_TARGET = 5.0  # seconds, issue 18


def build(session) -> object:
    """An engagement of SYSTEMS systems and FLOWS flows, inserted directly (this times the bundle, not forms)."""
    engagement = create_engagement(session, "Scale")
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id))
    entities = session.scalars(select(DataEntity).where(DataEntity.engagement_id == engagement.id)).all()
    systems = [
        System(
            engagement_id=engagement.id,
            name=f"S{i}",
            name_key=f"s{i}",
            category="custom",
            scenarios=[baseline],
            tag_rows=[Tag(tag="bench")],
        )
        for i in range(SYSTEMS)
    ]
    session.add_all(systems)
    rnd = random.Random(7)
    for i in range(FLOWS):
        source, target = rnd.sample(systems, 2)
        session.add(
            DataFlow(
                engagement_id=engagement.id,
                name=f"F{i}",
                source=source,
                target=target,
                pattern="api",
                entities=[rnd.choice(entities)],
                scenarios=[baseline],
            )
        )
    session.commit()
    return engagement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="imports to time (the median is judged)")
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="throughline-bench-")) / "bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        engagement = build(db.session)
        db.session.expire_all()
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *_: queries.append(1))
        started = time.perf_counter()
        document = export_bundle(db.session, engagement)
        exported = time.perf_counter() - started
        size = len(dumps_bundle(document)) / 1e6
        print(f"export: {exported:.2f} s, {len(queries)} queries, {size:.1f} MB (load {_load()})")
        assert len(queries) <= MAX_EXPORT_QUERIES, "export issues a query per element again"
        walls, cpus, loads = [], [], []
        for run in range(1, args.repeat + 1):
            db.session.expunge_all()  # each import starts from a session holding nothing, like a request
            started, cpu = time.perf_counter(), time.process_time()
            import_bundle(db.session, document)  # a new engagement each time (names may repeat)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            loads.append(os.getloadavg()[0])
            print(f"import {run}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU, {SYSTEMS} systems / {FLOWS} flows "
                  f"(load {_load()})")
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"import median: {wall:.2f} s wall, {cpu:.2f} s CPU (before the bulk import: 33.8 s, 32.8 s CPU)")
        print(_verdict(wall, cpu, max(loads)))


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _verdict(wall: float, cpu: float, load: float) -> str:
    if wall < IMPORT_TARGET:
        return f"import < {IMPORT_TARGET:.0f} s: met ({wall:.2f} s)"
    cores = os.cpu_count() or 1
    if cpu < IMPORT_TARGET and load > cores:
        why = (f"the import needed {cpu:.2f} s of CPU, but the machine's load ({load:.1f} on {cores} cores) "
               "left it less than a core")
    else:
        why = f"the import itself needs {cpu:.2f} s of CPU"
    return f"import < {IMPORT_TARGET:.0f} s: not met ({wall:.2f} s): {why}"


if __name__ == "__main__":
    main()
