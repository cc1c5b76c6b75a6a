"""History: the engagement's change log, undoing deletes and reverting objects to an earlier state."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog import history as svc
from app.services.catalog import history_view
from app.services.errors import Conflict, ValidationError
from app.web.crud import endpoint
from app.web.render import render, wants_fragment
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("history", __name__)


@bp.route("/history")
def engagement_history():
    """The engagement's changes, newest first, filtered and paged, with diffs that name things."""
    try:
        wanted = history_view.parse_filter(request.args)
    except ValidationError as exc:
        page = history_view.history_page(db.session, g.engagement.id, history_view.HistoryFilter())
        return render("history/page.html", "history/_changes.html", 422, log=page, changes=[], users={},
                      diff=page.diff, filter_errors=exc.errors, wanted=None)
    page = history_view.history_page(db.session, g.engagement.id, wanted)
    return render("history/page.html", "history/_changes.html", log=page, changes=page.changes, users=page.users,
                  diff=page.diff, wanted=wanted)


@bp.route("/history/<int:change_id>/undo", methods=["POST"])
def undo(change_id: int):
    """Undo a delete: the object comes back with everything deleted with it."""
    try:
        element = svc.undo_delete(db.session, g.engagement, change_id, user_id=current_user.id)
    except ValidationError as exc:
        message = "Could not undo: " + "; ".join(m for ms in exc.errors.values() for m in ms)
        if wants_fragment():
            return render_template("components/_toast_body.html", message=message, error=True), 422
        flash(message, "error")
        return redirect(url_for("history.engagement_history"))
    message = f"Restored “{element.label}”."
    if wants_fragment():
        response = make_response(render_template("components/_toast_body.html", message=message))
        response.headers["HX-Trigger"] = "elements-changed"
        return response
    flash(message)
    return redirect(url_for(endpoint(element.kind, "detail"), element_id=element.id))


@bp.route("/history/<int:change_id>/revert", methods=["POST"])
def revert(change_id: int):
    """Put an object back to the state recorded by one change (a new, undoable update)."""
    version = request.form.get("version", type=int)
    try:
        element = svc.revert(db.session, g.engagement, change_id, version=version, user_id=current_user.id)
    except Conflict:
        transactions.discard(db.session)
        flash("The object changed since you opened this page; look at its history again and retry.", "error")
        return redirect(request.referrer or url_for("history.engagement_history"))
    except ValidationError as exc:
        transactions.discard(db.session)
        flash("Could not revert: " + "; ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("history.engagement_history"))
    flash(f"“{element.label}” reverted (version {element.version}).")
    return redirect(url_for(endpoint(element.kind, "detail"), element_id=element.id))
