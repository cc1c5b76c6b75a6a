"""Returns anywhere: a return policy per scenario, returns replay runs, their results with charts, and scenarios
side by side (docs/returns.md)."""

from __future__ import annotations

import json

from flask import flash, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.jobs import init_jobs
from app.services import transactions
from app.services.datasets.uploads import latest_version
from app.services.engines import returns as returns_service
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.scenarios import list_scenarios
from app.web.atp import charts as atp_charts
from app.web.engine_pages import dispatch_run, edit_document, run_or_404, scenario_or_404, status_fragment
from app.web.render import render
from app.web.tenancy import engagement_blueprint, read_view
from models import EngineRun

bp = engagement_blueprint("returns", __name__)
bp.record_once(lambda state: init_jobs(state.app))
INLINE_RETURNS = 50_000  # runs over more returns than this go to the background worker


@bp.route("/returns")
def overview():
    """Scenarios with their policies and run buttons, the latest runs side by side, and recent runs."""
    scenarios = list_scenarios(db.session, g.engagement.id)
    latest = engine_runs.latest_runs_by_scenario(db.session, g.engagement.id, "returns")
    return render(
        "returns/overview.html", scenarios=scenarios, latest=latest,
        policies={s.id: returns_service.policy_document(db.session, s) for s in scenarios},
        comparison=comparison([latest[s.id] for s in scenarios if s.id in latest]),
        runs=engine_runs.list_runs(db.session, g.engagement.id, kind="returns", limit=15),
        inputs={k: latest_version(db.session, g.engagement.id, k) for k in ("locations", "orders", "returns")},
    )


@bp.route("/returns/policy/<int:scenario_id>", methods=["GET", "POST"])
@read_view
def policy_editor(scenario_id: int):
    """Edit a scenario's return policy as a JSON document."""
    scenario = scenario_or_404(scenario_id)
    errors: dict[str, list[str]] = {}
    document = returns_service.policy_document(db.session, scenario)
    if request.method == "POST":
        document, errors, saved = edit_document(
            document, lambda: (document, {}),
            lambda doc: returns_service.save_policy(db.session, g.engagement, scenario, doc, user=current_user),
        )
        if saved:
            return redirect(url_for("returns.policy_editor", scenario_id=scenario.id, saved=1))
    body = render("returns/policy.html", scenario=scenario, errors=errors, saved=request.args.get("saved"),
                  document_text=json.dumps(document, indent=2, ensure_ascii=False))
    return (body[0], 422) if errors else body


@bp.route("/returns/runs", methods=["POST"])
def start():
    """Start a returns replay for a scenario; small runs finish inline, large ones in the background."""
    scenario = scenario_or_404(request.form.get("scenario_id", type=int) or 0)
    try:
        run = engine_runs.start_run(db.session, g.engagement, scenario, "returns", user=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        for messages in exc.errors.values():
            for m in messages:
                flash(m, "error")
        return redirect(url_for("returns.overview"))
    background = engine_runs.input_rows(db.session, run, "returns") > INLINE_RETURNS
    return dispatch_run(run.id, engine_runs.execute_run, background=background, detail_endpoint="returns.run_detail")


@bp.route("/returns/runs/<int:run_id>")
def run_detail(run_id: int):
    """A returns run: inputs, progress while it runs, then acceptance, reasons, refunds, restock and flags."""
    run = run_or_404(run_id, ("returns",))
    views = {}
    if run.status == "done":
        views = {"channel_chart": channel_chart([run]), "reason_chart": reason_chart([run])}
    return render("returns/run.html", run=run, versions=engine_runs.run_versions(db.session, run), **views)


@bp.route("/returns/runs/<int:run_id>/status")
def run_status(run_id: int):
    """The progress fragment the run page polls; reloads the page once the run has finished."""
    return status_fragment(run_or_404(run_id, ("returns",)), "returns/_status.html")


def channel_chart(runs: list[EngineRun]):
    """Share of returns accepted where brought, per return channel, one bar per run."""
    channels = sorted({c for r in runs for c in r.metrics["by_return_channel"]})
    return atp_charts.bar_chart(channels, {
        f"{r.scenario.name[:20]} (run {r.id})": [r.metrics["by_return_channel"].get(c, {}).get("acceptance_rate", 0.0)
                                                 for c in channels] for r in runs}, percent=True)


def reason_chart(runs: list[EngineRun]):
    """Refused returns by reason, one bar per run."""
    reasons = list(runs[0].metrics["refused_by_reason"])
    return atp_charts.bar_chart([r.replace("_", " ") for r in reasons], {
        f"{r.scenario.name[:20]} (run {r.id})": [float(r.metrics["refused_by_reason"].get(k, 0)) for k in reasons]
        for r in runs})


def comparison(runs: list[EngineRun]) -> dict | None:
    """The latest run of each scenario side by side: rows × runs, with the two charts."""
    if not runs:
        return None
    reasons = list(runs[0].metrics["refused_by_reason"])
    channels = sorted({c for r in runs for c in r.metrics["restock_delay_hours"]})
    rows = [("Returns", [r.metrics["returns"] for r in runs]),
            ("Accepted where brought", [f"{r.metrics['acceptance_rate']:.1%}" for r in runs]),
            *((f"Refused: {k.replace('_', ' ')}", [r.metrics["refused_by_reason"].get(k, 0) for r in runs])
              for k in reasons),
            *((f"Refunds: {k.replace('_', ' ')}", [r.metrics["refunds"].get(k, 0) for r in runs])
              for k in runs[0].metrics["refunds"]),
            *((f"Restocked units seen on {c}: worst hours",
               [r.metrics["restock_delay_hours"].get(c, {}).get("worst_hours") for r in runs]) for c in channels),
            ("Policy flags", [len(r.metrics.get("conflicts", [])) for r in runs])]
    return {"runs": runs, "rows": rows, "channel_chart": channel_chart(runs), "reason_chart": reason_chart(runs)}
