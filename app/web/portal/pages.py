"""The portal's scenario pages: diagram and findings, requirements, decisions, flows, and the latest report.

Every page takes the scenario from the URL through the link (a scenario the link does not reach is a 404) and
its objects from that scenario's snapshot (an object outside it is a 404 too).
"""

from __future__ import annotations

from flask import abort, g
from markupsafe import Markup

from app.extensions import db
from app.services.review import portal
from app.web.portal import bp, page, pdf
from app.web.portal.review import analysis_or_404 as _analysis
from app.web.portal.review import object_page


@bp.route("/s/<int:scenario_id>/")
def scenario(scenario_id: int):
    """A scenario's landscape diagram (inline SVG, no links into the app) and its findings."""
    loaded = _analysis(scenario_id)
    svg, problem = portal.diagram_svg(db.session, g.share_link, scenario_id)
    report = portal.latest_report(db.session, g.share_link, scenario_id)
    # The SVG comes from Graphviz, drawn from our own model and checked inert when rendered (exports.graphviz_render).
    return page("portal/scenario.html", loaded=loaded, findings=loaded.findings(), svg=Markup(svg),  # noqa: S704
                problem=problem, report=report)


@bp.route("/s/<int:scenario_id>/requirements")
def requirements(scenario_id: int):
    """The scenario's requirements with their priority and status."""
    return page("portal/requirements.html", loaded=_analysis(scenario_id))


@bp.route("/s/<int:scenario_id>/requirements/<int:element_id>")
def requirement(scenario_id: int, element_id: int):
    """One requirement: its text, acceptance criteria, the decisions that address it, comments and sign-off."""
    return object_page(scenario_id, "requirement", element_id)


@bp.route("/s/<int:scenario_id>/decisions")
def decisions(scenario_id: int):
    """The scenario's decisions with their status."""
    return page("portal/decisions.html", loaded=_analysis(scenario_id))


@bp.route("/s/<int:scenario_id>/decisions/<int:element_id>")
def decision(scenario_id: int, element_id: int):
    """One decision: context, options, outcome and consequences, comments and sign-off."""
    return object_page(scenario_id, "decision", element_id)


@bp.route("/s/<int:scenario_id>/flows")
def flows(scenario_id: int):
    """The scenario's data flows."""
    return page("portal/flows.html", loaded=_analysis(scenario_id))


@bp.route("/s/<int:scenario_id>/flows/<int:element_id>")
def flow(scenario_id: int, element_id: int):
    """One flow: its ends, what it carries, how and how fast, and its comments."""
    return object_page(scenario_id, "flow", element_id)


@bp.route("/s/<int:scenario_id>/report.pdf")
def latest_report(scenario_id: int):
    """The newest report about this scenario whose every part lies within the link (404 when there is none)."""
    _analysis(scenario_id)
    job = portal.latest_report(db.session, g.share_link, scenario_id)
    if job is None or not job.pdf:
        abort(404)
    return pdf(job)
