"""Requirements area: requirements and the trace links that start from requirements or decisions."""

from flask import flash, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import trace
from app.services.errors import ValidationError
from app.web.crud import endpoint, register_element_routes
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("requirements", __name__)
register_element_routes(bp, "requirement")


@bp.route("/links", methods=["POST"])
def link_add():
    """Add a trace link from a requirement or decision detail page."""
    source_id = _int(request.form.get("source_id"))
    source_kind = request.form.get("source_kind", "requirement")
    try:
        trace.add_link(
            db.session,
            g.engagement,
            request.form.get("kind", ""),
            source_id or 0,
            _int(request.form.get("target_id")) or 0,
            user_id=current_user.id,
        )
        flash("Link added.")
    except ValidationError as exc:
        db.session.rollback()
        flash("Link not added: " + "; ".join(m for ms in exc.errors.values() for m in ms), "error")
    return _back(source_kind, source_id)


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
def link_delete(link_id: int):
    """Remove a trace link."""
    trace.remove_link(db.session, g.engagement, link_id, user_id=current_user.id)
    flash("Link removed.")
    return _back(request.form.get("source_kind", "requirement"), _int(request.form.get("source_id")))


def _back(kind: str, element_id: int | None):
    if kind not in ("requirement", "decision", "system", "flow") or not element_id:
        return redirect(url_for("requirements.requirement_list"))
    return redirect(url_for(endpoint(kind, "detail"), element_id=element_id))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
