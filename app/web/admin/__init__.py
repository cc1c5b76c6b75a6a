"""User administration for admins: invite, disable, enable and reset users (docs/team-server.md)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.services import transactions
from app.services import user_admin as svc
from app.services.errors import ValidationError
from app.services.mail import send_mail
from app.web.render import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/users")
def users():
    """Every user with their state, and the invitation form."""
    return _page()


@bp.post("/users/invite")
def invite():
    """Invite a colleague or a client: an inactive account and a one-time link to choose a password."""
    form = request.form
    try:
        user, token = svc.invite_user(db.session, form.get("email", ""), form.get("name", ""),
                                      is_admin=form.get("is_admin") == "1", by=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(errors=exc.errors, status=422)
    return _hand_out(user, token, "invitation", "You are invited to Throughline")


@bp.post("/users/<int:user_id>/reset")
def reset(user_id: int):
    """A one-time password-reset link; the user's logins end now."""
    user = svc.get_user(db.session, user_id)
    token = svc.issue_reset(db.session, user, by=current_user)
    return _hand_out(user, token, "password reset link", "Reset your Throughline password")


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    """Disable (ending their logins at once) or enable a user."""
    user = svc.get_user(db.session, user_id)
    active = request.form.get("active") == "1"
    try:
        svc.set_active(db.session, user, active, by=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(errors=exc.errors, status=422)
    flash(f"{user.email} is {'enabled' if active else 'disabled; their logins have ended'}.")
    return redirect(url_for("admin.users"), 303)


def _hand_out(user, token: str, what: str, subject: str):
    link = url_for("account.set_password", token=token, _external=True)
    body = f"Hello {user.name},\n\nOpen this link within 72 hours to choose your password:\n{link}\n"
    if send_mail(current_app.config, user.email, subject, body):
        flash(f"The {what} was sent to {user.email}.")
        return redirect(url_for("admin.users"), 303)
    # No mail server: the admin passes the link on; it is shown once and never stored in clear.
    return _page(link=link, link_for=user, what=what)


def _page(errors: dict | None = None, status: int = 200, **context):
    return render("admin/users.html", users=svc.list_users(db.session), errors=errors or {},
                  form=request.form if status == 422 else {}, status=status, **context)
