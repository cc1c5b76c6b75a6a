"""Matrices: data ownership (entities × systems per scenario) and traceability (requirements × decisions)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog import elements as elements
from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.catalog import trace as trace
from app.services.catalog import traceability as traceability
from app.services.errors import ValidationError
from app.services.scenarios import get_scenario
from app.web.render import render, wants_fragment
from app.web.scenario_view import engagement_scenarios, scenario_in_view
from app.web.tenancy import engagement_blueprint
from models.vocab import PRIORITIES, REQUIREMENT_STATUSES, SYSTEM_CATEGORIES

bp = engagement_blueprint("matrices", __name__)


def _scenario():
    """The scenario in view (a ?scenario= of this engagement chooses it, as on every page) and all of them."""
    return scenario_in_view(), engagement_scenarios()


def _columns() -> tuple[str, int]:
    """The category added as columns and the first column of the page (`?category=&offset=`)."""
    category = request.args.get("category", "") if request.args.get("category") in SYSTEM_CATEGORIES else ""
    return category, max(request.args.get("offset", type=int) or 0, 0)


@bp.route("/ownership-matrix")
def ownership():
    """Entities × systems of one scenario; entities without exactly one system of record are flagged."""
    scenario, scenarios = _scenario()
    category, offset = _columns()
    matrix = ownership_matrix.build(db.session, g.engagement, scenario, category, offset)
    return render(
        "matrices/ownership.html",
        "matrices/_ownership_table.html",
        matrix=matrix,
        scenarios=scenarios,
        category=category,
    )


@bp.route("/ownership-matrix/<int:scenario_id>/cell", methods=["POST"])
def ownership_cell(scenario_id: int):
    """Set one cell's role; answers with the entity's row so its highlight follows."""
    scenario = get_scenario(db.session, g.engagement.id, scenario_id)
    system_id, entity_id = _pair("cell", "system_id", "entity_id")
    error = None
    try:
        ownership_matrix.set_cell(
            db.session,
            g.engagement,
            scenario,
            system_id,
            entity_id,
            request.form.get("role", ""),
            user_id=current_user.id,
        )
    except ValidationError as exc:
        transactions.discard(db.session)
        error = "; ".join(m for ms in exc.errors.values() for m in ms)
    category, offset = _columns()  # the page the cell is on, so the row answered has the page's columns
    matrix = ownership_matrix.build(db.session, g.engagement, scenario, category, offset)
    if not wants_fragment():
        if error:
            flash(error, "error")
        return redirect(url_for("matrices.ownership", scenario=scenario.id, category=category or None,
                                offset=offset or None))
    entity = next((e for e in matrix.entities if e.id == entity_id), None)
    if entity is None:
        return render_template("components/_toast_body.html", message=error or "Unknown entity.", error=True), 422
    return render_template("matrices/_ownership_row.html", matrix=matrix, entity=entity, error=error,
                           category=category), (
        422 if error else 200
    )


def _pair(compact: str, first: str, second: str) -> tuple[int, int]:
    """The two ids a cell posts: `first` and `second`, or `compact=<first>-<second>` (the compact cells)."""
    ids = (request.form.get(first, type=int) or 0, request.form.get(second, type=int) or 0)
    parts = request.form.get(compact, "").split("-")
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        ids = (int(parts[0]), int(parts[1]))
    return ids


@bp.route("/traceability")
def traceability_view():
    """Requirements × decisions, what each decision affects, coverage figures and suspect links."""
    filters = {
        "priority": request.args.get("priority", "") if request.args.get("priority") in PRIORITIES else "",
        "status": request.args.get("status", "") if request.args.get("status") in REQUIREMENT_STATUSES else "",
        "channel_id": request.args.get("channel", type=int),
    }
    offset = max(request.args.get("offset", type=int) or 0, 0)
    matrix = traceability.matrix(db.session, g.engagement, offset=offset, **filters)
    channels = elements.list_elements(db.session, g.engagement.id, "channel")
    return render(
        "matrices/traceability.html",
        "matrices/_trace_table.html",
        matrix=matrix,
        filters=filters,
        channels=channels,
        coverage=traceability.coverage(db.session, g.engagement),
        suspects=traceability.suspect_links(db.session, g.engagement.id),
        page_size=traceability.PAGE_SIZE,
    )


@bp.route("/traceability/toggle", methods=["POST"])
def trace_toggle():
    """Link or unlink a requirement and a decision from the matrix."""
    requirement_id, decision_id = _pair("pair", "requirement_id", "decision_id")
    link = trace.find_link(db.session, g.engagement.id, "addresses", requirement_id, decision_id)
    error = None
    try:
        if link is None:
            link = trace.add_link(
                db.session, g.engagement, "addresses", requirement_id, decision_id, user_id=current_user.id
            )
        else:
            trace.remove_link(db.session, g.engagement, link.id, user_id=current_user.id)
            link = None
    except ValidationError as exc:
        transactions.discard(db.session)
        error = "; ".join(m for ms in exc.errors.values() for m in ms)
    if not wants_fragment():
        if error:
            flash(error, "error")
        return redirect(url_for("matrices.traceability_view"))
    if error:
        toast = render_template("components/_toast_body.html", message=error, error=True)
        return toast, 422, {"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"}
    response = render_template(
        "matrices/_trace_cell.html", requirement_id=requirement_id, decision_id=decision_id, link=link
    )
    # The matrix posts through one form around the table: the answer replaces the clicked cell alone.
    cell = {"HX-Retarget": f"#trace-{requirement_id}-{decision_id}", "HX-Reswap": "outerHTML"}
    return response, 200, {"HX-Trigger": "coverage-changed", **cell}


@bp.route("/traceability/coverage")
def trace_coverage():
    """The coverage panel alone (refreshed after a link changes)."""
    return render_template(
        "matrices/_coverage.html",
        coverage=traceability.coverage(db.session, g.engagement),
        suspects=traceability.suspect_links(db.session, g.engagement.id),
    )


@bp.route("/links/<int:link_id>/review", methods=["POST"])
def review(link_id: int):
    """Mark a suspect link reviewed."""
    link = traceability.review_link(db.session, g.engagement, link_id, user_id=current_user.id)
    if wants_fragment():
        return render_template(
            "matrices/_coverage.html",
            coverage=traceability.coverage(db.session, g.engagement),
            suspects=traceability.suspect_links(db.session, g.engagement.id),
        )
    flash(f"Link “{link.source.label} → {link.target.label}” reviewed.")
    return redirect(request.referrer or url_for("matrices.traceability_view"))
