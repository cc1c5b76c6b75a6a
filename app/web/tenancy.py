"""Engagement scoping: every /e/<eid>/… URL loads the membership first; no membership means 404."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from app.extensions import db, login_manager
from app.services.engagements import membership_for
from app.services.errors import Forbidden, NotFound
from app.web.hooks import SAFE_METHODS
from models.vocab import MEMBER_ROLES, REVIEW_ROLES, WRITE_ROLES


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
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in SAFE_METHODS and not g.can_write:
        if not (g.can_review and getattr(view, "review_action", False)):
            abort(403)
    elif not g.can_write and is_edit_form(request.url_rule, view):
        # Refused before the form is shown: a reader who typed into it would lose the input on the 403 of the save.
        raise Forbidden(f"Your role ({MEMBER_ROLES[membership.role].lower()}) lets you read this engagement but not "
                        "change it, so this form is not offered to you. An owner can change your role.")
    return None


def is_edit_form(rule, view) -> bool:
    """True for a page that is a form saving to the engagement: it answers GET and an unsafe method, and is
    neither a review action nor marked @read_view. Readers (reviewers, viewers) are refused it."""
    methods = set(rule.methods or ()) if rule is not None else set()
    return ("GET" in methods and bool(methods - SAFE_METHODS) and not getattr(view, "review_action", False)
            and not getattr(view, "read_view", False))


def review_action(view):
    """Mark a view as a review action (comment, sign-off): reviewers may POST to it though they cannot edit."""
    view.review_action = True
    return view


def read_view(view):
    """Mark a form page that is also the read view (readers see it without a way to save: no submit, or a
    disabled fieldset); tests/test_reviewer_role.py checks that it offers them nothing to save."""
    view.read_view = True
    return view
