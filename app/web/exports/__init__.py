"""The engagement's Exports page (/e/<eid>/exports) and the document downloads it offers: ReqIF (.reqif,
.reqifz) and the MADR decision-record zip. Diagrams, the JSON bundle, the workbook, the ArchiMate file and the
PDF report are served by their own areas; this page links to them (the last two only once they exist)."""

from __future__ import annotations

from flask import Response, g, request, url_for

from app.extensions import db
from app.services.analysis import diagrams as diagrams
from app.services.errors import ValidationError
from app.services.interchange import documents as documents
from app.services.scenarios import list_scenarios
from app.web.render import render
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("exports", __name__)


@bp.route("/exports")
def index():
    """Every file the engagement can be exported as, in one place."""
    return render("exports/index.html", scenarios=list_scenarios(db.session, g.engagement.id),
                  groupings=documents.GROUPINGS, diagram_formats=diagrams.FORMATS,
                  format_names=diagrams.FORMAT_NAMES)


def reqif(fmt: str):
    """Requirements, decisions and trace links as ReqIF 1.2; `group_by=type|channel` shapes the hierarchy."""
    group_by = request.args.get("group_by", "type")
    if group_by not in documents.GROUPINGS:
        raise ValidationError({"group_by": f"Group by one of {', '.join(documents.GROUPINGS)}."})
    body = documents.export_reqif(db.session, g.engagement, fmt=fmt, group_by=group_by)
    return _download(body, documents.REQIF_FORMATS[fmt], documents.reqif_filename(g.engagement, fmt))


for _fmt in documents.REQIF_FORMATS:  # /exports/requirements.reqif and .reqifz, endpoints reqif_reqif / reqif_reqifz
    bp.add_url_rule(f"/exports/requirements.{_fmt}", f"reqif_{_fmt}", reqif, defaults={"fmt": _fmt})


@bp.route("/exports/decisions.zip")
def adrs():
    """Decisions as MADR markdown files, zipped; requirement links point back at this app."""
    requirement_url = url_for("requirements.requirement_list", _external=True) + "/{id}"
    body = documents.export_adrs(db.session, g.engagement, requirement_url=requirement_url)
    return _download(body, documents.ADR_MEDIA_TYPE, documents.adr_filename(g.engagement))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
