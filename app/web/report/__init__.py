"""The client PDF report: choose scenario, sections and engine runs; preview as HTML; make the PDF in the
background with progress; download it (members of the engagement only)."""

from __future__ import annotations

from flask import Response, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.jobs import init_jobs, jobs
from app.services import reports as svc
from app.services import transactions
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import list_scenarios
from app.web.render import render, wants_fragment
from app.web.tenancy import engagement_blueprint
from exports.report import SECTIONS, render_html, report_css

bp = engagement_blueprint("report", __name__)
bp.record_once(lambda state: init_jobs(state.app))


def _runs():
    try:
        from app.services.reports.engines import available_runs
    except ImportError:
        return []
    return available_runs(db.session, g.engagement)


def _options_from(values) -> svc.ReportOptions:
    sections = values.getlist("sections") if "sections" in values or values.get("chosen") else None
    return svc.parse_options(values.get("scenario"), values.get("compare"), sections, values.getlist("runs"))


def _index(errors: dict | None = None, status: int = 200, chosen: svc.ReportOptions | None = None):
    return render(
        "report/index.html", scenarios=list_scenarios(db.session, g.engagement.id), sections=SECTIONS,
        runs=_runs(), jobs=svc.list_jobs(db.session, g.engagement.id), errors=errors or {},
        chosen=chosen or svc.ReportOptions(), status=status,
    )


@bp.route("/report")
def index():
    """The report form (scenario, compare-with, sections, engine runs) and the latest PDFs."""
    return _index()


@bp.route("/report/preview")
def preview():
    """The report as HTML in the browser, styled by its own stylesheet (no inline styles: the CSP holds)."""
    try:
        options = _options_from(request.args)
        report = svc.build_input(db.session, g.engagement, options, prepared_by=current_user.name)
    except ValidationError as exc:
        return _index(exc.errors, 422)
    except NotFound as exc:
        return _index({"scenario": str(exc)}, 422)
    return render_html(report, stylesheet_href=url_for("report.stylesheet")), 200, {
        "Content-Type": "text/html; charset=utf-8"}


@bp.route("/report/report.css")
def stylesheet():
    """The report stylesheet with this engagement's colours."""
    return Response(report_css(branding=svc.branding_of(db.session, g.engagement)), mimetype="text/css")


@bp.route("/report/jobs", methods=["POST"])
def start():
    """Start making the PDF on the worker pool (in the request when REPORT_INLINE is set, as in tests)."""
    try:
        options = _options_from(request.form)
        job = svc.start_job(db.session, g.engagement, options, user=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _index(exc.errors, 422)
    except NotFound as exc:
        transactions.discard(db.session)
        return _index({"scenario": str(exc)}, 422)
    if current_app.config["REPORT_INLINE"]:
        svc.execute_job(db.session, job.id)
    else:
        jobs(current_app).submit(f"report-{job.id}", svc.execute_job, job.id)
    target = url_for("report.job", job_id=job.id)
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, 303)


def _job_or_404(job_id: int):
    try:
        return svc.get_job(db.session, g.engagement.id, job_id)
    except NotFound:
        abort(404)


@bp.route("/report/jobs/<int:job_id>")
def job(job_id: int):
    """A job's page; htmx polls the same URL for the status fragment until the PDF is ready."""
    found = _job_or_404(job_id)
    headers = {"HX-Refresh": "true"} if found.finished and wants_fragment() else {}
    body, status = render("report/job.html", "report/_status.html", job=found)
    return body, status, headers


@bp.route("/report/jobs/<int:job_id>/pdf")
def download(job_id: int):
    """The finished PDF as a download (404 until it is done)."""
    found = _job_or_404(job_id)
    if found.status != "done" or not found.pdf:
        abort(404)
    name = svc.file_name(g.engagement, found)
    return Response(found.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

