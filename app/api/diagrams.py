"""Diagrams of a scenario as SVG, PNG, DOT or Mermaid, built by the diagram service the web pages and the
`diagram` command use (same parameters, same errors naming the parameter)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import auth
from app.api.schemas import Problem
from app.extensions import db
from app.services.analysis import diagrams as svc
from app.services.errors import NotFound, ValidationError
from exports.graphviz_render import DiagramError, render

bp = Blueprint("api_diagrams", __name__, url_prefix="/api/v1", description="Diagrams")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
SVG_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class DiagramArgs(Schema):
    """What to draw: names are matched loosely, ids work too (as in `flask diagram`)."""

    kind = fields.String(required=True, validate=validate.OneOf(svc.KINDS))
    scenario = fields.String(validate=validate.Length(max=200))
    cluster = fields.String(load_default="category", validate=validate.Length(max=30))
    entity = fields.String(validate=validate.Length(max=200))
    system = fields.String(validate=validate.Length(max=200))
    flow = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    depth = fields.Integer(validate=validate.Range(min=0, max=100))
    against = fields.String(validate=validate.Length(max=200))


def _draw(eid: int, fmt: str, args: dict) -> Response:
    engagement = auth.engagement(eid)
    req = svc.DiagramRequest(**args)
    try:
        built = svc.build(db.session, engagement, req)
    except NotFound as exc:
        raise ValidationError({"scenario" if req.kind != "impact" else "system": str(exc)}) from None
    headers = {"Content-Disposition": f'attachment; filename="{built.filename(fmt)}"'}
    if fmt in svc.TEXT_FORMATS:
        return Response(built.source(fmt), mimetype=svc.MEDIA_TYPES[fmt], headers=headers)
    try:
        data = render(built.dot, fmt, cache=True)
    except DiagramError as exc:
        raise ValidationError({"diagram": f"Graphviz could not draw it: {exc}"}) from None
    headers["Content-Security-Policy"] = SVG_CSP
    return Response(data, mimetype=svc.MEDIA_TYPES[fmt], headers=headers)


def _register(fmt: str) -> None:
    media = svc.MEDIA_TYPES[fmt].split(";")[0]

    class DiagramView(MethodView):
        @bp.arguments(DiagramArgs, location="query", as_kwargs=True)
        @bp.doc(operationId=f"diagram_{fmt}", summary=f"A diagram as {svc.FORMAT_NAMES[fmt]}",
                responses={"200": {"description": svc.FORMAT_NAMES[fmt],
                                   "content": {media: {"schema": {"type": "string"}}}}})
        @bp.alt_response(422, schema=Problem, description="A parameter naming nothing in the scenario")
        def get(self, eid: int, **args):
            return _draw(eid, fmt, args)

    DiagramView.__name__ = f"Diagram{fmt.capitalize()}"
    bp.route(f"{EID}/diagram.{fmt}", endpoint=f"diagram_{fmt}")(DiagramView)


for _fmt in svc.FORMATS:
    _register(_fmt)
