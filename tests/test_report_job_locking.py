"""Making a report only reads: while the PDF is made, the job holds no write lock, so an editor's save on SQLite
does not wait for it; progress is still written (in short transactions of its own)."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select

from app.services.reports import jobs
from app.services.reports.options import ReportOptions
from models import Engagement
from models.report import ReportJob


def test_an_editor_can_save_while_a_report_is_being_made(session, engagement, user, db_backend, db_url,
                                                          monkeypatch):
    if db_backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    path = db_url.removeprefix("sqlite:///")
    seen = {}

    def slow_pdf(s, eng, options, *, prepared_by, progress, timeout):
        time.sleep(0.35)
        progress(0.5)
        other = sqlite3.connect(path, timeout=0.2)  # an editor who would give up after 0.2 s
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE engagements SET client = 'Saved meanwhile' WHERE id = ?", (eng.id,))
            other.commit()
            seen["progress"] = other.execute("SELECT progress FROM report_jobs").fetchone()[0]
        finally:
            other.close()
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
