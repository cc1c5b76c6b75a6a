"""The client portal at /r/<token>/…: what a review link shows, to anyone holding it, without a login.

Before every request the token is resolved (unknown, expired and revoked all answer the app's plain 404, so
nothing hints that an engagement is there), a passphrase is asked for when the link has one (the unlock is kept
in the signed session cookie for that link only), and after it the request is logged as a use of the link.
The portal never sets `g.engagement`: its pages use their own base template, with no app navigation and no
link into /e/…, and no engagement route is reachable with a link alone.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for

from app.extensions import db, limiter
from app.services.errors import NotFound
from app.services.review import links as svc
from app.services.review import portal

bp = Blueprint("portal", __name__, url_prefix="/r/<token>")
UNLOCKED = "review_links_unlocked"  # ids of the links whose passphrase this browser gave


def _token_key() -> str:
    return "review-link:" + svc.token_hash(g.get("share_token") or "")


def _wrong_passphrase(response) -> bool:
    return response.status_code == 422


def _missing(response) -> bool:
    return response.status_code == 404


# Guessing tokens only ever meets 404s: those count towards a per-address limit, ordinary reading does not.
limiter.limit(lambda: current_app.config["REVIEW_LINK_MISS_LIMIT"], deduct_when=_missing)(bp)


@bp.url_value_preprocessor
def _pop_token(_endpoint, values):
    g.share_token = values.pop("token", None) if values else None


@bp.url_defaults
def _add_token(endpoint, values):
    if "token" not in values and g.get("share_token") and current_app.url_map.is_endpoint_expecting(endpoint, "token"):
        values["token"] = g.share_token


@bp.before_request
def _resolve():
    try:
        link = svc.resolve(db.session, g.share_token or "")
    except NotFound:
        abort(404)
    g.share_link = link
    locked = link.passphrase_hash is not None and link.id not in session.get(UNLOCKED, [])
    if locked and request.endpoint != "portal.unlock":
        return redirect(url_for("portal.unlock"))
    return None


@bp.after_request
def _log(response):
    # The stored path leaves the token out: the access log must not hold a usable link.
    path = request.path.split("/", 3)[3] if request.path.count("/") >= 3 else ""
    outcome = {200: "ok", 302: "ok", 303: "ok", 404: "not found", 422: "wrong passphrase", 429: "rate limited"}
    svc.log_use(db.session, g.get("share_token") or "", address=request.remote_addr or "", path="/" + path,
                outcome=outcome.get(response.status_code, str(response.status_code)))
    return response


def page(template: str, status: int = 200, **context):
    """A portal page: the link, its engagement and the author for the review panel go to every template."""
    link = g.share_link
    context.setdefault("review_author", svc.author_for(link, session.get(f"review_name_{link.id}")))
    return render_template(template, link=link, client=link.engagement, **context), status


@bp.route("/unlock", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REVIEW_LINK_UNLOCK_LIMIT"], methods=["POST"], deduct_when=_wrong_passphrase)
@limiter.limit(lambda: current_app.config["REVIEW_LINK_UNLOCK_LIMIT"], methods=["POST"], deduct_when=_wrong_passphrase,
               key_func=_token_key)
def unlock():
    """The passphrase form; the right passphrase opens this link (only this one) for the browser session."""
    link = g.share_link
    if link.passphrase_hash is None or link.id in session.get(UNLOCKED, []):
        return redirect(url_for("portal.summary"))
    error = None
    if request.method == "POST":
        if svc.passphrase_matches(link, request.form.get("passphrase", "")[:200]):
            session[UNLOCKED] = [*session.get(UNLOCKED, [])[-19:], link.id]
            return redirect(url_for("portal.summary"), 303)
        error = "This passphrase is not right."
    return page("portal/unlock.html", 422 if error else 200, error=error)


@bp.route("/")
def summary():
    """The engagement as the link shows it: its scenarios with their findings and contents, and the report."""
    return page("portal/summary.html", summaries=portal.summaries(db.session, g.share_link))


@bp.route("/report.pdf")
def report():
    """The report chosen for the link, as a download."""
    try:
        job = portal.linked_report(db.session, g.share_link)
    except NotFound:
        abort(404)
    return pdf(job)


def pdf(job) -> Response:
    """A stored report PDF as a download."""
    return Response(job.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="report-{job.id}.pdf"'})


from app.web.portal import pages, review  # noqa: E402,F401  (register the scenario pages and the panel on bp)
