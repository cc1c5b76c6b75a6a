"""Who calls the API: a personal token sent as `Authorization: Bearer`, never a cookie.

The same tenancy and roles as the web: an engagement the token's user is not a member of is a 404, a write
needs a writing role (else 403), and a read-only token may not write at all (403). Since cookies never
authenticate here, cross-site requests carry no authority and CSRF does not apply.
"""

from __future__ import annotations

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden

from app.api.problems import problem
from app.extensions import db
from app.services.api_tokens import token_for
from app.services.engagements import membership_for
from models import Engagement
from models.vocab import REVIEW_ROLES, WRITE_ROLES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate():
    """Before every API request: a live bearer token (else 401), no writes with a read-only one (403), and under
    /engagements/<eid>/ a membership (else 404) before any parameter is read."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = token_for(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problem(401, "Unauthorized", "Send a personal API token as 'Authorization: Bearer <token>'.")
    g.api_token = token
    g.api_user = token.user
    if request.method not in SAFE_METHODS and token.read_only:
        return problem(403, "Forbidden", "This token is read-only.")
    eid = (request.view_args or {}).get("eid")
    if eid is not None:
        # Membership first: a non-member learns nothing, not even which parameters are wrong.
        engagement(eid, review=review_action())
    return None


def review_action() -> bool:
    """Whether the resource in view is a review action (a comment, a sign-off) that reviewers may send."""
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(getattr(view, "view_class", None), "review_action", False))


def engagement(eid: int, review: bool = False) -> Engagement:
    """The engagement in the URL as the caller may see it: NotFound for a non-member, 403 for a read-only role
    asking to write (reviewers may send review actions: `review`)."""
    membership = g.get("membership")
    if membership is None or membership.engagement_id != eid:
        membership = g.membership = membership_for(db.session, g.api_user.id, eid)
    if request.method not in SAFE_METHODS and membership.role not in (REVIEW_ROLES if review else WRITE_ROLES):
        raise Forbidden("Your role in this engagement does not allow changes.")
    return membership.engagement

