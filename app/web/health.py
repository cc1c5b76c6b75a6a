"""`GET /healthz`: whether this server can answer (database reachable, schema at the code's migration); no login,
no engagement data, so a load balancer or a monitor may call it."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.extensions import db
from app.services.health import check

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with what was checked when the server is ready, 503 naming what is wrong otherwise."""
    report = check(db.session)
    return jsonify(report), 200 if report["status"] == "ok" else 503
