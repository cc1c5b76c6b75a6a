"""Long work only reads while it works: while a PDF is made or an engine runs, it holds no write lock, so an
editor's save on SQLite does not wait for it; progress is still written (in short transactions of its own)."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select

from app.services.analysis.scenario import find_scenario
from app.services.engines import runs as engine_runs
from app.services.reports import jobs
from app.services.reports.options import ReportOptions
from models import Engagement
from models.engines import EngineRun
from models.report import ReportJob
from tests.support.datasets import load_small_network


def _an_editor_saves(path: str, engagement_id: int, table: str) -> float:
    """Save as another connection that gives up after 0.2 s; return the progress the work has written so far."""
    other = sqlite3.connect(path, timeout=0.2)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE engagements SET client = 'Saved meanwhile' WHERE id = ?", (engagement_id,))
        other.commit()
        return other.execute(f"SELECT progress FROM {table} ORDER BY id DESC LIMIT 1").fetchone()[0]  # noqa: S608
    finally:
        other.close()


def test_an_editor_can_save_while_a_report_is_being_made(session, engagement, user, db_backend, db_url,
                                                          monkeypatch):
    if db_backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    path = db_url.removeprefix("sqlite:///")
    seen = {}

    def slow_pdf(s, eng, options, *, prepared_by, progress, timeout):
        time.sleep(0.35)
        progress(0.5)
        seen["progress"] = _an_editor_saves(path, eng.id, "report_jobs")
        s.execute(select(Engagement.id)).all()  # the report goes on reading after the save
        return b"%PDF-1.7 made"

    monkeypatch.setattr(jobs, "make_pdf", slow_pdf)
    job = jobs.start_job(session, engagement, ReportOptions.from_json({}), user=user)
    done = jobs.execute_job(session, job.id)

    assert done.status == "done" and done.pdf == b"%PDF-1.7 made" and done.progress == 1.0
    assert seen["progress"] == 0.5
    session.expire_all()
    assert session.get(Engagement, engagement.id).client == "Saved meanwhile"
    assert session.get(ReportJob, job.id).status == "done"


def test_an_editor_can_save_while_an_engine_run_computes(session, engagement, db_backend, db_url, monkeypatch):
    if db_backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    load_small_network(session, engagement)
    path = db_url.removeprefix("sqlite:///")
    real_atp, seen = engine_runs.network_atp, {}

    def slow_atp(*args, **kwargs):
        seen["progress"] = _an_editor_saves(path, engagement.id, "engine_runs")
        return real_atp(*args, **kwargs)

    monkeypatch.setattr(engine_runs, "network_atp", slow_atp)
    run = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "atp")
    done = engine_runs.execute_run(session, run.id)

    assert done.status == "done" and done.progress == 1.0 and done.metrics["pool_units"] > 0
    assert seen["progress"] == 0.0
    session.expire_all()
    assert session.get(Engagement, engagement.id).client == "Saved meanwhile"
    assert session.get(EngineRun, run.id).finished_at is not None


def test_a_failing_run_is_still_recorded_as_failed_with_its_error(session, engagement, monkeypatch):
    load_small_network(session, engagement)

    def broken(*_args, **_kwargs):
        raise ValueError("stock table upside down")

    monkeypatch.setattr(engine_runs, "network_atp", broken)
    run = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "atp")
    done = engine_runs.execute_run(session, run.id)
    assert done.status == "failed" and "stock table upside down" in done.error and done.finished_at is not None
