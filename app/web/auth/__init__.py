"""Login and logout."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.extensions import db, limiter
from app.services.accounts import authenticate, end_login, normalise_email, start_login

bp = Blueprint("auth", __name__)
auth_log = logging.getLogger("throughline.auth")


def _account_key() -> str:
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code == 422  # only wrong passwords count towards the limits


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], deduct_when=_failed,
               key_func=_account_key)
def login():
    """Show the login form; on success start a fresh server-side session."""
    if current_user.is_authenticated:
        return redirect(url_for("engagements.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            target = session.get("next")
            session.clear()  # nothing from before login survives into the new session
            start_login(db.session, user, timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]))
            login_user(user)
            session["seen"] = time.time()
            auth_log.info("login: user %s from %s", user.id, request.remote_addr)
            return redirect(_safe_next(target) or url_for("engagements.index"))
        form.password.errors.append("Email or password is wrong.")
        auth_log.warning("login failed: %s from %s", _account_key(), request.remote_addr)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the login session on the server and clear the cookie."""
    if current_user.is_authenticated:
        end_login(db.session, current_user.get_id())
        auth_log.info("logout: user %s", current_user.id)
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never redirect to another host after login (browsers drop tabs and
    # newlines, so "/\t/evil" would become "//evil": refuse any whitespace or control character).
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
