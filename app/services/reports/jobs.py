"""Report jobs: record the options of a report in `report_jobs`, make its PDF (in the background from the web),
and find, list and name the finished ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.analysis import scenario as svc
from app.services.errors import NotFound, ValidationError
from app.services.reports.build import PDF_TIMEOUT, make_pdf, selected_engine_results
from app.services.reports.options import ReportOptions
from app.services.work import is_stale, progress_writer, read_only_work, reap_stale
from exports.report import ReportError
from models import Engagement, User
from models.base import utcnow
from models.report import ReportJob


def start_job(session: Session, engagement: Engagement, options: ReportOptions, *,
              user: User | None = None) -> ReportJob:
    """Record a queued job after checking the options resolve (scenarios, runs)."""
    svc.find_scenario(session, engagement, options.scenario)
    if options.compare is not None:
        svc.find_scenario(session, engagement, options.compare)
    if options.runs:
        # NotFound / ValidationError for runs that cannot be shown
        selected_engine_results(session, engagement, options.runs)
    job = ReportJob(engagement_id=engagement.id, created_by_id=user.id if user is not None else None,
                    status="queued", progress=0.0, options=options.to_json())
    session.add(job)
    session.commit()
    return job


def execute_job(session: Session, job_id: int, *, timeout: float = PDF_TIMEOUT) -> ReportJob:
    """Make a queued job's PDF (status done), or record why it failed; progress is committed as it goes."""
    job = session.get(ReportJob, job_id)
    if job is None:
        raise NotFound(f"No report job {job_id}.")
    job.status, job.progress = "running", 0.02
    progress = progress_writer(session, job, every=0.3, apart=True)
    # Making the PDF only reads, for seconds: on SQLite a read-only transaction holds no write lock, so the
    # editors' saves do not queue behind it. The result is written in a short transaction of its own.
    read_only_work(session)

    try:
        engagement = session.get(Engagement, job.engagement_id)
        user = session.get(User, job.created_by_id) if job.created_by_id else None
        pdf = make_pdf(session, engagement, ReportOptions.from_json(job.options or {}),
                       prepared_by=user.name if user else "", progress=progress, timeout=timeout)
        session.commit()  # ends the read; nothing was changed in it
        job = session.get(ReportJob, job_id)
        job.pdf, job.status, job.progress = pdf, "done", 1.0
    except (ReportError, ValidationError, NotFound) as exc:
        session.rollback()
        job = session.get(ReportJob, job_id)
        job.status, job.error = "failed", _message(exc)
    except Exception as exc:  # recorded, not lost: the page says what went wrong
        session.rollback()
        job = session.get(ReportJob, job_id)
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    job.finished_at = utcnow()
    session.commit()
    return job


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(" ".join(v) for v in exc.errors.values())[:2000]
    return str(exc)[:2000]


def get_job(session: Session, engagement_id: int, job_id: int) -> ReportJob:
    """One job of the engagement, or NotFound."""
    job = session.scalar(select(ReportJob).where(ReportJob.id == job_id, ReportJob.engagement_id == engagement_id))
    if job is None:
        raise NotFound("No such report in this engagement.")
    if is_stale(job):
        reap_stale(session, engagement_id)
    return job


def list_jobs(session: Session, engagement_id: int, limit: int = 10) -> list[ReportJob]:
    """The latest jobs, newest first (without loading their PDFs; interrupted ones marked failed first)."""
    from sqlalchemy.orm import defer

    reap_stale(session, engagement_id)
    return list(session.scalars(select(ReportJob).where(ReportJob.engagement_id == engagement_id)
                                .options(defer(ReportJob.pdf)).order_by(ReportJob.id.desc()).limit(limit)))


def file_name(engagement: Engagement, job: ReportJob | None = None) -> str:
    """An ASCII download name such as `northwind-living-report-12.pdf`."""
    import re

    stem = re.sub(r"[^a-z0-9]+", "-", engagement.name.lower()).strip("-")[:60].rstrip("-") or "engagement"
    return f"{stem}-report{'-' + str(job.id) if job else ''}.pdf"
