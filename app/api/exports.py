"""Exports of a whole engagement as files: the JSON bundle, the workbook (XLSX or CSV ZIP), ArchiMate exchange
XML, ReqIF and MADR decision records — from the same export services as the web's downloads."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import auth
from app.api.schemas import Problem
from app.extensions import db
from app.services.bundle import transfer as bundle
from app.services.errors import NotFound, ValidationError
from app.services.interchange import archimate_export, documents
from app.services.workbook.export import FORMATS as WORKBOOK_FORMATS
from app.services.workbook.export import export_workbook
from app.services.workbook.export import filename_for as workbook_filename
from models import Engagement

bp = Blueprint("api_exports", __name__, url_prefix="/api/v1", description="Exports of a whole engagement")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"


def _bundle(engagement: Engagement) -> tuple[bytes | str, str]:
    return bundle.dumps_bundle(bundle.export_bundle(db.session, engagement)), bundle.filename_for(engagement)


def _archimate(engagement: Engagement) -> tuple[bytes | str, str]:
    try:
        body = archimate_export.export_archimate(db.session, engagement, request.args.get("scenario"))
    except NotFound as exc:
        raise ValidationError({"scenario": str(exc)}) from None
    return body, archimate_export.filename_for(engagement)


def _reqif(fmt: str) -> Callable[[Engagement], tuple[bytes | str, str]]:
    def build(engagement: Engagement) -> tuple[bytes | str, str]:
        group_by = request.args.get("group_by", "type")
        if group_by not in documents.GROUPINGS:
            raise ValidationError({"group_by": f"Group by one of {', '.join(documents.GROUPINGS)}."})
        body = documents.export_reqif(db.session, engagement, fmt=fmt, group_by=group_by)
        return body, documents.reqif_filename(engagement, fmt)

    return build


def _adrs(engagement: Engagement) -> tuple[bytes | str, str]:
    requirement_url = url_for("requirements.requirement_list", eid=engagement.id, _external=True) + "/{id}"
    return (documents.export_adrs(db.session, engagement, requirement_url=requirement_url),
            documents.adr_filename(engagement))


def _workbook(fmt: str) -> Callable[[Engagement], tuple[bytes | str, str]]:
    return lambda engagement: (export_workbook(db.session, engagement, fmt), workbook_filename(engagement, fmt))


# file name in the URL -> (media type, builder, parameters documented)
EXPORTS: dict[str, tuple[str, Callable[[Engagement], tuple[bytes | str, str]], list[dict]]] = {
    "bundle.json": ("application/json", _bundle, []),
    "workbook.xlsx": (WORKBOOK_FORMATS["xlsx"], _workbook("xlsx"), []),
    "workbook.zip": (WORKBOOK_FORMATS["zip"], _workbook("zip"), []),
    "archimate.xml": ("application/xml", _archimate, [
        {"name": "scenario", "in": "query", "schema": {"type": "string", "maxLength": 200},
         "description": "Scenario id or name (default: the current state), or 'all'"}]),
    **{f"requirements.{fmt}": (media, _reqif(fmt), [
        {"name": "group_by", "in": "query", "schema": {"type": "string", "enum": list(documents.GROUPINGS)}}])
       for fmt, media in documents.REQIF_FORMATS.items()},
    "decisions.zip": (documents.ADR_MEDIA_TYPE, _adrs, []),
}


def _register(name: str) -> None:
    media, build, parameters = EXPORTS[name]

    class ExportView(MethodView):
        @bp.doc(operationId=f"export_{name.replace('.', '_')}", summary=f"Download {name}", parameters=parameters,
                responses={"200": {"description": name,
                                   "content": {media.split(";")[0]: {"schema": {"type": "string"}}}}})
        @bp.alt_response(422, schema=Problem, description="A parameter that names nothing")
        def get(self, eid: int):
            body, filename = build(auth.engagement(eid))
            return Response(body, mimetype=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    ExportView.__name__ = "Export" + "".join(part.capitalize() for part in name.replace(".", "_").split("_"))
    bp.route(f"{EID}/exports/{name}", endpoint=f"export_{name.replace('.', '_')}")(ExportView)


for _name in EXPORTS:
    _register(_name)
