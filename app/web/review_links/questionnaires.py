"""Stakeholder questionnaires inside an engagement (/e/<eid>/review-links/questionnaires): owners and editors
send a link per stakeholder, read the answers, and accept or reject the priority changes they propose."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog.browse import reference_options
from app.services.errors import NotFound, ValidationError
from app.services.review import questionnaires as svc
from app.web.render import render
from app.web.review_links import bp
from models import Stakeholder


def _page(errors: dict | None = None, created: tuple | None = None, status: int = 200):
    body, _ = render(
        "review_links/questionnaires.html", invites=svc.list_invites(db.session, g.engagement.id),
        state_of=svc.invite_state, stakeholders=reference_options(db.session, g.engagement.id, Stakeholder),
        responses=svc.list_responses(db.session, g.engagement.id), log=svc.response_log(db.session, g.engagement.id),
        errors=errors or {}, created=created,
    )
    return body, status


@bp.route("/review-links/questionnaires")
def questionnaires():
    """Questionnaire links, the answers, pending proposals and the response log."""
    return _page()


@bp.route("/review-links/questionnaires", methods=["POST"])
def invite():
    """Make a stakeholder's questionnaire link and show it once."""
    try:
        link, token = svc.create_invite(db.session, g.engagement, request.form.get("stakeholder"),
                                        days=request.form.get("days"), by=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(exc.errors, status=422)
    return _page(created=(link, url_for("questionnaire.form", token=token, _external=True)), status=201)


@bp.route("/review-links/questionnaires/<int:link_id>/revoke", methods=["POST"])
def revoke_invite(link_id: int):
    """End a questionnaire link at once."""
    try:
        svc.revoke_invite(db.session, g.engagement.id, link_id)
    except NotFound:
        abort(404)
    return redirect(url_for("review_links.questionnaires"), 303)


@bp.route("/review-links/proposals/<int:change_id>", methods=["POST"])
def decide(change_id: int):
    """Accept or reject a proposed priority (form field decision=accept|reject)."""
    try:
        svc.decide(db.session, g.engagement, change_id, request.form.get("decision", ""), by=current_user)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(exc.errors, status=422)
    return redirect(url_for("review_links.questionnaires"), 303)
