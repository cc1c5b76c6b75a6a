"""Review links inside an engagement (/e/<eid>/review-links): owners and editors create, list and revoke the
share links clients open without an account; reviewers and viewers get 403, even to look."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.errors import NotFound, ValidationError
from app.services.reports import list_jobs
from app.services.review import links as svc
from app.services.scenarios import list_scenarios
from app.web.render import render
from app.web.tenancy import engagement_blueprint
from models.review_links import LINK_ROLES

bp = engagement_blueprint("review_links", __name__)


@bp.before_request
def _writers_only():
    # Before the view, after membership (the tenancy hook runs first): a link hands out the engagement.
    if not g.get("can_write"):
        abort(403)


def _page(errors: dict | None = None, fields: dict | None = None, created: tuple | None = None, status: int = 200):
    body, _ = render(
        "review_links/index.html", rows=svc.list_links(db.session, g.engagement.id),
        scenarios=list_scenarios(db.session, g.engagement.id),
        reports=[j for j in list_jobs(db.session, g.engagement.id) if j.status == "done"],
        roles=LINK_ROLES, errors=errors or {}, fields=fields or {"days": svc.DEFAULT_DAYS, "role": "read"},
        created=created, max_days=svc.MAX_DAYS,
    )
    return body, status


@bp.route("/review-links")
def index():
    """The engagement's review links with their uses, and the form to make one."""
    return _page()


@bp.route("/review-links", methods=["POST"])
def create():
    """Make a link and show its address once (it is never shown again); 422 with the form's errors."""
    form = request.form
    fields = {"label": form.get("label", ""), "role": form.get("role", ""), "days": form.get("days", ""),
              "report": form.get("report", ""), "scenarios": form.getlist("scenarios")}
    try:
        link, token = svc.create_link(db.session, g.engagement, scenario_ids=fields["scenarios"], role=fields["role"],
                                      label=fields["label"], days=fields["days"], passphrase=form.get("passphrase", ""),
                                      report_job_id=fields["report"], by=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(exc.errors, fields, status=422)
    return _page(created=(link, url_for("portal.summary", token=token, _external=True)), status=201)


@bp.route("/review-links/<int:link_id>/revoke", methods=["POST"])
def revoke(link_id: int):
    """End a link at once; its holder gets 404 from then on."""
    try:
        svc.revoke_link(db.session, g.engagement.id, link_id)
    except NotFound:
        abort(404)
    return redirect(url_for("review_links.index"), 303)
from app.web.review_links import questionnaires  # noqa: E402,F401  (routes register on bp)
