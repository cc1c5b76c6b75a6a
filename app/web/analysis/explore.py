"""Impact of a system or flow, and the comparison of two scenarios."""

from __future__ import annotations

from flask import g, render_template, request

from app.extensions import db
from app.graph import report
from app.graph.impact import DOWNSTREAM, UPSTREAM
from app.graph.units import format_duration
from app.services.analysis import scenario as analysis
from app.services.errors import NotFound, ServiceError, ValidationError
from app.web.analysis import bp
from app.web.analysis.common import load, pick_scenario


@bp.route("/analysis/impact")
def impact():
    """Upstream and downstream of `?system=<id>` or `?flow=<id>` (optional depth and entity), and what it touches."""
    loaded, scenarios = load()
    system = request.args.get("system", type=int)
    flow = request.args.get("flow", type=int)
    depth = request.args.get("depth", type=int)
    entity = request.args.get("entity", type=int)
    context = {"loaded": loaded, "scenarios": scenarios, "system": system, "flow": flow, "depth": depth,
               "entity": entity, "result": None, "error": None,
               "systems": sorted(loaded.snapshot.systems, key=lambda s: s.name.casefold())}
    if system is None and flow is None:
        return render_template("analysis/impact.html", **context)
    try:
        result = loaded.impact(None if system is None else str(system), flow=flow, depth=depth,
                               entities=[str(entity)] if entity is not None else ())
    except ServiceError as exc:
        status = 404 if isinstance(exc, NotFound) else 422
        message = "; ".join(m for ms in exc.errors.values() for m in ms) if isinstance(exc, ValidationError) \
            else str(exc)
        return render_template("analysis/impact.html", **{**context, "error": message}), status
    params = {"kind": "impact", "scenario": loaded.scenario.id, "system": system, "flow": flow, "depth": depth,
              "entity": entity}
    context.update(
        result=result,
        by_entity={UPSTREAM: result.by_entity(UPSTREAM), DOWNSTREAM: result.by_entity(DOWNSTREAM)},
        diagram_params={k: v for k, v in params.items() if v is not None},
    )
    return render_template("analysis/impact.html", **context)


@bp.route("/analysis/compare")
def compare():
    """Scenario A (`?a=<id>`, default the current state) against B (`?b=<id>`, default the next scenario)."""
    a, scenarios = pick_scenario("a")
    b, _ = pick_scenario("b", default_index=1)
    first, second, comparison = analysis.compare_scenarios(db.session, g.engagement, a, b)
    document = report.comparison(first.snapshot, second.snapshot, comparison)
    return render_template(
        "analysis/compare.html",
        scenarios=scenarios,
        a=first,
        b=second,
        comparison=comparison,
        model=document["model"],
        metric_rows=_metric_rows(first, comparison),
        diagram_params={"kind": "diff", "scenario": a.id, "against": b.id},
    )


def _metric_rows(first: analysis.Analysis, comparison) -> list[tuple[str, object, object]]:
    """Headline figures of A and B side by side, as (label, A, B)."""
    ma, mb = comparison.metrics_a, comparison.metrics_b
    rows = [
        ("Systems", ma.systems, mb.systems),
        ("Flows", ma.flows, mb.flows),
        ("Integrations (system pairs)", ma.integrations, mb.integrations),
        ("Point-to-point pairs", ma.point_to_point, mb.point_to_point),
        ("Entities with several systems of record", ma.sor_conflicts, mb.sor_conflicts),
        ("Entities in use without a system of record", ma.sor_missing, mb.sor_missing),
    ]
    rows += [(f"Findings: {severity}", ma.findings.get(severity, 0), mb.findings.get(severity, 0))
             for severity in ma.findings]
    for channel in sorted(ma.inventory_freshness.keys() | mb.inventory_freshness.keys()):
        rows.append((f"Inventory freshness on {first.snapshot.name_of(channel)} (worst)",
                     format_duration(ma.inventory_freshness.get(channel)),
                     format_duration(mb.inventory_freshness.get(channel))))
    return rows
