"""Request hooks: read-only transactions for safe methods, login loading, security headers."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask, Response, request, session

from app.extensions import db, login_manager
from app.services import transactions

auth_log = logging.getLogger("throughline.auth")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def register_hooks(app: Flask) -> None:
    """Install the hooks on the app."""

    @app.before_request
    def _read_only_transaction():
        # Reads need no write lock on SQLite; every other request takes it up front (see app/database.py).
        if request.method in SAFE_METHODS and request.endpoint != "static":
            transactions.begin_read(db.session())

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("HX-Request")
        return response

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in."
    login_manager.session_protection = None  # the server-side login session is the protection

    @login_manager.user_loader
    def _load_user(token: str):
        from app.services.accounts import user_for_login

        # Idle timeout: the signed session cookie carries the time of the last request, which only the server
        # can write; absolute timeout: the server-side login's creation time.
        now = time.time()
        seen = session.get("seen", 0)
        if now - seen > app.config["SESSION_IDLE_MINUTES"] * 60:
            auth_log.info("session ended: idle for over %s minutes", app.config["SESSION_IDLE_MINUTES"])
            session.clear()
            return None
        user = user_for_login(db.session, token, timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]))
        if user is None:
            session.clear()
        elif now - seen > 60:
            session["seen"] = now  # at most once a minute, so most responses set no cookie
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import redirect, url_for

        if request.headers.get("HX-Request") == "true":
            resp = Response("Your session has ended; please log in again.", status=401)
            resp.headers["HX-Redirect"] = url_for("auth.login")
            return resp
        session["next"] = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login"))
