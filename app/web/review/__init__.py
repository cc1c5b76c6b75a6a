"""Review: comment threads beside any object (an htmx panel), and the engagement's review inbox."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services.errors import Forbidden, NotFound, ValidationError
from app.services.review import comments as svc
from app.services.review import signoffs
from app.services.review.author import Author
from app.web.render import render, wants_fragment
from app.web.tenancy import engagement_blueprint, review_action
from models import ANCHOR_KINDS

bp = engagement_blueprint("review", __name__)


@bp.app_context_processor
def _counts():
    def open_comments(kind: str, key) -> int:
        """Open threads on an anchor of the engagement in view; one query per request, however many anchors."""
        if g.get("engagement") is None:
            return 0
        if "open_comment_counts" not in g:
            g.open_comment_counts = svc.open_counts(db.session, g.engagement)
        return g.open_comment_counts.get((kind, str(key)), 0)

    return {"open_comments": open_comments}


def _author() -> Author:
    return Author(name=current_user.name, user_id=current_user.id)


def _scenario_arg() -> int | None:
    return request.values.get("scenario", type=int)


def _panel(kind: str, key: str, errors=None, body: str = "", status: int = 200):
    try:
        anchor, threads = svc.thread(db.session, g.engagement, kind, key, _scenario_arg())
    except (NotFound, ValidationError):
        abort(404)
    return render("review/thread.html", "review/_panel.html", status, anchor=anchor, threads=threads,
                  errors=errors or {}, body=body, segments=svc.segments, scenario_id=_scenario_arg(),
                  can_review=g.can_review)


def _back(kind: str, key: str):
    """After a write: the panel for htmx, else the thread's page (the form's own page without JavaScript)."""
    if wants_fragment():
        return _panel(kind, key)
    return redirect(url_for("review.thread_view", kind=kind, key=key, scenario=_scenario_arg()))


@bp.route("/comments/<kind>/<path:key>")
def thread_view(kind: str, key: str):
    """The threads on one anchor, with the form to start another."""
    return _panel(kind, key)


@bp.route("/comments/<kind>/<path:key>", methods=["POST"])
@review_action
def comment_add(kind: str, key: str):
    """Start a thread on an anchor."""
    try:
        svc.add_comment(db.session, g.engagement, _author(), kind, key, request.form.get("body", ""),
                        scenario_id=_scenario_arg())
    except ValidationError as exc:
        if "body" not in exc.errors:
            abort(404)
        return _panel(kind, key, errors=exc.errors, body=request.form.get("body", ""), status=422)
    except NotFound:
        abort(404)
    return _back(kind, key)


def _thread_write(action, comment_id: int, *args):
    try:
        comment = action(db.session, g.engagement, *args, comment_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return comment


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@review_action
def comment_reply(comment_id: int):
    """Answer a thread."""
    try:
        comment = svc.reply(db.session, g.engagement, _author(), comment_id, request.form.get("body", ""))
    except NotFound:
        abort(404)
    except ValidationError as exc:
        parent = svc.get_comment(db.session, g.engagement, comment_id)  # found just now: reply checks it first
        root_id = parent.parent_id or parent.id
        return _panel(parent.anchor_kind, parent.anchor_key, errors={f"reply-{root_id}": exc.errors["body"]},
                      status=422)
    return _back(comment.anchor_kind, comment.anchor_key)


@bp.route("/comments/<int:comment_id>/resolve", methods=["POST"])
@review_action
def comment_resolve(comment_id: int):
    """Mark a thread resolved."""
    root = _thread_write(svc.resolve, comment_id, _author())
    return _back(root.anchor_kind, root.anchor_key)


@bp.route("/comments/<int:comment_id>/reopen", methods=["POST"])
@review_action
def comment_reopen(comment_id: int):
    """Open a resolved thread again."""
    root = _thread_write(svc.reopen, comment_id, _author())
    return _back(root.anchor_kind, root.anchor_key)


@bp.route("/comments/<int:comment_id>/report", methods=["POST"])
def comment_in_report(comment_id: int):
    """Choose whether a thread goes into the client report (owners and editors)."""
    root = _thread_write(svc.set_in_report, comment_id, request.form.get("include") == "1")
    return _back(root.anchor_kind, root.anchor_key)


@bp.route("/review")
def inbox():
    """Every thread of the engagement, open first, filtered (open, resolved, all, mine, mentions) and paged."""
    show = request.args.get("show", "open")
    try:
        page = svc.inbox(db.session, g.engagement, current_user.id, show, request.args.get("page", 1, type=int))
    except ValidationError:
        abort(404)
    return render("review/inbox.html", None, inbox=page, filters=svc.INBOX_FILTERS, kinds=ANCHOR_KINDS,
                  segments=svc.segments, signoffs=signoffs.recent(db.session, g.engagement.id))
