"""Bundle export and import at 1,000 systems and 5,000 flows, on a throwaway SQLite database."""

from __future__ import annotations

import os
import random
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
        print(f"export: {exported:.2f} s, {len(queries)} queries, {size:.1f} MB")
        assert len(queries) <= MAX_EXPORT_QUERIES, "export issues a query per element again"
        started = time.perf_counter()
        import_bundle(db.session, document)
        print(f"import: {time.perf_counter() - started:.1f} s (every object through the services)")


if __name__ == "__main__":
    main()
