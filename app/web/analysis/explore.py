"""Impact of a system or flow, and the comparison of two or more scenarios."""

from __future__ import annotations

from flask import g, render_template, request

from app.extensions import db
from app.graph import report
from app.graph.impact import DOWNSTREAM, UPSTREAM
from app.services.analysis.compare_several import compare_several
from app.services.errors import NotFound, ServiceError, ValidationError
from app.web.analysis import bp
from app.web.analysis.common import load, pick_scenario, picked_several


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
    """Two or more scenarios side by side: `?s=<id>&s=<id>…` (the first is the baseline), or scenario A
    (`?a=<id>`, default the current state) against B (`?b=<id>`, default the next scenario)."""
    chosen, scenarios = picked_several("s")
    if len(chosen) < 2:
        chosen = [pick_scenario("a")[0], pick_scenario("b", default_index=1)[0]]
    result = compare_several(db.session, g.engagement, chosen)
    first = result.baseline.analysis
    pair = report.comparison(first.snapshot, result.columns[1].analysis.snapshot, result.pairs[0])
    return render_template(
        "analysis/compare.html",
        scenarios=scenarios,
        result=result,
        a=first,
        b=result.columns[1].analysis,
        comparison=result.pairs[0],
        model=pair["model"],
        diagram_params={"kind": "diff", "scenario": chosen[0].id, "against": chosen[1].id},
    )
