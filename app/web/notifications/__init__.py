"""Notifications: the per-user digest of review events in the user's engagements, and its navigation badge."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.services.review import digest as svc

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _badge():
    def unread_reviews() -> int:
        """Unread review events of the logged-in user (drawn in the header)."""
        return svc.unread_count(db.session, current_user.id) if current_user.is_authenticated else 0

    return {"unread_reviews": unread_reviews}


@bp.route("/notifications")
@login_required
def page():
    """What happened in the user's engagements since they last looked: mentions of them first."""
    return render_template("review/notifications.html", digest=svc.digest(db.session, current_user.id))


@bp.route("/notifications/seen", methods=["POST"])
@login_required
def seen():
    """Mark everything shown as read."""
    svc.mark_seen(db.session, current_user.id, request.form.get("upto", 0, type=int))
    return redirect(url_for("notifications.page"))
