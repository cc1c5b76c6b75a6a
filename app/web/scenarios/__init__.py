"""Scenarios: the current state and the proposed designs."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.extensions import db
from app.services import scenarios as svc
from app.services import transactions
from app.services.errors import ValidationError
from app.web.form_errors import attach_errors
from app.web.render import render
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("scenarios", __name__)
# Members listed per kind on a scenario's page; the rest are on the kind's list filtered to the scenario.
MEMBERS_SHOWN = 100


class ScenarioForm(FlaskForm):
    """Name and description, and optionally a scenario to copy members from."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    copy_from = SelectField("Start as a copy of", coerce=lambda v: int(v) if v else None, validate_choice=False)


def _form(scenario=None, **kw) -> ScenarioForm:
    form = ScenarioForm(obj=scenario, **kw)
    form.copy_from.choices = [("", "— empty —")] + [
        (s.id, s.name) for s in svc.list_scenarios(db.session, g.engagement.id)
    ]
    return form


@bp.route("/scenarios")
def scenario_list():
    """All scenarios with their member counts."""
    counts = svc.member_counts(db.session, g.engagement.id)
    return render("scenarios/list.html", None, scenarios=svc.list_scenarios(db.session, g.engagement.id), counts=counts)


@bp.route("/scenarios/new", methods=["GET", "POST"])
def scenario_new():
    """Create a scenario, empty or as a copy of another."""
    form = _form()
    if request.method == "POST" and form.validate():
        copy_from = svc.get_scenario(db.session, g.engagement.id, form.copy_from.data) if form.copy_from.data else None
        try:
            scenario = svc.save_scenario(
                db.session, g.engagement, form.name.data, form.description.data or "", copy_from=copy_from
            )
        except ValidationError as exc:
            transactions.discard(db.session)
            attach_errors(form, exc)
        else:
            flash(f"Scenario “{scenario.name}” created.")
            return redirect(url_for("scenarios.scenario_detail", scenario_id=scenario.id))
    status = 422 if request.method == "POST" else 200
    return render("scenarios/form.html", None, status, form=form, scenario=None)


@bp.route("/scenarios/<int:scenario_id>")
def scenario_detail(scenario_id: int):
    """A scenario's systems, flows and ownerships."""
    scenario = svc.get_scenario(db.session, g.engagement.id, scenario_id)
    grouped = svc.members_by_kind(db.session, scenario, ("system", "flow", "ownership"), MEMBERS_SHOWN)
    return render("scenarios/detail.html", None, scenario=scenario, grouped=grouped)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
def scenario_edit(scenario_id: int):
    """Rename or describe a scenario."""
    scenario = svc.get_scenario(db.session, g.engagement.id, scenario_id)
    form = _form(scenario)
    if request.method == "POST" and form.validate():
        try:
            svc.save_scenario(db.session, g.engagement, form.name.data, form.description.data or "", scenario=scenario)
        except ValidationError as exc:
            transactions.discard(db.session)
            attach_errors(form, exc)
        else:
            flash("Scenario saved.")
            return redirect(url_for("scenarios.scenario_detail", scenario_id=scenario.id))
    status = 422 if request.method == "POST" else 200
    return render("scenarios/form.html", None, status, form=form, scenario=scenario)


@bp.route("/scenarios/<int:scenario_id>/delete", methods=["POST"])
def scenario_delete(scenario_id: int):
    """Delete a proposal scenario (its elements stay in the catalog)."""
    scenario = svc.get_scenario(db.session, g.engagement.id, scenario_id)
    try:
        svc.delete_scenario(db.session, g.engagement, scenario)
        flash(f"Scenario “{scenario.name}” deleted.")
    except ValidationError as exc:
        transactions.discard(db.session)
        flash("; ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("scenarios.scenario_detail", scenario_id=scenario.id))
    return redirect(url_for("scenarios.scenario_list"))
