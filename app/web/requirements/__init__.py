"""Requirements area: requirements and the trace links that start from requirements or decisions."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog import trace as trace
from app.services.catalog.elements import get_element
from app.services.catalog.fields import KINDS
from app.services.errors import ValidationError
from app.web.crud import endpoint, link_candidates, link_options_for, register_element_routes
from app.web.signoffs import register_signoff_routes
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("requirements", __name__)
register_element_routes(bp, "requirement")
register_signoff_routes(bp, "requirement")


@bp.route("/links", methods=["POST"])
def link_add():
    """Add a trace link from any detail page, in either direction ("out:kind" or "in:kind")."""
    here_id = _int(request.form.get("element_id")) or 0
    here_kind = request.form.get("element_kind", "requirement")
    direction, _, kind = (request.form.get("kind") or "").partition(":")
    other_id = _int(request.form.get("other_id")) or 0
    source_id, target_id = (here_id, other_id) if direction == "out" else (other_id, here_id)
    try:
        trace.add_link(db.session, g.engagement, kind, source_id, target_id, user_id=current_user.id)
        flash("Link added.")
    except ValidationError as exc:
        transactions.discard(db.session)
        flash("Link not added: " + "; ".join(m for ms in exc.errors.values() for m in ms), "error")
    return _back(here_kind, here_id)


@bp.route("/links/candidates")
def link_candidates_view():
    """Options for the link form's element picker, filtered as the person types."""
    kind = request.args.get("element_kind", "")
    if kind not in KINDS:
        return "", 400
    element = get_element(db.session, g.engagement.id, kind, _int(request.args.get("element_id")) or 0)
    wanted = request.args.get("kind", "")
    options = [o for o in link_options_for(kind) if o[0] == wanted] or link_options_for(kind)
    q = (request.args.get("q") or "").strip()[:200]
    return render_template("elements/_link_options.html", candidates=link_candidates(element, options, q))


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
def link_delete(link_id: int):
    """Remove a trace link."""
    trace.remove_link(db.session, g.engagement, link_id, user_id=current_user.id)
    flash("Link removed.")
    return _back(request.form.get("element_kind", "requirement"), _int(request.form.get("element_id")))


def _back(kind: str, element_id: int | None):
    if kind not in ("requirement", "decision", "system", "flow") or not element_id:
        return redirect(url_for("requirements.requirement_list"))
    return redirect(url_for(endpoint(kind, "detail"), element_id=element_id))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
