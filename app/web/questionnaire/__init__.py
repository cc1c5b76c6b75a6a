"""The stakeholder questionnaire at /q/<token>: no login; the token is resolved before every request (the app's
plain 404 for unknown, expired and revoked ones); answers are rate limited per address."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request

from app.extensions import db, limiter
from app.services import transactions
from app.services.errors import NotFound, ValidationError
from app.services.review import questionnaires as svc
from models.vocab import PRIORITIES, STAKEHOLDER_AREAS

bp = Blueprint("questionnaire", __name__, url_prefix="/q/<token>")

# Guessing tokens meets only 404s: those count per address (the review links' limit), reading does not.
limiter.limit(lambda: current_app.config["REVIEW_LINK_MISS_LIMIT"], deduct_when=lambda r: r.status_code == 404)(bp)


@bp.url_value_preprocessor
def _pop_token(_endpoint, values):
    g.questionnaire_token = values.pop("token", None) if values else None


@bp.url_defaults
def _add_token(endpoint, values):
    if "token" not in values and g.get("questionnaire_token"):
        values["token"] = g.questionnaire_token


@bp.before_request
def _resolve():
    try:
        g.questionnaire = svc.open_questionnaire(db.session, g.questionnaire_token or "")
    except NotFound:
        abort(404)


def _form(errors: dict | None = None, values: dict | None = None, status: int = 200, sent: bool = False):
    return render_template("questionnaire/form.html", q=g.questionnaire, areas=STAKEHOLDER_AREAS,
                           priorities=PRIORITIES, errors=errors or {}, values=values or {}, sent=sent), status


@bp.route("/", methods=["GET"])
def form():
    """The questionnaire: pain points, expectations per area, the priority of each requirement naming you."""
    return _form()


@bp.route("/", methods=["POST"])
@limiter.limit(lambda: current_app.config["QUESTIONNAIRE_SUBMIT_LIMIT"], methods=["POST"])
def send():
    """Store the answers (422 with the form and its errors; nothing is stored then)."""
    form = request.form
    expectations = {k.removeprefix("expectation_"): v for k, v in form.items() if k.startswith("expectation_")}
    priorities = {k.removeprefix("priority_"): v for k, v in form.items() if k.startswith("priority_")}
    try:
        svc.submit(db.session, g.questionnaire, form.get("pain_points", ""), expectations, priorities)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _form(exc.errors, form, 422)
    return _form(sent=True)
