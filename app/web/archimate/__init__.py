"""ArchiMate exchange: download an engagement as exchange XML, import a file as a new engagement, and the
"Other elements" pages (generic elements kept from imported models, with their relationships)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.services import transactions
from app.services.catalog import browse as browse
from app.services.catalog import elements as element_svc
from app.services.catalog import trace as trace
from app.services.catalog.fields import KINDS
from app.services.catalog.history import users_by_id
from app.services.catalog.history_view import readable_diff
from app.services.errors import NotFound, ValidationError
from app.services.interchange import archimate_export as svc
from app.web.crud import link_candidates, link_options_for, register_element_routes
from app.web.render import render
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("archimate", __name__)
importer = Blueprint("archimate_import", __name__)

register_element_routes(bp, "generic")


class ImportForm(FlaskForm):
    """Upload of an ArchiMate exchange file."""

    file = FileField("ArchiMate exchange file (.xml)", validators=[FileRequired()])
    name = StringField(
        "Engagement name (optional; default: the model's name)", validators=[Optional(), Length(max=200)]
    )


@bp.route("/export/archimate")
def download():
    """The engagement as ArchiMate exchange XML: ?scenario=<id or name> (default current state) or all."""
    try:
        body = svc.export_archimate(db.session, g.engagement, request.args.get("scenario"))
    except NotFound as exc:
        return render_template("error.html", code=404, message=str(exc)), 404
    return Response(
        body,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{svc.filename_for(g.engagement)}"'},
    )


def generic_detail(element_id: int):
    """An other element's page: the usual fields, links and history, plus its ArchiMate relationships."""
    spec = KINDS["generic"]
    element = element_svc.get_element(db.session, g.engagement.id, "generic", element_id)
    options = link_options_for("generic")
    changes = element_svc.history_of(db.session, g.engagement.id, element.id)[:50]
    relationships = browse.archimate_relationships(db.session, g.engagement.id, element.id)
    return render(
        "archimate/detail.html",
        None,
        spec=spec,
        element=element,
        related={},
        links=trace.links_of(db.session, g.engagement.id, element.id),
        link_options=options,
        link_candidates=link_candidates(element, options),
        history=changes,
        users=users_by_id(db.session, changes),
        diff=readable_diff(db.session, changes),
        relationships=relationships,
    )


# The shared element routes render the generic detail page without relationships; this view replaces it.
bp.record(lambda state: state.app.view_functions.__setitem__("archimate.generic_detail", generic_detail))
# The import page is not engagement-scoped: it lives on its own blueprint, registered with this one.
bp.record_once(lambda state: state.app.register_blueprint(importer))


@importer.route("/engagements/import/archimate", methods=["GET", "POST"])
@login_required
def import_page():
    """Upload an ArchiMate exchange file; it becomes a new engagement owned by the current user."""
    form = ImportForm() if request.method == "POST" else ImportForm(formdata=None)
    errors: list[str] = []
    limit = current_app.config["ARCHIMATE_MAX_BYTES"]
    if request.method == "POST":
        if form.validate():
            raw = form.file.data.read(limit + 1)
            if len(raw) > limit:
                errors = [f"The file is larger than {limit // (1024 * 1024)} MB."]
            else:
                try:
                    summary = svc.import_archimate(db.session, raw, owner=current_user, name=form.name.data)
                except ValidationError as exc:
                    transactions.discard(db.session)
                    errors = [m for ms in exc.errors.values() for m in ms]
                else:
                    engagement = summary.engagement
                    flash(
                        f"Imported “{engagement.name}”: {summary.elements} elements and {summary.relationships} "
                        f"relationships ({sum(summary.generic_types.values())} kept as other elements), "
                        f"{summary.views} views."
                        + (f" {summary.one_line_names} names held line breaks and were joined into one line."
                           if summary.one_line_names else "")
                    )
                    return redirect(url_for("engagement.dashboard", eid=engagement.id))
        else:
            errors = [m for ms in form.errors.values() for m in ms]
    status = 422 if errors else 200
    return render_template("archimate/import.html", form=form, import_errors=errors, limit=limit), status
