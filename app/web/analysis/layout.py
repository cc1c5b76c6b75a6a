"""A diagram's layout page: its systems with a pin each, and a Re-layout button (writers only; see
app.services.analysis.diagram_layout). The forms post with htmx and swap the panel, or redirect back without."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.extensions import db
from app.services.analysis import diagram_layout as layouts
from app.services.analysis.diagrams import DiagramRequest
from app.web.analysis import bp
from app.web.analysis.diagram import diagram_request
from app.web.render import render, wants_fragment


def _params(req: DiagramRequest) -> dict[str, object]:
    """The query string that names the diagram (for its links and the forms' hidden fields)."""
    values = {"kind": req.kind, "scenario": req.scenario, "cluster": req.cluster if req.kind == "landscape" else None,
              "entity": req.entity}
    return {k: v for k, v in values.items() if v not in (None, "")}


@bp.route("/analysis/diagram/layout")
def diagram_layout():
    """The diagram with its systems listed, each pinned or not."""
    req = diagram_request()
    current = layouts.state(db.session, g.engagement, req)
    return render("analysis/diagram_layout.html", "analysis/_layout_panel.html", current=current, params=_params(req))


@bp.route("/analysis/diagram/layout/pin", methods=["POST"])
def diagram_pin():
    """Pin a node where it is drawn (`pinned=1`), or unpin it (`pinned=0`)."""
    req = diagram_request(request.form)
    pinned = request.form.get("pinned", "1") != "0"
    current = layouts.pin(db.session, g.engagement, req, request.form.get("node", ""), pinned)
    return _answer(current, req, "Pinned." if pinned else "Unpinned.")


@bp.route("/analysis/diagram/layout/relayout", methods=["POST"])
def diagram_relayout():
    """Lay the diagram out afresh on its next drawing (pinned nodes stay)."""
    req = diagram_request(request.form)
    current = layouts.relayout(db.session, g.engagement, req)
    return _answer(current, req, "The diagram is laid out afresh; pinned systems stayed.")


def _answer(current: layouts.LayoutState, req: DiagramRequest, message: str):
    if wants_fragment():
        return render_template("analysis/_layout_panel.html", current=current, params=_params(req))
    flash(message, "message")
    return redirect(url_for("analysis.diagram_layout", **_params(req)))
