"""RFC 9457 problem details: every API error is `application/problem+json` naming what went wrong."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services import transactions
from app.services.errors import Conflict, Forbidden, NotFound, ValidationError

API_PREFIX = "/api/"
_log = logging.getLogger("throughline.api")


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """A problem+json response; `extra` members (errors, versions) are added as RFC 9457 extensions."""
    body = {"type": "about:blank", "title": title, "status": status, **({"detail": detail} if detail else {}),
            **extra}
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="throughline"'
    return response


def invalid(errors: dict[str, list[str]]) -> Response:
    """422 naming each field (or row, or JSON path) and its messages."""
    return problem(422, "Invalid input", "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                   errors=[{"field": field, "messages": list(messages)} for field, messages in errors.items()])


def register_problem_handlers(app: Flask) -> None:
    """Answer errors under /api/ with problem details; other paths keep the web's error pages."""
    handlers = app.error_handler_spec[None][None]
    web_http = handlers.get(HTTPException)

    def _is_api() -> bool:
        return request.path.startswith(API_PREFIX)

    def _http(exc: HTTPException):
        if not _is_api():
            return web_http(exc) if web_http else exc
        transactions.discard(db.session)
        messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        if messages:  # a query string webargs could not parse, e.g. ?limit=abc
            return invalid({_flatten(where, field): _texts(msg) for where, fields in messages.items()
                            for field, msg in fields.items()})
        return problem(exc.code or 500, exc.name, exc.description or "")

    app.register_error_handler(HTTPException, _http)
    for error, status, title in ((NotFound, 404, "Not found"), (Forbidden, 403, "Forbidden")):
        web = handlers.get(error)
        app.register_error_handler(error, _service_handler(web, status, title, _is_api))
    web_validation = handlers.get(ValidationError)
    web_conflict = handlers.get(Conflict)

    def _validation(exc: ValidationError):
        if not _is_api():
            return web_validation(exc) if web_validation else exc
        transactions.discard(db.session)
        return invalid(exc.errors)

    def _conflict(exc: Conflict):
        if not _is_api():
            return web_conflict(exc) if web_conflict else exc
        transactions.discard(db.session)
        return problem(409, "Conflict", str(exc), current_version=exc.current_version)

    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(Conflict, _conflict)


def _service_handler(web, status: int, title: str, is_api):
    def handle(exc):
        if not is_api():
            return web(exc) if web else exc
        transactions.discard(db.session)
        return problem(status, title, str(exc))

    return handle


def _flatten(where: str, field: str) -> str:
    return field if where in ("query", "json") else f"{where}.{field}"


def _texts(message: Any) -> list[str]:
    if isinstance(message, dict):
        return [f"{k}: {' '.join(_texts(v))}" for k, v in message.items()]
    return [str(m) for m in message] if isinstance(message, list) else [str(message)]
