"""The spreadsheet workbook: upload (dry run, then apply), export as XLSX or CSV ZIP, the empty template."""

from __future__ import annotations

from pathlib import PurePath

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services.workbook.export import FORMATS, export_workbook, filename_for, template_workbook
from app.services.workbook.importer import import_workbook
from app.web.pending_uploads import PendingUploads
from app.web.tenancy import engagement_blueprint
from exports.workbook import MAX_FILE_BYTES

bp = engagement_blueprint("workbook", __name__)
uploads = PendingUploads("workbook-uploads")


@bp.route("/workbook")
def page():
    """Upload form (writers), template and export downloads (everyone)."""
    return render_template("workbook/page.html")


@bp.route("/workbook/dry-run", methods=["POST"])
def dry_run():
    """Check an uploaded workbook and show what importing it would change; keep it for the apply step."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("workbook/page.html", upload_error="Choose a workbook file to upload."), 400
    filename = PurePath(upload.filename.replace("\\", "/")).name[:200] or None
    data = upload.read(MAX_FILE_BYTES + 1)
    report = import_workbook(db.session, g.engagement, data, filename=filename, user_id=current_user.id, dry_run=True)
    token = uploads.store(data, g.engagement.id, current_user.id, filename) if report.ok else None
    return render_template("workbook/report.html", report=report, token=token), 200 if report.ok else 422


@bp.route("/workbook/apply", methods=["POST"])
def apply():
    """Import the workbook checked in the dry run, all or nothing; then back to the dashboard."""
    pending = uploads.load(request.form.get("token", ""), g.engagement.id, current_user.id)
    if pending is None:
        message = "That upload has expired or was already imported: upload the workbook again."
        return render_template("workbook/page.html", upload_error=message), 400
    report = import_workbook(
        db.session, g.engagement, pending.data, filename=pending.filename, user_id=current_user.id, dry_run=False
    )
    uploads.discard(pending.token)
    if not report.ok:
        return render_template("workbook/report.html", report=report, token=None), 422
    name = f" “{pending.filename}”" if pending.filename else ""
    flash(f"Workbook{name} imported: {report.summary()}.")
    return redirect(url_for("engagement.dashboard"))


@bp.route("/workbook/export.xlsx")
def export_xlsx():
    """The whole engagement as an XLSX workbook."""
    return _download(export_workbook(db.session, g.engagement, "xlsx"), filename_for(g.engagement, "xlsx"), "xlsx")


@bp.route("/workbook/export.zip")
def export_zip():
    """The whole engagement as a ZIP of CSV files."""
    return _download(export_workbook(db.session, g.engagement, "zip"), filename_for(g.engagement, "zip"), "zip")


@bp.route("/workbook/template.xlsx")
def template():
    """The empty workbook template with its Instructions sheet."""
    return _download(template_workbook(), "throughline-workbook-template.xlsx", "xlsx")


def _download(body: bytes, filename: str, fmt: str) -> Response:
    return Response(body, mimetype=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})
