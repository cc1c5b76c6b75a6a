"""The sign-off panel of decisions and requirements: its context for the detail page, and the approve/reject post."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.extensions import db
from app.services import transactions
from app.services.catalog.elements import get_element
from app.services.errors import Conflict, ValidationError
from app.services.review import signoffs as svc
from app.web.render import wants_fragment
from app.web.tenancy import review_action
from models import Element


def panel_context(element: Element) -> dict:
    """What templates/elements/_signoff.html shows: the status, each verdict, and whether this member may sign."""
    author = svc.member_author(g.membership)
    return {
        "status": svc.status_of(db.session, g.engagement.id, element),
        "past": svc.history_of(db.session, g.engagement.id, element.id),
        "can_sign_off": author.can_sign_off,
        "target": element,
    }


def register_signoff_routes(bp: Blueprint, kind: str) -> None:
    """Add POST /<slug>/<id>/signoff (a review action: reviewers may post it) for `kind` to its blueprint."""

    @review_action
    def signoff_view(element_id: int):
        element = get_element(db.session, g.engagement.id, kind, element_id)
        errors: dict[str, list[str]] = {}
        try:
            svc.sign_off(db.session, g.engagement, svc.member_author(g.membership), kind, element.id,
                         request.form.get("verdict", ""), request.form.get("note", ""),
                         version=_int(request.form.get("version")))
        except (ValidationError, Conflict) as exc:
            transactions.discard(db.session)
            errors = exc.errors if isinstance(exc, ValidationError) else {"version": [str(exc)]}
            element = get_element(db.session, g.engagement.id, kind, element_id)
        if not wants_fragment():
            flash("Sign-off not saved: " + "; ".join(m for ms in errors.values() for m in ms) if errors
                  else "Sign-off saved.", "error" if errors else "message")
            return redirect(url_for(f"{bp.name}.{kind}_detail", element_id=element_id))
        # The panel's own context has a `status`, so it is rendered directly (render() takes `status` as the code).
        note = request.form.get("note", "") if errors else ""
        body = render_template("elements/_signoff.html", errors=errors, note=note, **panel_context(element))
        return body, 422 if errors else 200

    bp.add_url_rule(f"/{_SLUGS[kind]}/<int:element_id>/signoff", f"{kind}_signoff", signoff_view, methods=["POST"])


_SLUGS = {"decision": "decisions", "requirement": "requirements"}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
