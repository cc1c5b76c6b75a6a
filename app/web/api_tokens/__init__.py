"""The account page's personal API tokens: list, create (the secret shown once) and revoke."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.services import api_tokens as svc
from app.services import transactions
from app.services.errors import NotFound, ValidationError
from app.web.render import render

bp = Blueprint("api_tokens", __name__)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """List one's tokens; create one (its secret is on this response only, never stored)."""
    if request.method == "GET":
        return _page({})
    try:
        new = svc.create_token(db.session, current_user, request.form.get("name", ""),
                               read_only=request.form.get("read_only") == "1",
                               expires_on=_date(request.form.get("expires_on", "")))
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(exc.errors, status=422)
    return _page({}, created=new)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's tokens: scripts using it get 401 from now on."""
    try:
        svc.revoke_token(db.session, current_user.id, token_id)
    except NotFound:
        transactions.discard(db.session)
        flash("That token was already revoked.")
    else:
        flash("Token revoked.")
    return redirect(url_for("api_tokens.tokens"), 303)


def _page(errors: dict, status: int = 200, created=None):
    return render("auth/api_tokens.html", errors=errors, created=created,
                  tokens=svc.tokens_of(db.session, current_user.id), status=status)


def _date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError({"expires_on": "Use a date like 2027-03-31."}) from None
