"""SQLite under a workshop's load: many writers at once queue on the busy timeout and never see "database is locked".

SQLite only, on an app of its own (a file database, so WAL applies), independent of the dual-backend fixtures.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.database import DEFERRED
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from models import Base, Change, Engagement, Requirement, System

BUSY_TIMEOUT_MS = 20_000
THREADS = 8
ROUNDS = 25


@pytest.fixture
def engine(tmp_path):
    from app import create_app
    from app.extensions import db

    flask_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workshop.sqlite'}",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "SQLITE_BUSY_TIMEOUT_MS": BUSY_TIMEOUT_MS,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with flask_app.app_context():
        eng = db.engine
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


def test_every_connection_gets_wal_foreign_keys_and_the_configured_busy_timeout(engine):
    # Three distinct pooled connections open at once; deferred, so none holds the write lock while reading.
    readers = engine.execution_options(**{DEFERRED: True})
    connections = [readers.connect() for _ in range(3)]
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        for conn in connections:
            conn.close()


def test_transactions_begin_immediate_unless_asked_to_be_deferred(engine):
    begins: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _spy(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    try:
        with Session(engine) as s:
            s.scalar(select(func.count()).select_from(Engagement))
            s.commit()
        with Session(engine.execution_options(**{DEFERRED: True})) as s:
            s.scalar(select(func.count()).select_from(Engagement))
            s.commit()
    finally:
        event.remove(engine, "before_cursor_execute", _spy)
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_a_second_writer_waits_for_the_first_instead_of_failing(engine):
    with Session(engine) as setup:
        eid = create_engagement(setup, "Queue").id
    first = Session(engine)
    first.get(Engagement, eid).client = "first"  # BEGIN IMMEDIATE: holds the write lock from here
    first.flush()
    done = threading.Event()
    failure: list[BaseException] = []

    def second_writer():
        try:
            with Session(engine) as s:
                s.get(Engagement, eid).description = "second"
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failure.append(exc)
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not done.wait(0.5), "the second writer should be queued on the busy timeout"
    first.commit()
    first.close()
    thread.join(timeout=BUSY_TIMEOUT_MS / 1000)
    assert failure == []
    with Session(engine) as s:
        row = s.get(Engagement, eid)
        assert (row.client, row.description) == ("first", "second")


def test_eight_writers_at_once_never_lock_lose_an_update_or_duplicate_a_ref(engine):
    with Session(engine) as setup:
        eng = create_engagement(setup, "Workshop day")
        eid = eng.id
        shared_id = save_element(setup, eng, "system", {"name": "OMS", "category": "oms"}).id
        own_ids = [
            save_element(setup, eng, "system", {"name": f"Store POS {n}", "category": "pos"}).id
            for n in range(THREADS)
        ]

    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    done = Counter()

    def consultant(n: int) -> None:
        try:
            with Session(engine) as s:  # default options: every transaction is BEGIN IMMEDIATE
                barrier.wait(timeout=30)
                for i in range(ROUNDS):
                    engagement = s.get(Engagement, eid)
                    # reads the engagement's counter, then inserts the requirement and its change
                    save_element(s, engagement, "requirement", {"title": f"Need {n}.{i}"}, user_id=None)
                    # read-modify-write on a system every thread edits, and on one of its own
                    shared = s.get(System, shared_id)
                    save_element(s, engagement, "system", {"notes": f"{shared.notes}|{n}.{i}"}, shared, partial=True)
                    mine = s.get(System, own_ids[n])
                    save_element(s, engagement, "system", {"vendor": f"v{i}"}, mine, partial=True)
                    done[n] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=consultant, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started

    assert [repr(e) for e in errors] == []
    assert sum(done.values()) == THREADS * ROUNDS
    assert elapsed < 60
    total = THREADS * ROUNDS
    with Session(engine) as s:
        refs = s.scalars(select(Requirement.ref).where(Requirement.engagement_id == eid)).all()
        assert len(refs) == total
        assert sorted(int(r.removeprefix("REQ-")) for r in refs) == list(range(1, total + 1))
        assert s.get(Engagement, eid).next_requirement_number == total + 1
        shared = s.get(System, shared_id)
        # Every one of the 200 read-modify-writes landed: nothing was lost between the read and the write.
        assert shared.version == 1 + total
        assert sorted(shared.notes.split("|")[1:]) == sorted(f"{n}.{i}" for n in range(THREADS) for i in range(ROUNDS))
        assert [s.get(System, i).version for i in own_ids] == [1 + ROUNDS] * THREADS
        updates = s.scalar(select(func.count()).select_from(Change).where(Change.action == "update"))
        creates = s.scalar(
            select(func.count()).select_from(Change).where(Change.action == "create", Change.kind == "requirement")
        )
        assert (updates, creates) == (2 * total, total)
