"""Order routing: a cost model per scenario, runs of each strategy (inline or in the background), results with
charts, and strategies and scenarios side by side (docs/routing.md)."""

from __future__ import annotations

import json

from flask import current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from app.engines.routing import CRITERIA, STRATEGIES
from app.extensions import db
from app.jobs import init_jobs
from app.services import transactions
from app.services.datasets.uploads import latest_version
from app.services.engines import routing as routing
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.scenarios import list_scenarios
from app.web.atp import charts as atp_charts
from app.web.engine_pages import dispatch_run, edit_document, run_or_404, scenario_or_404, status_fragment
from app.web.render import render
from app.web.routing import charts
from app.web.tenancy import engagement_blueprint, read_view
from models import EngineRun

bp = engagement_blueprint("routing", __name__)
bp.record_once(lambda state: init_jobs(state.app))
INLINE_LINES = 20_000  # routing runs over more order lines than this go to the background worker
NUMBERS = ("base", "rate_per_km", "handling_default", "split_penalty", "unfilled_penalty", "max_distance_km",
           "max_splits", "batch_orders", "time_limit_s", "mip_gap")
WHOLE = ("max_splits", "batch_orders")


@bp.route("/routing")
def overview():
    """Scenarios with their cost models, run buttons per strategy, the side-by-side comparison and recent runs."""
    scenarios = list_scenarios(db.session, g.engagement.id)
    latest = routing.latest_runs(db.session, g.engagement.id)
    ordered = [latest[(s.id, name)] for s in scenarios for name in STRATEGIES if (s.id, name) in latest]
    return render(
        "routing/overview.html", scenarios=scenarios, strategies=STRATEGIES, latest=latest,
        costs={s.id: routing.cost_document(db.session, s) for s in scenarios},
        comparison=comparison(ordered), runs=engine_runs.list_runs(db.session, g.engagement.id, kind="routing",
                                                                   limit=15),
        inputs={k: latest_version(db.session, g.engagement.id, k) for k in ("locations", "inventory", "orders")},
    )


@bp.route("/routing/cost/<int:scenario_id>", methods=["GET", "POST"])
@read_view
def cost_editor(scenario_id: int):
    """Edit a scenario's cost model: the form, or the JSON document itself."""
    scenario = scenario_or_404(scenario_id)
    errors: dict[str, list[str]] = {}
    document = routing.cost_document(db.session, scenario)
    if request.method == "POST":
        current = document
        document, errors, saved = edit_document(
            current,
            lambda: _document_from_form(current),
            lambda doc: routing.save_cost_model(db.session, g.engagement, scenario, doc, user=current_user),
        )
        if saved:
            return redirect(url_for("routing.cost_editor", scenario_id=scenario.id, saved=1))
    shown = document if isinstance(document, dict) else {}
    body = render("routing/cost.html", scenario=scenario, document=shown, errors=errors, criteria=CRITERIA,
                  document_text=json.dumps(shown, indent=2, ensure_ascii=False), saved=request.args.get("saved"))
    return (body[0], 422) if errors else body


def _document_from_form(current: dict) -> tuple[dict, dict[str, list[str]]]:
    """The form's fields over the current document (bands, priorities and origins stay as they are)."""
    document = dict(current)
    errors: dict[str, list[str]] = {}
    for key in NUMBERS:
        raw = (request.form.get(key) or "").strip()
        if not raw:
            if key == "max_distance_km":
                document[key] = None
            continue
        try:
            document[key] = int(raw) if key in WHOLE else float(raw)
        except ValueError:
            errors[key] = [f"{raw!r} is not a {'whole ' if key in WHOLE else ''}number."]
    criteria = [c.strip() for c in (request.form.get("criteria") or "").split(",") if c.strip()]
    if criteria:
        document["criteria"] = criteria
    return document, errors


@bp.route("/routing/runs", methods=["POST"])
def start():
    """Start a routing run for a scenario and strategy; small runs finish inline, large ones in the background."""
    scenario = scenario_or_404(request.form.get("scenario_id", type=int) or 0)
    try:
        run = engine_runs.start_run(db.session, g.engagement, scenario, "routing", user=current_user,
                                    strategy=request.form.get("strategy") or None)
    except ValidationError as exc:
        transactions.discard(db.session)
        for messages in exc.errors.values():
            for m in messages:
                flash(m, "error")
        return redirect(url_for("routing.overview"))
    lines = engine_runs.input_rows(db.session, run, "orders")
    background = lines > int(current_app.config.get("ROUTING_INLINE_LINES", INLINE_LINES)) or (
        run.parameters["strategy"] in ("optimal", "guided") and lines > 2_000
    )
    return dispatch_run(run.id, engine_runs.execute_run, background=background, detail_endpoint="routing.run_detail")


@bp.route("/routing/runs/<int:run_id>")
def run_detail(run_id: int):
    """A routing run: inputs, progress while it runs, then its figures, charts and tables."""
    run = run_or_404(run_id, ("routing",))
    versions = engine_runs.run_versions(db.session, run)
    views = {}
    if run.status == "done":
        m = run.metrics
        channels = list(m["by_channel"])
        views = {
            "map": charts.node_map(m["nodes"]),
            "channel_chart": atp_charts.bar_chart(channels, {
                "fill rate": [m["by_channel"][c]["fill_rate"] for c in channels],
                "split rate": [m["by_channel"][c]["split_rate"] for c in channels],
                "from stores": [m["by_channel"][c]["from_stores"] for c in channels]}, percent=True),
            "busy_nodes": sorted((n for n in m["nodes"] if n["shipments"]), key=lambda n: -n["shipments"])[:25],
        }
    return render("routing/run.html", run=run, versions=versions, **views)


@bp.route("/routing/runs/<int:run_id>/status")
def run_status(run_id: int):
    """The progress fragment the run page polls; reloads the page once the run has finished."""
    return status_fragment(run_or_404(run_id, ("routing",)), "routing/_status.html")


@bp.route("/routing/compare")
def compare():
    """Routing runs side by side (default: the latest of each scenario × strategy)."""
    wanted = request.args.getlist("run", type=int)
    if wanted:
        runs = engine_runs.finished_runs(db.session, g.engagement.id, "routing", wanted[:8])
    else:
        latest = routing.latest_runs(db.session, g.engagement.id)
        runs = [latest[(s.id, n)] for s in list_scenarios(db.session, g.engagement.id) for n in STRATEGIES
                if (s.id, n) in latest]
    return render("routing/compare.html", comparison=comparison(runs),
                  choices=engine_runs.list_runs(db.session, g.engagement.id, kind="routing"),
                  selected={r.id for r in runs})


ROWS = (
    ("Fill rate", "fill_rate", "percent"),
    ("Split rate (orders shipped in more than one shipment)", "split_rate", "percent"),
    ("Shipments per order", "shipments_per_order", "number"),
    ("Total cost", "cost.total", "money"),
    ("Cost per order", "cost_per_order", "money"),
    ("Shipping cost", "cost.shipping", "money"),
    ("Handling cost", "cost.handling", "money"),
    ("Split penalty", "cost.split_penalty", "money"),
    ("Unfilled penalty", "cost.unfilled_penalty", "money"),
    ("Late penalty (promise dates)", "cost.late_penalty", "money"),
    ("Filled lines on time (promise dates)", "promise.on_time_rate", "percent"),
    ("Late lines", "promise.late", "count"),
    ("Line-days late", "promise.late_line_days", "count"),
    ("Mean distance (km)", "distance_km.mean", "number"),
    ("95th percentile distance (km)", "distance_km.p95", "number"),
    ("Shipped from stores", "from_stores", "percent"),
    ("Shipped from DCs", "from_dcs", "percent"),
    ("Mean node utilisation", "utilisation.mean", "percent"),
    ("Max node utilisation", "utilisation.max", "percent"),
    ("Nodes at capacity", "utilisation.nodes_at_capacity", "count"),
    ("Decision time per order (ms)", "ms_per_order", "number"),
)


def _get(metrics: dict, path: str):
    value = metrics
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def comparison(runs: list[EngineRun]) -> dict | None:
    """Metrics of several routing runs as rows × runs, with cost and split bars."""
    if not runs:
        return None
    names = [f"{r.scenario.name} · {r.parameters.get('strategy')} (run {r.id})" for r in runs]
    rows = [(label, kind, [_get(r.metrics, path) for r in runs]) for label, path, kind in ROWS]
    reasons = sorted({k for r in runs for k in r.metrics.get("unfilled", {})})
    unfilled = [(k, [r.metrics["unfilled"].get(k, 0) for r in runs]) for k in reasons]
    short = [f"{r.scenario.name[:14]} {r.parameters.get('strategy')}" for r in runs]
    cost_chart = atp_charts.bar_chart(short, {"cost per order": [r.metrics["cost_per_order"] for r in runs]})
    split_chart = atp_charts.bar_chart(short, {"split rate": [r.metrics["split_rate"] for r in runs],
                                               "from stores": [r.metrics["from_stores"] for r in runs]}, percent=True)
    return {"runs": runs, "names": names, "rows": rows, "unfilled": unfilled, "cost_chart": cost_chart,
            "split_chart": split_chart}
