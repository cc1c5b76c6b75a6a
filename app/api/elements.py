"""Every element kind as a resource: list (paged, filtered, as a scenario sees it), create, read, update
(If-Match for optimistic concurrency) and delete, through the catalogue services the web pages use."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import auth
from app.api.problems import problem
from app.api.represent import element_json, if_match_version, json_response, no_content
from app.api.schemas import ELEMENT_SCHEMAS, ListQuery, Problem, ScenarioQuery, page_of
from app.api.webhooks import emit
from app.extensions import db
from app.services.catalog import elements as svc
from app.services.catalog import listing, scenario_view
from app.services.catalog.fields import KINDS, Kind
from app.services.errors import Conflict, NotFound, ValidationError
from app.services.scenarios import get_scenario
from models import Scenario

SLUGS = {"system": "systems", "channel": "channels", "entity": "entities", "stakeholder": "stakeholders",
         "flow": "flows", "ownership": "ownerships", "requirement": "requirements", "decision": "decisions",
         "generic": "other-elements"}
EID = "/engagements/<int(max=2147483647):eid>"
ID = "<int(max=2147483647):element_id>"

bp = Blueprint("api_elements", __name__, url_prefix="/api/v1", description="Catalogue elements of an engagement")
bp.before_request(auth.authenticate)


def _scenario(spec: Kind, eid: int, scenario_id: int | None) -> Scenario | None:
    """The scenario asked for (?scenario=) for the kinds that live in scenarios; another engagement's is 422."""
    if scenario_id is None or not spec.in_scenarios:
        return None
    try:
        return get_scenario(db.session, eid, scenario_id)
    except NotFound:
        raise ValidationError({"scenario": f"No scenario {scenario_id} in this engagement."}) from None


def _body(spec: Kind) -> dict[str, Any]:
    """The request's JSON object; a field the kind does not have is named in a 422."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "Send a JSON object of the element's fields."})
    unknown = sorted(set(data) - {f.name for f in spec.fields})
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    return data


def _conflict(exc: Conflict, asked: int | None):
    return problem(412, "Precondition failed", "The object changed since the version you sent (If-Match).",
                   your_version=asked, current_version=exc.current_version)


def _register(kind: str) -> None:
    spec = KINDS[kind]
    slug = SLUGS[kind]
    schema_in, schema_out = ELEMENT_SCHEMAS[kind]
    page = page_of(schema_out, f"{schema_out.__name__}Page")
    name = "".join(p.capitalize() for p in kind.split("_"))

    class Collection(MethodView):
        @bp.arguments(ListQuery, location="query", as_kwargs=True)
        @bp.alt_response(200, schema=page, success=True, description=f"A page of {spec.plural.lower()}")
        @bp.doc(operationId=f"list_{slug}", summary=f"List {spec.plural.lower()}")
        def get(self, eid: int, **args):
            engagement = auth.engagement(eid)
            scenario = _scenario(spec, eid, args.get("scenario"))
            page_ = listing.list_page(
                db.session, engagement.id, spec, q=args["q"].strip(), tag=(args.get("tag") or "").strip(),
                choices={k: args.get(k) or "" for k in listing.CHOICE_FILTERS.get(kind, ())},
                channel_id=args.get("channel"), scenario_id=scenario.id if scenario else None,
                sort=args["sort"], descending=args["dir"] == "desc", offset=args["offset"],
                in_scenario=scenario, limit=args["limit"], whole=True,
            )
            return json_response({"items": [element_json(i) for i in page_.items], "total": page_.total,
                                  "limit": args["limit"], "offset": page_.offset, "next_offset": page_.next_offset})

        @bp.arguments(ScenarioQuery, location="query", as_kwargs=True)
        @bp.doc(operationId=f"create_{kind}", summary=f"Create a {spec.label.lower()}",
                requestBody={"required": True, "content": {"application/json": {"schema": schema_in}}})
        @bp.alt_response(201, schema=schema_out, success=True, description="Created")
        @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
        def post(self, eid: int, **args):
            engagement = auth.engagement(eid)
            scenario = _scenario(spec, eid, args.get("scenario"))
            data = _body(spec)
            if scenario is not None and not data.get("scenario_ids"):
                data["scenario_ids"] = [scenario.id]  # a new element joins the scenario it was created in
            element = svc.save_element(db.session, engagement, kind, data, user_id=g.api_user.id)
            shown = scenario_view.one_in_view(db.session, element, scenario)
            location = url_for(f"api_elements.{kind}_item", eid=eid, element_id=element.id)
            body = element_json(shown)
            emit(eid, "object.created", body)
            return json_response(body, 201, version=shown.version, location=location)

    class Item(MethodView):
        @bp.arguments(ScenarioQuery, location="query", as_kwargs=True)
        @bp.alt_response(200, schema=schema_out, success=True, description=f"The {spec.label.lower()}")
        @bp.doc(operationId=f"get_{kind}", summary=f"Read a {spec.label.lower()}")
        def get(self, eid: int, element_id: int, **args):
            engagement = auth.engagement(eid)
            element = svc.get_element(db.session, engagement.id, kind, element_id)
            shown = scenario_view.one_in_view(db.session, element, _scenario(spec, eid, args.get("scenario")))
            return json_response(element_json(shown), version=shown.version)

        @bp.arguments(ScenarioQuery, location="query", as_kwargs=True)
        @bp.doc(operationId=f"update_{kind}", summary=f"Change some fields of a {spec.label.lower()}",
                requestBody={"required": True, "content": {"application/json": {"schema": schema_in}}})
        @bp.alt_response(200, schema=schema_out, success=True, description="Updated")
        @bp.alt_response(412, schema=Problem, description="If-Match names an older version (both are given)")
        @bp.alt_response(422, schema=Problem, description="Invalid input, naming each field")
        def patch(self, eid: int, element_id: int, **args):
            engagement = auth.engagement(eid)
            element = svc.get_element(db.session, engagement.id, kind, element_id)
            scenario = _scenario(spec, eid, args.get("scenario"))
            data, version = _body(spec), if_match_version()
            try:
                if scenario is None:
                    svc.save_element(db.session, engagement, kind, data, element, version=version,
                                     user_id=g.api_user.id, partial=True)
                else:
                    scenario_view.save_from_view(db.session, engagement, element, scenario, data,
                                                 scope=args["scope"], version=version, user_id=g.api_user.id)
            except Conflict as exc:
                return _conflict(exc, version)
            shown = scenario_view.one_in_view(db.session, element, scenario)
            body = element_json(shown)
            emit(eid, "object.updated", body)
            return json_response(body, version=shown.version)

        @bp.doc(operationId=f"delete_{kind}", summary=f"Delete a {spec.label.lower()} (and what depends on it)")
        @bp.alt_response(204, success=True, description="Deleted")
        @bp.alt_response(412, schema=Problem, description="If-Match names an older version (both are given)")
        def delete(self, eid: int, element_id: int):
            engagement = auth.engagement(eid)
            element = svc.get_element(db.session, engagement.id, kind, element_id)
            version = if_match_version()
            if version is not None and version != element.version:
                return _conflict(Conflict(element.version), version)
            gone = {"id": element.id, "kind": kind, "ref": element.ref, "label": element.label}
            svc.delete_element(db.session, engagement, element, user_id=g.api_user.id)
            emit(eid, "object.deleted", gone)
            return no_content()

    Collection.__name__ = f"{name}Collection"
    Item.__name__ = f"{name}Item"
    bp.route(f"{EID}/{slug}", endpoint=f"{kind}_list")(Collection)
    bp.route(f"{EID}/{slug}/{ID}", endpoint=f"{kind}_item")(Item)


for _kind in SLUGS:
    _register(_kind)
