"""Captured datasets: upload with column mapping, validation report, versions, preview and profile."""

from __future__ import annotations

from flask import Response, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog import elements as elements
from app.services.datasets import uploads as datasets
from app.services.datasets.files import DEFAULT_MAX_BYTES
from app.services.datasets.kinds import KINDS, template_csv
from app.services.datasets.validation import DatasetRejected
from app.services.errors import NotFound, ValidationError
from app.web.pending_uploads import PendingUploads
from app.web.render import render, wants_fragment
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("datasets", __name__)
PAGE = 50
pending = PendingUploads("dataset-uploads")


def _systems():
    return elements.list_elements(db.session, g.engagement.id, "system")


def _form_page(status: int = 200, **context):
    context.setdefault("form", {})
    return render(
        "datasets/list.html", "datasets/_upload.html", status=status,
        datasets=datasets.list_datasets(db.session, g.engagement.id), systems=_systems(), kinds=KINDS, **context
    )


@bp.route("/datasets")
def dataset_list():
    """Every dataset with its latest version, the upload form and the templates."""
    return _form_page()


@bp.route("/datasets/template")
def template():
    """A kind's CSV template (header and one example row)."""
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        abort(404)
    return Response(template_csv(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'})


@bp.route("/datasets/upload", methods=["POST"])
def upload():
    """Validate and store an upload; a missing column asks for a mapping, a bad row shows the report (422)."""
    form = {k: request.form.get(k, "") for k in ("kind", "system_id", "name", "token")}
    token = form["token"]
    if token:
        kept = pending.load(token, g.engagement.id, current_user.id)
        if kept is None:
            return _form_page(422, form=form, errors={"file": ["The upload expired; choose the file again."]})
        data, filename = kept.data, kept.filename or ""
    else:
        file = request.files.get("file")
        if file is None or not file.filename:
            return _form_page(422, form=form, errors={"file": ["Choose a CSV or XLSX file."]})
        data, filename = file.read(), file.filename
    kind = KINDS.get(form["kind"])
    mapping = {request.form[f"map-{c.name}"]: c.name for c in (kind.columns if kind else ())
               if request.form.get(f"map-{c.name}")}
    max_bytes = int(current_app.config.get("DATASET_MAX_BYTES", DEFAULT_MAX_BYTES))
    try:
        result = datasets.upload_dataset(
            db.session, g.engagement, form["kind"], data, filename,
            system=form["system_id"] or None, name=form["name"] or None, mapping=mapping or None,
            user=current_user, max_bytes=max_bytes,
        )
    except DatasetRejected as exc:
        transactions.discard(db.session)
        report = exc.report
        if report.missing or (mapping and any(p.row == 1 for p in report.problems)):
            token = token or pending.store(data, g.engagement.id, current_user.id, filename)
            form["token"] = token
            return _form_page(422, form=form, mapping_report=report, filename=filename)
        if token:
            pending.discard(token)
        return _form_page(422, form=form, report=report, filename=filename)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _form_page(422, form=form, errors=exc.errors)
    if token:
        pending.discard(token)
    target = url_for("datasets.version_detail", version_id=result.version.id)
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.route("/datasets/<int:dataset_id>")
def dataset_detail(dataset_id: int):
    """A dataset's versions, newest first."""
    try:
        dataset = datasets.get_dataset(db.session, g.engagement.id, dataset_id)
    except NotFound:
        abort(404)
    return render("datasets/detail.html", dataset=dataset, versions=list(reversed(dataset.versions)))


@bp.route("/datasets/versions/<int:version_id>")
def version_detail(version_id: int):
    """One version: counts, date range, profiling findings and a page of rows."""
    try:
        version = datasets.get_version(db.session, g.engagement.id, version_id)
    except NotFound:
        abort(404)
    offset = max(request.args.get("offset", type=int) or 0, 0)
    frame = datasets.load_frame(db.session, version)
    columns, rows = datasets.preview(frame, PAGE, offset)
    return render("datasets/version.html", "datasets/_rows.html", version=version, columns=columns, rows=rows,
                  offset=offset, page_size=PAGE, kind=KINDS[version.dataset.kind])
