"""Long work interrupted by a restart is marked failed with the reason, not left "running" for ever."""

from __future__ import annotations

from datetime import timedelta

from app.services.analysis.scenario import find_scenario
from app.services.engines import runs as engine_runs
from app.services.work import STALE_AFTER, progress_writer, reap_stale
from models import EngineRun, ReportJob
from models.base import utcnow
from tests.support.datasets import load_small_network


def _queued_run(session, engagement, *, silent_for: timedelta) -> EngineRun:
    load_small_network(session, engagement)
    run = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "atp")
    run.status, run.started_at = "running", utcnow() - silent_for
    run.heartbeat_at = utcnow() - silent_for
    session.commit()
    return run


def test_a_run_whose_worker_went_silent_shows_as_failed_with_the_reason(browser, session, engagement):
    run = _queued_run(session, engagement, silent_for=STALE_AFTER + timedelta(minutes=1))
    page = browser.get(f"/e/{engagement.id}/atp/runs/{run.id}").get_data(as_text=True)
    session.refresh(run)
    assert run.status == "failed" and run.finished_at is not None
    assert "server was probably restarted" in run.error and "restarted" in page


def test_a_run_that_is_still_reporting_progress_is_left_running(session, engagement):
    _queued_run(session, engagement, silent_for=timedelta(seconds=30))
    assert reap_stale(session, engagement.id) == 0
    assert engine_runs.list_runs(session, engagement.id)[0].status == "running"


def test_a_report_job_that_never_started_is_failed_after_the_limit(session, engagement):
    job = ReportJob(engagement_id=engagement.id, status="queued", created_at=utcnow() - timedelta(hours=2))
    fresh = ReportJob(engagement_id=engagement.id, status="queued")
    done = ReportJob(engagement_id=engagement.id, status="done", created_at=utcnow() - timedelta(hours=2))
    session.add_all([job, fresh, done])
    session.commit()
    assert reap_stale(session, engagement.id) == 1
    assert (job.status, fresh.status, done.status) == ("failed", "queued", "done")


def test_an_interrupted_report_job_page_says_it_failed_and_why(browser, session, engagement):
    job = ReportJob(engagement_id=engagement.id, status="running", created_at=utcnow() - timedelta(hours=1),
                    heartbeat_at=utcnow() - timedelta(hours=1))
    session.add(job)
    session.commit()
    page = browser.get(f"/e/{engagement.id}/report/jobs/{job.id}").get_data(as_text=True)
    assert "restarted" in page
    session.refresh(job)
    assert job.status == "failed"


def test_queued_work_waiting_behind_other_runs_is_given_longer(session, engagement):
    waiting = ReportJob(engagement_id=engagement.id, status="queued", created_at=utcnow() - STALE_AFTER * 2)
    session.add(waiting)
    session.commit()
    assert reap_stale(session, engagement.id) == 0 and waiting.status == "queued"


def test_only_the_engagements_own_work_is_reaped(session, engagement, make_user):
    from app.services.engagements import create_engagement

    other = create_engagement(session, "Other", owner=make_user(email="o@example.com", name="O"))
    job = ReportJob(engagement_id=other.id, status="running", created_at=utcnow() - timedelta(hours=2))
    session.add(job)
    session.commit()
    assert reap_stale(session, engagement.id) == 0 and job.status == "running"


def test_progress_is_written_with_a_heartbeat_and_capped_below_done(session, engagement):
    run = _queued_run(session, engagement, silent_for=timedelta(hours=1))
    progress = progress_writer(session, run, every=0.0, start=0.1, span=0.5)
    progress(0.5)
    session.refresh(run)
    assert run.progress == 0.35
    assert utcnow() - run.heartbeat_at.replace(tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    progress(5.0)
    assert run.progress == 0.6
    progress_writer(session, run, every=0.0)(1.0)
    assert run.progress == 0.99
