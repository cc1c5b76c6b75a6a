"""Diagram downloads and embeds: `/analysis/diagram.svg|png|dot|mmd?kind=…` (see app.services.analysis.diagrams).

SVG and PNG are drawn from the diagram's remembered layout (app.services.analysis.diagram_layout); the DOT and
Mermaid sources are the diagram itself, free of positions.

Pages load the SVG after the page with htmx (`embed=1&inline=1`) and inline it, so its node links work under the
page's own CSP (`object-src 'none'`; an `<img>` would be inert); Graphviz's output is checked inert when drawn. The
SVG document itself carries its own CSP (no scripts, no loads). When Graphviz fails, an embed (`embed=1`) gets a
small SVG saying why with a link to the DOT source, and a download gets an error page.
"""

from __future__ import annotations

import re
import textwrap
from xml.sax.saxutils import escape, quoteattr

from flask import Response, g, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.services.analysis import diagram_layout as layouts
from app.services.analysis import diagrams as svc
from app.web.analysis import bp
from app.web.analysis.common import link_prefix
from exports.graphviz_render import DiagramError, render

# The SVG document's own policy: nothing may run or load; only our pages may embed it.
SVG_CSP = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
PARAMS = ("kind", "scenario", "cluster", "entity", "system", "flow", "depth", "against")


def diagram_request(args: MultiDict | None = None) -> svc.DiagramRequest:
    """The diagram the query string (or a posted form) asks for."""
    args = request.args if args is None else args
    return svc.DiagramRequest(
        kind=args.get("kind", ""),
        scenario=args.get("scenario") or None,
        cluster=args.get("cluster", "category"),
        entity=args.get("entity") or None,
        system=args.get("system") or None,
        flow=args.get("flow", type=int),
        depth=args.get("depth", type=int),
        against=args.get("against") or None,
    )


def diagram(fmt: str):
    """One diagram as SVG, PNG, or its DOT or Mermaid source; `download=1` asks for a file (sources always are)."""
    req = diagram_request()
    prefix = link_prefix() if fmt == "svg" else None
    headers = {"Content-Security-Policy": SVG_CSP}
    if fmt in svc.TEXT_FORMATS:
        built = svc.build(db.session, g.engagement, req, link_prefix=prefix)
        headers["Content-Disposition"] = f'attachment; filename="{built.filename(fmt)}"'
        return Response(built.source(fmt), mimetype=svc.MEDIA_TYPES[fmt], headers=headers)
    try:
        drawing = layouts.draw(db.session, g.engagement, req, link_prefix=prefix)
        data = render(drawing.source, fmt, cache=True)  # a remembered layout draws the same until the model changes
    except DiagramError as exc:
        dot_url = url_for("analysis.diagram_dot", **{k: v for k, v in request.args.items() if k in PARAMS})
        if request.args.get("embed") and fmt == "svg":
            if request.args.get("inline"):
                return Response(_inline(_error_svg(str(exc), dot_url)), mimetype="text/html",
                                headers={"X-Diagram-Error": "1"})
            return Response(_error_svg(str(exc), dot_url), mimetype="image/svg+xml", headers={
                "Content-Security-Policy": SVG_CSP, "X-Diagram-Error": "1"})
        page = render_template("analysis/diagram_error.html", message=str(exc), dot_url=dot_url)
        return page, 422
    if fmt == "svg" and request.args.get("inline"):
        # A fragment of the page: the page's own CSP applies (the app-wide hook sets it).
        return Response(_inline(data.decode("utf-8")), mimetype="text/html")
    if request.args.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{drawing.diagram.filename(fmt)}"'
    return Response(data, mimetype=svc.MEDIA_TYPES[fmt], headers=headers)


for _fmt in svc.FORMATS:
    bp.add_url_rule(f"/analysis/diagram.{_fmt}", f"diagram_{_fmt}", diagram, defaults={"fmt": _fmt})


_PROLOGUE = re.compile(r"\A\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*", re.S)


def _inline(svg: str) -> str:
    """The SVG element alone (no XML prologue, doctype or leading comments), to be placed inside an HTML page."""
    return _PROLOGUE.sub("", svg, count=1)


def _error_svg(message: str, dot_url: str) -> str:
    """A small inert SVG that says why the diagram is missing, with a link to its DOT source."""
    wrapped = textwrap.wrap(f"The diagram could not be drawn: {message}", 100)[:6]
    height = 30 + 18 * (len(wrapped) + 1)
    texts = "".join(f'<text x="12" y="{24 + 18 * i}">{escape(line)}</text>' for i, line in enumerate(wrapped))
    link_y = 24 + 18 * len(wrapped) + 6
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="760" '
        f'height="{height}" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#7a1c14">'
        f'<rect width="100%" height="100%" fill="#fdecea" stroke="#f1b7b1"/>{texts}'
        f'<a xlink:href={quoteattr(dot_url)} href={quoteattr(dot_url)} target="_top">'
        f'<text x="12" y="{link_y}" fill="#1f5fbf" text-decoration="underline">Download the DOT source</text></a>'
        "</svg>"
    )
