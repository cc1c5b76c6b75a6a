"""Datasets (multipart upload, versions, CSV download) and engine runs (start, poll, results) as resources,
through the dataset and engine-run services the web pages use; large runs go to the app's worker pool."""

from __future__ import annotations

from flask import Response, current_app, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import auth
from app.api.represent import json_response
from app.api.schemas import Problem
from app.api.webhooks import emit
from app.extensions import db
from app.jobs import jobs
from app.services.datasets import uploads as datasets
from app.services.datasets.files import DEFAULT_MAX_BYTES
from app.services.engines import runs as engine_runs
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import get_scenario

bp = Blueprint("api_runs", __name__, url_prefix="/api/v1", description="Datasets and engine runs")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
BIG = "int(max=2147483647)"
ID = validate.Range(min=1, max=2**31 - 1)
INLINE_ROWS = 100_000  # runs over this many input rows go to the worker pool (as on the ATP page)

Dataset = Schema.from_dict({"id": fields.Integer(), "kind": fields.String(), "name": fields.String(),
                            "system_id": fields.Integer(allow_none=True),
                            "versions": fields.List(fields.Dict())}, name="Dataset")
Run = Schema.from_dict({"id": fields.Integer(), "kind": fields.String(), "scenario_id": fields.Integer(),
                        "status": fields.String(), "progress": fields.Float(), "error": fields.String(),
                        "metrics": fields.Dict(allow_none=True), "dataset_versions": fields.Dict()}, name="EngineRun")


class UploadForm(Schema):
    """A multipart upload: the file (CSV or XLSX), its kind, the system it comes from, an optional name."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    kind = fields.String(required=True, validate=validate.Length(max=20))
    system = fields.String(required=True, metadata={"description": "The source system's id or name"})
    name = fields.String(validate=validate.Length(max=200))


class StartRun(Schema):
    """A run to start: its kind and scenario (latency overrides per channel optional, for a replay)."""

    kind = fields.String(required=True, validate=validate.OneOf(["atp", "replay"]))
    scenario_id = fields.Integer(required=True, validate=ID)
    latency = fields.Dict(keys=fields.String(), values=fields.Float())
    as_of = fields.String(allow_none=True)


def _version_json(version) -> dict:
    return {"id": version.id, "number": version.number, "filename": version.filename, "rows": version.row_count,
            "status": version.status, "uploaded_at": version.uploaded_at.isoformat(),
            "download": url_for("api_runs.DatasetVersionCsv", eid=g.membership.engagement_id, version_id=version.id)}


def _dataset_json(dataset) -> dict:
    return {"id": dataset.id, "kind": dataset.kind, "name": dataset.name, "system_id": dataset.system_id,
            "versions": [_version_json(v) for v in dataset.versions]}


def _run_json(run) -> dict:
    return {"id": run.id, "kind": run.kind, "scenario_id": run.scenario_id, "status": run.status,
            "progress": run.progress, "error": run.error or "", "metrics": run.metrics,
            "dataset_versions": run.dataset_versions or {}}


@bp.route(f"{EID}/datasets")
class Datasets(MethodView):
    @bp.alt_response(200, schema=Dataset(many=True), success=True, description="Every dataset and its versions")
    @bp.doc(operationId="list_datasets", summary="List the datasets and their versions")
    def get(self, eid: int):
        auth.engagement(eid)
        return json_response([_dataset_json(d) for d in datasets.list_datasets(db.session, eid)])

    @bp.doc(operationId="upload_dataset", summary="Upload a dataset file (a new version when the dataset exists)",
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": UploadForm}}})
    @bp.alt_response(201, schema=Dataset, success=True, description="Stored")
    @bp.alt_response(422, schema=Problem, description="Rejected, naming each bad row, column or field")
    def post(self, eid: int):
        engagement = auth.engagement(eid)
        file = request.files.get("file")
        if file is None or not file.filename:
            raise ValidationError({"file": "Attach a CSV or XLSX file as 'file'."})
        result = datasets.upload_dataset(
            db.session, engagement, request.form.get("kind", ""), file.read(), file.filename,
            system=request.form.get("system") or None, name=request.form.get("name") or None, user=g.api_user,
            max_bytes=int(current_app.config.get("DATASET_MAX_BYTES", DEFAULT_MAX_BYTES)),
        )
        return json_response(_dataset_json(result.version.dataset), 201)


@bp.route(f"{EID}/datasets/versions/<{BIG}:version_id>/csv")
class DatasetVersionCsv(MethodView):
    @bp.doc(operationId="download_dataset_version", summary="Download one version of a dataset as CSV",
            responses={"200": {"description": "The rows as CSV",
                               "content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self, eid: int, version_id: int):
        auth.engagement(eid)
        version = datasets.get_version(db.session, eid, version_id, with_data=True)
        body = datasets.frame_csv(datasets.load_frame(db.session, version))
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="dataset-version-{version.id}.csv"'})


@bp.route(f"{EID}/runs")
class Runs(MethodView):
    @bp.alt_response(200, schema=Run(many=True), success=True, description="The engagement's ATP and replay runs")
    @bp.doc(operationId="list_runs", summary="List engine runs, newest first")
    def get(self, eid: int):
        auth.engagement(eid)
        return json_response([_run_json(r) for r in engine_runs.list_runs(db.session, eid, ("atp", "replay"))])

    @bp.doc(operationId="start_run", summary="Start an ATP or replay run of a scenario; poll it until done",
            requestBody={"required": True, "content": {"application/json": {"schema": StartRun}}})
    @bp.alt_response(202, schema=Run, success=True, description="Started; Location is the run to poll")
    @bp.alt_response(422, schema=Problem, description="A missing dataset, a bad scenario or bad rules, by name")
    def post(self, eid: int):
        engagement = auth.engagement(eid)
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationError({"body": "Send a JSON object with kind and scenario_id."})
        errors = StartRun().validate(data)
        if errors:
            raise ValidationError({k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()})
        try:
            scenario = get_scenario(db.session, eid, data["scenario_id"])
        except NotFound:
            raise ValidationError({"scenario_id": "No such scenario in this engagement."}) from None
        run = engine_runs.start_run(db.session, engagement, scenario, data["kind"], user=g.api_user,
                                    latency=data.get("latency") or {}, as_of=data.get("as_of") or None)
        if engine_runs.largest_input(db.session, run) > int(current_app.config.get("ENGINE_INLINE_ROWS", INLINE_ROWS)):
            jobs(current_app).submit(f"run-{run.id}", engine_runs.execute_run, run.id)
        else:
            run = engine_runs.execute_run(db.session, run.id)
            emit(eid, "run.finished", _run_json(run))
        response = json_response(_run_json(run), 202)
        response.headers["Location"] = url_for("api_runs.RunItem", eid=eid, run_id=run.id)
        return response


@bp.route(f"{EID}/runs/<{BIG}:run_id>")
class RunItem(MethodView):
    @bp.alt_response(200, schema=Run, success=True, description="Status, progress and, once done, the metrics")
    @bp.doc(operationId="get_run", summary="Poll an engine run")
    def get(self, eid: int, run_id: int):
        auth.engagement(eid)
        return json_response(_run_json(engine_runs.get_run(db.session, eid, run_id)))
