"""Error pages: 4xx and 5xx as friendly pages, or as short fragments for htmx."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services import transactions
from app.services.errors import Conflict, Forbidden, NotFound, ValidationError
from app.web.render import wants_fragment

_deny_log = logging.getLogger("throughline.auth")


def _page(status: int, title: str, message: str):
    template = "components/_error.html" if wants_fragment() else "error.html"
    return render_template(template, status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Map HTTP and service errors to responses."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _page(400, "Form expired", "The form's security token was missing or invalid. Reload and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        transactions.discard(db.session)
        messages = {
            403: "Your role in this engagement does not allow this.",
            404: "There is nothing here, or you do not have access to it.",
            413: "The upload is larger than the server accepts.",
            429: "Too many failed attempts. Wait a minute and try again.",
        }
        if exc.code in (401, 403, 429):
            _deny_log.warning("%s %s on %s %s from %s", exc.code, exc.name, request.method, request.path,
                              request.remote_addr)
        return _page(exc.code or 500, exc.name, messages.get(exc.code or 0, exc.description or ""))

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        transactions.discard(db.session)
        return _page(404, "Not found", "There is nothing here, or you do not have access to it.")

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):
        transactions.discard(db.session)
        _deny_log.warning("403 on %s %s from %s: %s", request.method, request.path, request.remote_addr, exc)
        return _page(403, "Forbidden", str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        transactions.discard(db.session)
        return _page(409, "Edit conflict", str(exc))

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):
        transactions.discard(db.session)
        return _page(422, "Invalid input", str(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        transactions.discard(db.session)
        app.logger.exception("Unhandled error")
        if app.testing:  # let the test see the real error
            raise exc
        return _page(500, "Something went wrong", "The error was logged; nothing was saved.")
