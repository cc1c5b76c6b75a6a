"""Analysis of a scenario as JSON: findings, data freshness, acceptance criteria and the comparison of
scenarios — the documents `flask analysis … --json` prints (docs/analysis-cli.md), from the same services."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import auth
from app.api.represent import json_response
from app.api.schemas import Problem
from app.extensions import db
from app.graph import report
from app.services.analysis import scenario as analysis
from app.services.analysis.compare_several import compare_several
from app.services.analysis.value_diff import as_json as value_json
from app.services.errors import NotFound, ValidationError

bp = Blueprint("api_analysis", __name__, url_prefix="/api/v1",
               description="Findings, freshness, criteria and comparison of scenarios")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
ID = validate.Range(min=1, max=2**31 - 1)
Document = Schema.from_dict({"document": fields.Dict()}, name="AnalysisDocument")


class ScenarioArg(Schema):
    """Which scenario to analyse (default: the current state)."""

    scenario = fields.Integer(validate=ID)


class FreshnessArgs(ScenarioArg):
    """Optionally only one entity and/or one channel (names, matched loosely)."""

    entity = fields.String(validate=validate.Length(max=200))
    channel = fields.String(validate=validate.Length(max=200))


class CriteriaArgs(ScenarioArg):
    """Optionally only one requirement (REQ-n or id)."""

    requirement = fields.String(validate=validate.Length(max=50))


class CompareArgs(Schema):
    """Two or more scenario ids: the first is the baseline, the others are compared with it."""

    scenarios = fields.List(fields.Integer(validate=ID), required=True, validate=validate.Length(min=2, max=6))


def _analyse(eid: int, scenario: int | None) -> analysis.Analysis:
    engagement = auth.engagement(eid)
    try:
        return analysis.analyse(db.session, engagement, scenario)
    except NotFound:
        raise ValidationError({"scenario": f"No scenario {scenario} in this engagement."}) from None


@bp.route(f"{EID}/findings")
class Findings(MethodView):
    @bp.arguments(ScenarioArg, location="query", as_kwargs=True)
    @bp.alt_response(200, schema=Document, success=True, description="The rule suite's findings, most severe first")
    @bp.doc(operationId="get_findings", summary="Findings of a scenario")
    def get(self, eid: int, scenario: int | None = None):
        loaded = _analyse(eid, scenario)
        return json_response(report.findings(loaded.snapshot, loaded.findings()))


@bp.route(f"{EID}/freshness")
class Freshness(MethodView):
    @bp.arguments(FreshnessArgs, location="query", as_kwargs=True)
    @bp.alt_response(200, schema=Document, success=True, description="Latency from the system of record")
    @bp.alt_response(422, schema=Problem, description="An entity or channel that is not in the scenario")
    @bp.doc(operationId="get_freshness", summary="Data freshness per entity and channel")
    def get(self, eid: int, scenario: int | None = None, entity: str | None = None, channel: str | None = None):
        loaded = _analyse(eid, scenario)
        try:
            rows = loaded.freshness(entity, channel)
        except NotFound as exc:
            raise ValidationError({"entity" if entity else "channel": str(exc)}) from None
        return json_response(report.freshness(loaded.snapshot, rows))


@bp.route(f"{EID}/criteria")
class Criteria(MethodView):
    @bp.arguments(CriteriaArgs, location="query", as_kwargs=True)
    @bp.alt_response(200, schema=Document, success=True, description="Pass, fail or unknown per criterion")
    @bp.doc(operationId="get_criteria", summary="Acceptance criteria of the requirements, evaluated")
    def get(self, eid: int, scenario: int | None = None, requirement: str | None = None):
        loaded = _analyse(eid, scenario)
        try:
            result = loaded.criteria(requirement)
        except NotFound as exc:
            raise ValidationError({"requirement": str(exc)}) from None
        return json_response(report.criteria(loaded.snapshot, result))


@bp.route(f"{EID}/compare")
class Compare(MethodView):
    @bp.arguments(CompareArgs, location="query", as_kwargs=True)
    @bp.alt_response(200, schema=Document, success=True, description="Model, values, findings, criteria, metrics")
    @bp.alt_response(422, schema=Problem, description="Fewer than two scenarios, or one not in the engagement")
    @bp.doc(operationId="compare_scenarios", summary="Compare scenarios (the first is the baseline)")
    def get(self, eid: int, scenarios: list[int]):
        engagement = auth.engagement(eid)
        try:
            result = compare_several(db.session, engagement, scenarios)
        except NotFound as exc:
            raise ValidationError({"scenarios": str(exc)}) from None
        base = result.baseline.analysis
        documents = [{**report.comparison(base.snapshot, column.analysis.snapshot, pair), "values": value_json(values)}
                     for column, pair, values in zip(result.columns[1:], result.pairs, result.values, strict=True)]
        return json_response({"baseline": documents[0]["a"],
                              "scenarios": [report.scenario(c.analysis.snapshot) for c in result.columns],
                              "comparisons": documents})
