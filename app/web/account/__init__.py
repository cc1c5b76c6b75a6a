"""A user's own account: change the password, end other logins; and the one-time link pages (invitation, reset)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.services import transactions
from app.services import user_admin as svc
from app.services.errors import NotFound, ValidationError
from app.web.render import render

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change one's password (every other login ends)."""
    if request.method == "GET":
        return render("auth/account.html", errors={})
    try:
        if request.form.get("new_password") != request.form.get("confirm_password"):
            raise ValidationError({"confirm_password": "The two new passwords differ."})
        svc.change_password(db.session, current_user, request.form.get("current_password", ""),
                            request.form.get("new_password", ""))
    except ValidationError as exc:
        transactions.discard(db.session)
        return render("auth/account.html", errors=exc.errors, status=422)
    flash("Your password is changed; your other logins have ended.")
    return redirect(url_for("account.account"), 303)


@bp.post("/account/end-other-logins")
@login_required
def end_other_logins():
    """End every login of this user but this one."""
    ended = svc.end_other_logins(db.session, current_user)
    flash(f"{ended} other login{'s' if ended != 1 else ''} ended.")
    return redirect(url_for("account.account"), 303)


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Choose a password through an invitation or reset link (no login: the link is the proof)."""
    try:
        link = svc.token_user(db.session, token)
    except NotFound as exc:
        return render("auth/set_password.html", invalid=str(exc), errors={}, status=404)
    if request.method == "GET":
        return render("auth/set_password.html", link=link, errors={})
    try:
        if request.form.get("password") != request.form.get("confirm_password"):
            raise ValidationError({"confirm_password": "The two passwords differ."})
        user = svc.redeem(db.session, token, request.form.get("password", ""))
    except ValidationError as exc:
        transactions.discard(db.session)
        return render("auth/set_password.html", link=link, errors=exc.errors, status=422)
    flash(f"Your password is set, {user.name}. Log in with {user.email}.")
    return redirect(url_for("auth.login"), 303)
