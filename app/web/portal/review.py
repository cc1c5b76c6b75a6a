"""The portal's review panel: a link holder names themself, comments on what the link shows, and signs off.

Forms post and redirect back to the object's page (the portal runs no JavaScript). What a link may do comes from
its role (read, comment, sign off) through its `Author`; what it may reach is checked by the portal service.
"""

from __future__ import annotations

from flask import abort, g, redirect, request, session, url_for

from app.extensions import db
from app.services.errors import Conflict, Forbidden, NotFound, ValidationError
from app.services.review import links, portal
from app.web.portal import bp, page

KIND_ENDPOINT = {"requirement": "portal.requirement", "decision": "portal.decision", "flow": "portal.flow"}
NAME_MAX = 120


def author():
    """The link holder as a writer: the name they gave in this browser, else the link's label."""
    link = g.share_link
    return links.author_for(link, session.get(f"review_name_{link.id}"))


def panel(scenario_id: int, kind: str, element_id: int, errors: dict | None = None, typed: str = "") -> dict:
    """The template context of an object's review panel."""
    review = portal.review_of(db.session, g.share_link, scenario_id, kind, element_id)
    return {"review": review, "review_author": author(), "review_errors": errors or {}, "review_typed": typed,
            "named": bool(session.get(f"review_name_{g.share_link.id}"))}


def _back(scenario_id: int, kind: str, element_id: int, anchor: str = "review"):
    return redirect(url_for(KIND_ENDPOINT[kind], scenario_id=scenario_id, element_id=element_id) + f"#{anchor}",
                    303)


def _again(scenario_id: int, kind: str, element_id: int, errors: dict, typed: str = ""):
    """The object's page again with the panel's errors and what was typed (nothing is lost on a 422)."""
    return object_page(scenario_id, kind, element_id, panel(scenario_id, kind, element_id, errors, typed), 422)


def analysis_or_404(scenario_id: int):
    """The analysis of a scenario the link reaches (404 otherwise)."""
    try:
        return portal.analysis_of(db.session, g.share_link, scenario_id)
    except NotFound:
        abort(404)


def object_page(scenario_id: int, kind: str, element_id: int, review_panel: dict | None = None, status: int = 200):
    """A requirement's, decision's or flow's page with its review panel (404 outside the link's scope)."""
    loaded = analysis_or_404(scenario_id)
    try:
        if kind == "requirement":
            context = {"item": portal.requirement(db.session, g.share_link, scenario_id, element_id)}
        elif kind == "decision":
            item, record = portal.decision(db.session, g.share_link, scenario_id, element_id)
            context = {"item": item, "record": record}
        else:
            item, snapshot = portal.flow(db.session, g.share_link, scenario_id, element_id)
            context = {"item": item, "snap": snapshot}
        context.update(review_panel or panel(scenario_id, kind, element_id))
    except NotFound:
        abort(404)
    return page(f"portal/{kind}.html", status, loaded=loaded, **context)



@bp.route("/s/<int:scenario_id>/<any(requirement, decision, flow):kind>/<int:element_id>/name", methods=["POST"])
def give_name(scenario_id: int, kind: str, element_id: int):
    """Remember the visitor's name for what they write through this link (in their browser session only)."""
    name = " ".join(request.form.get("name", "").split())
    if not name or len(name) > NAME_MAX:
        return _again(scenario_id, kind, element_id, {"name": [f"Give your name (1 to {NAME_MAX} characters)."]})
    session[f"review_name_{g.share_link.id}"] = name
    return _back(scenario_id, kind, element_id)


@bp.route("/s/<int:scenario_id>/<any(requirement, decision, flow):kind>/<int:element_id>/comments",
          methods=["POST"])
def comment(scenario_id: int, kind: str, element_id: int):
    """A comment, or a reply to a thread on the same object."""
    body = request.form.get("body", "")
    try:
        portal.comment(db.session, g.share_link, author(), scenario_id, kind, element_id, body,
                       request.form.get("parent_id", type=int))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except ValidationError as exc:
        return _again(scenario_id, kind, element_id, exc.errors, body)
    return _back(scenario_id, kind, element_id, "comments")


@bp.route("/s/<int:scenario_id>/<any(requirement, decision):kind>/<int:element_id>/signoff", methods=["POST"])
def sign_off(scenario_id: int, kind: str, element_id: int):
    """Approve or reject the version the visitor read."""
    note = request.form.get("note", "")
    try:
        portal.sign_off(db.session, g.share_link, author(), scenario_id, kind, element_id,
                        request.form.get("verdict", ""), note, request.form.get("version", type=int))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except ValidationError as exc:
        return _again(scenario_id, kind, element_id, exc.errors, note)
    except Conflict as exc:
        return _again(scenario_id, kind, element_id, {"version": [str(exc)]}, note)
    return _back(scenario_id, kind, element_id, "signoff")

