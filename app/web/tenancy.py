"""Engagement scoping: every /e/<eid>/… URL loads the membership first; no membership means 404."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from app.extensions import db, login_manager
from app.services.engagements import membership_for
from app.services.errors import NotFound
from app.web.hooks import SAFE_METHODS
from models.vocab import REVIEW_ROLES, WRITE_ROLES


def engagement_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose every route lives under /e/<eid>/ and is checked for membership and role."""
    bp = Blueprint(name, import_name, url_prefix="/e/<int:eid>")

    @bp.url_value_preprocessor
    def _pop_eid(_endpoint, values):
        g.eid = values.pop("eid") if values else None

    @bp.url_defaults
    def _add_eid(endpoint, values):
        engagement = g.get("engagement")
        expects = current_app.url_map.is_endpoint_expecting(endpoint, "eid")
        if "eid" not in values and engagement is not None and expects:
            values["eid"] = engagement.id

    bp.before_request(load_engagement)
    return bp


def load_engagement():
    """Before every engagement route: logged in, a member (else 404), a writer for unsafe methods (else 403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        membership = membership_for(db.session, current_user.id, g.eid)
    except NotFound:
        abort(404)
    g.membership = membership
    g.engagement = membership.engagement
    g.can_write = membership.role in WRITE_ROLES
    g.can_review = membership.role in REVIEW_ROLES
    if request.method not in SAFE_METHODS and not g.can_write:
        view = current_app.view_functions.get(request.endpoint)
        if not (g.can_review and getattr(view, "review_action", False)):
            abort(403)
    return None


def review_action(view):
    """Mark a view as a review action (comment, sign-off): reviewers may POST to it though they cannot edit."""
    view.review_action = True
    return view
