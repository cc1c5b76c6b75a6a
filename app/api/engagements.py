"""Engagements, their scenarios and trace links as resources, through the services the web pages use."""

from __future__ import annotations

from flask import g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import Forbidden

from app.api import auth
from app.api.represent import json_response, no_content
from app.api.schemas import (
    EngagementIn,
    EngagementOut,
    EngagementPatch,
    Problem,
    ScenarioIn,
    ScenarioOut,
    ScenarioPatch,
    TraceLinkIn,
    TraceLinkOut,
    TraceLinkQuery,
)
from app.extensions import db
from app.services import engagements as engagements_svc
from app.services import scenarios as scenarios_svc
from app.services.catalog import trace
from app.services.errors import NotFound, ValidationError
from models import Scenario

bp = Blueprint("api_engagements", __name__, url_prefix="/api/v1",
               description="Engagements, scenarios and trace links")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
BIG = "int(max=2147483647)"
ENGAGEMENT_FIELDS = ("name", "client", "description", "start_date", "end_date")


def _json(allowed: tuple[str, ...]) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "Send a JSON object."})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    return data


def _dates(data: dict) -> dict:
    """Dates given as ISO text, parsed (a bad one is named)."""
    from datetime import date

    out = dict(data)
    for name in ("start_date", "end_date"):
        if out.get(name) is not None:
            try:
                out[name] = date.fromisoformat(str(out[name]))
            except ValueError:
                raise ValidationError({name: "Use a date like 2026-03-31."}) from None
    for name in ("name", "client", "description"):
        if name in out and not isinstance(out[name], str):
            raise ValidationError({name: "Must be text."})
    return out


def _engagement_json(engagement, role: str) -> dict:
    return {"id": engagement.id, "name": engagement.name, "client": engagement.client,
            "description": engagement.description or "", "role": role,
            "start_date": engagement.start_date.isoformat() if engagement.start_date else None,
            "end_date": engagement.end_date.isoformat() if engagement.end_date else None}


def _scenario_json(scenario: Scenario) -> dict:
    return {"id": scenario.id, "name": scenario.name, "description": scenario.description or "",
            "is_baseline": scenario.is_baseline}


def _link_json(link) -> dict:
    return {"id": link.id, "kind": link.kind, "source_id": link.source_id, "target_id": link.target_id,
            "suspect": link.suspect}


@bp.route("/engagements")
class Engagements(MethodView):
    @bp.alt_response(200, schema=EngagementOut(many=True), success=True, description="The caller's engagements")
    @bp.doc(operationId="list_engagements", summary="List the engagements the caller is a member of")
    def get(self):
        return json_response([_engagement_json(m.engagement, m.role)
                              for m in engagements_svc.memberships_of(db.session, g.api_user)])

    @bp.doc(operationId="create_engagement", summary="Create an engagement (the caller becomes its owner)",
            requestBody={"required": True, "content": {"application/json": {"schema": EngagementIn}}})
    @bp.alt_response(201, schema=EngagementOut, success=True, description="Created")
    @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
    def post(self):
        data = _dates(_json(ENGAGEMENT_FIELDS))
        if not isinstance(data.get("name"), str):
            raise ValidationError({"name": "Name is required."})
        engagement = engagements_svc.create_engagement(db.session, owner=g.api_user, **data)
        return json_response(_engagement_json(engagement, "owner"), 201,
                             location=url_for("api_engagements.Engagement", eid=engagement.id))


@bp.route(EID)
class Engagement(MethodView):
    @bp.alt_response(200, schema=EngagementOut, success=True, description="The engagement")
    @bp.doc(operationId="get_engagement", summary="Read an engagement")
    def get(self, eid: int):
        engagement = auth.engagement(eid)
        return json_response(_engagement_json(engagement, g.membership.role))

    @bp.doc(operationId="update_engagement", summary="Change an engagement's name, client, description or dates",
            requestBody={"required": True, "content": {"application/json": {"schema": EngagementPatch}}})
    @bp.alt_response(200, schema=EngagementOut, success=True, description="Updated")
    @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
    def patch(self, eid: int):
        engagement = auth.engagement(eid)
        engagement = engagements_svc.update_engagement(db.session, engagement, **_dates(_json(ENGAGEMENT_FIELDS)))
        return json_response(_engagement_json(engagement, g.membership.role))

    @bp.doc(operationId="delete_engagement", summary="Delete an engagement and everything in it (owners only)")
    @bp.alt_response(204, success=True, description="Deleted")
    def delete(self, eid: int):
        engagement = auth.engagement(eid)
        if g.membership.role != "owner":
            raise Forbidden("Only an owner may delete the engagement.")
        engagements_svc.delete_engagement(db.session, engagement)
        return no_content()


@bp.route(f"{EID}/scenarios")
class Scenarios(MethodView):
    @bp.alt_response(200, schema=ScenarioOut(many=True), success=True, description="The scenarios")
    @bp.doc(operationId="list_scenarios", summary="List the scenarios, current state first")
    def get(self, eid: int):
        auth.engagement(eid)
        return json_response([_scenario_json(s) for s in scenarios_svc.list_scenarios(db.session, eid)])

    @bp.doc(operationId="create_scenario", summary="Create a scenario (optionally a copy of another)",
            requestBody={"required": True, "content": {"application/json": {"schema": ScenarioIn}}})
    @bp.alt_response(201, schema=ScenarioOut, success=True, description="Created")
    @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
    def post(self, eid: int):
        engagement = auth.engagement(eid)
        data = _dates(_json(("name", "description", "copy_from")))
        copy_from = _scenario_named(eid, data.get("copy_from"), "copy_from")
        scenario = scenarios_svc.save_scenario(db.session, engagement, data.get("name") or "",
                                               data.get("description") or "", copy_from=copy_from)
        return json_response(_scenario_json(scenario), 201)


@bp.route(f"{EID}/scenarios/<{BIG}:scenario_id>")
class ScenarioItem(MethodView):
    @bp.alt_response(200, schema=ScenarioOut, success=True, description="The scenario")
    @bp.doc(operationId="get_scenario", summary="Read a scenario")
    def get(self, eid: int, scenario_id: int):
        auth.engagement(eid)
        return json_response(_scenario_json(scenarios_svc.get_scenario(db.session, eid, scenario_id)))

    @bp.doc(operationId="update_scenario", summary="Rename or describe a scenario",
            requestBody={"required": True, "content": {"application/json": {"schema": ScenarioPatch}}})
    @bp.alt_response(200, schema=ScenarioOut, success=True, description="Updated")
    @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
    def patch(self, eid: int, scenario_id: int):
        engagement = auth.engagement(eid)
        scenario = scenarios_svc.get_scenario(db.session, eid, scenario_id)
        data = _dates(_json(("name", "description")))
        scenario = scenarios_svc.save_scenario(db.session, engagement, data.get("name", scenario.name),
                                               data.get("description", scenario.description), scenario=scenario)
        return json_response(_scenario_json(scenario))

    @bp.doc(operationId="delete_scenario", summary="Delete a proposal (not the current state)")
    @bp.alt_response(204, success=True, description="Deleted")
    def delete(self, eid: int, scenario_id: int):
        engagement = auth.engagement(eid)
        scenarios_svc.delete_scenario(db.session, engagement, scenarios_svc.get_scenario(db.session, eid, scenario_id))
        return no_content()


def _scenario_named(eid: int, value, field: str) -> Scenario | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({field: "Give a scenario id."})
    try:
        return scenarios_svc.get_scenario(db.session, eid, value)
    except (NotFound, OverflowError):
        raise ValidationError({field: f"No scenario {value} in this engagement."}) from None


@bp.route(f"{EID}/trace-links")
class TraceLinks(MethodView):
    @bp.arguments(TraceLinkQuery, location="query", as_kwargs=True)
    @bp.alt_response(200, schema=TraceLinkOut(many=True), success=True, description="Links from or to it")
    @bp.doc(operationId="list_trace_links", summary="List the trace links from or to one element")
    def get(self, eid: int, element: int):
        auth.engagement(eid)
        return json_response([_link_json(link) for link in trace.links_of(db.session, eid, element)])

    @bp.doc(operationId="create_trace_link", summary="Link two elements (the kinds must fit the link kind)",
            requestBody={"required": True, "content": {"application/json": {"schema": TraceLinkIn}}})
    @bp.alt_response(201, schema=TraceLinkOut, success=True, description="Created")
    @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
    def post(self, eid: int):
        engagement = auth.engagement(eid)
        data = _json(("kind", "source_id", "target_id"))
        errors = {name: "Give an element id." for name in ("source_id", "target_id")
                  if not isinstance(data.get(name), int) or isinstance(data.get(name), bool)
                  or not 0 < data[name] < 2**31}
        if not isinstance(data.get("kind"), str):
            errors["kind"] = "Give a link kind."
        if errors:
            raise ValidationError(errors)
        link = trace.add_link(db.session, engagement, data["kind"], data["source_id"], data["target_id"],
                              user_id=g.api_user.id)
        return json_response(_link_json(link), 201)


@bp.route(f"{EID}/trace-links/<{BIG}:link_id>")
class TraceLinkItem(MethodView):
    @bp.doc(operationId="delete_trace_link", summary="Remove a trace link")
    @bp.alt_response(204, success=True, description="Removed")
    def delete(self, eid: int, link_id: int):
        engagement = auth.engagement(eid)
        trace.remove_link(db.session, engagement, link_id, user_id=g.api_user.id)
        return no_content()
