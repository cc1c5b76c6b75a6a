"""ATP and oversell replay: rules per scenario, runs (inline or in the background), results, comparison."""

from __future__ import annotations

import json

import numpy as np
from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from app.durations import parse_duration
from app.engines.atp import FULFILMENTS, LOCATION_TYPES, buffers_at, channel_key
from app.extensions import db
from app.jobs import init_jobs
from app.services import transactions
from app.services.catalog import browse as browse
from app.services.datasets.uploads import latest_version, load_frame
from app.services.engines import atp_rules as atp_rules
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.scenarios import list_scenarios
from app.web.atp import charts
from app.web.atp.rules_form import document_from_form, form_from_document
from app.web.engine_pages import dispatch_run, edit_document, run_or_404, scenario_or_404, status_fragment
from app.web.render import render
from app.web.tenancy import engagement_blueprint, read_view
from models import EngineRun

bp = engagement_blueprint("atp", __name__)
bp.record_once(lambda state: init_jobs(state.app))
SKU_PAGE = 50
INLINE_ROWS = 100_000  # runs over more rows than this go to the background worker (~2 s and up)


def _order_channels() -> list[str]:
    version = latest_version(db.session, g.engagement.id, "orders")
    if version is None:
        return []
    return [str(c) for c in load_frame(db.session, version).codes("channel")[1]]


@bp.route("/atp")
def overview():
    """Scenarios with their rules and latest runs, forms to run, and the side-by-side replay comparison."""
    scenarios = list_scenarios(db.session, g.engagement.id)
    rules = {s.id: atp_rules.rules_document(db.session, s) for s in scenarios}
    latest = engine_runs.latest_runs_by_scenario(db.session, g.engagement.id, "replay")
    latest_atp = engine_runs.latest_runs_by_scenario(db.session, g.engagement.id, "atp")
    comparison = _comparison([latest[s.id] for s in scenarios if s.id in latest])
    return render(
        "atp/overview.html", scenarios=scenarios, rules=rules, latest=latest, latest_atp=latest_atp,
        runs=engine_runs.list_runs(db.session, g.engagement.id, kind=("atp", "replay"), limit=15),
        channels=_order_channels(),
        inputs={k: latest_version(db.session, g.engagement.id, k) for k in ("locations", "inventory", "orders",
                                                                           "receipts")},
        comparison=comparison,
    )


@bp.route("/atp/rules/<int:scenario_id>", methods=["GET", "POST"])
@read_view
def rules_editor(scenario_id: int):
    """Edit a scenario's ATP rules: the form, or the JSON document itself."""
    scenario = scenario_or_404(scenario_id)
    errors: dict[str, list[str]] = {}
    document = atp_rules.rules_document(db.session, scenario)
    if request.method == "POST":
        document, errors, saved = edit_document(
            document,
            lambda: (document_from_form(request.form, document if isinstance(document, dict) else {}), {}),
            lambda doc: atp_rules.save_rules(db.session, g.engagement, scenario, doc, user=current_user),
        )
        if saved:
            return redirect(url_for("atp.rules_editor", scenario_id=scenario.id, saved=1))
    shown = document if isinstance(document, dict) else {}
    catalog = browse.channel_names(db.session, g.engagement.id)
    body = render(
        "atp/rules.html", scenario=scenario, form=form_from_document(_safe(shown), _order_channels()),
        document=shown, document_text=json.dumps(shown, indent=2, ensure_ascii=False), errors=errors,
        location_types=LOCATION_TYPES, fulfilments=FULFILMENTS, catalog=catalog, saved=request.args.get("saved"),
    )
    return (body[0], 422) if errors else body


def _safe(document: dict) -> dict:
    """The document if the form can show it (a rejected one may be malformed anywhere), else nothing."""
    try:
        form_from_document(document, [])
    except (KeyError, TypeError, ValueError, AttributeError):
        return {}
    return document


@bp.route("/atp/runs", methods=["POST"])
def start():
    """Start an ATP or replay run for a scenario; small runs finish inline, large ones in the background."""
    scenario = scenario_or_404(request.form.get("scenario_id", type=int) or 0)
    kind = request.form.get("kind", "")
    latency = {}
    for key, value in request.form.items():
        if key.startswith("latency-") and value.strip():
            try:
                latency[key.removeprefix("latency-")] = parse_duration(value)
            except ValueError as exc:
                return _start_error({"latency": [f"{key.removeprefix('latency-')}: {exc}"]})
    try:
        run = engine_runs.start_run(db.session, g.engagement, scenario, kind, user=current_user, latency=latency,
                                    as_of=request.form.get("as_of") or None)
    except ValidationError as exc:
        transactions.discard(db.session)
        return _start_error(exc.errors)
    background = _cost(run) > int(current_app.config.get("ENGINE_INLINE_ROWS", INLINE_ROWS))
    return dispatch_run(run.id, engine_runs.execute_run, background=background, detail_endpoint="atp.run_detail")


def _start_error(errors):
    from flask import flash

    for messages in errors.values():
        for m in messages:
            flash(m, "error")
    return redirect(url_for("atp.overview"))


def _cost(run: EngineRun) -> int:
    return engine_runs.largest_input(db.session, run)


@bp.route("/atp/runs/<int:run_id>")
def run_detail(run_id: int):
    """A run: its inputs and parameters, progress while it runs, then its results."""
    run = run_or_404(run_id, ("atp", "replay"))
    views = _replay_view(run) if run.status == "done" and run.kind == "replay" else {}
    versions = engine_runs.run_versions(db.session, run)
    return render("atp/run.html", run=run, versions=versions, **views)


@bp.route("/atp/runs/<int:run_id>/status")
def run_status(run_id: int):
    """The progress fragment the run page polls; reloads the page once the run has finished."""
    return status_fragment(run_or_404(run_id, ("atp", "replay")), "atp/_status.html")


@bp.route("/atp/runs/<int:run_id>/skus")
def run_skus(run_id: int):
    """An ATP run's SKU × channel table (searchable, paged), recomputed from its stored inputs."""
    run = run_or_404(run_id, ("atp", "replay"))
    if run.kind != "atp" or run.status != "done":
        abort(404)
    result, _ = engine_runs.atp_result(db.session, run)
    query = (request.args.get("q") or "").strip()
    offset = max(request.args.get("offset", type=int) or 0, 0)
    rows = np.arange(len(result.skus))
    if query:
        rows = rows[np.char.find(np.char.lower(result.skus.astype(str)), query.casefold()) >= 0]
    page = rows[offset:offset + SKU_PAGE]
    table = [(str(result.skus[i]), int(result.pool[i]), [int(v) for v in result.network[i]]) for i in page]
    return render("atp/_skus.html", "atp/_skus.html", run=run, channels=result.channels, table=table, query=query,
                  offset=offset, total=len(rows), page_size=SKU_PAGE)


@bp.route("/atp/runs/<int:run_id>/sku")
def run_sku(run_id: int):
    """Drill-down: one SKU's ATP at every node, with which channels and methods each node may serve."""
    run = run_or_404(run_id, ("atp", "replay"))
    if run.kind != "atp" or run.status != "done":
        abort(404)
    result, inputs = engine_runs.atp_result(db.session, run)
    sku = request.args.get("sku", "")
    found = np.flatnonzero(result.skus == sku)
    if not len(found):
        abort(404)
    s = int(found[0])
    stock = inputs.stock
    rows = np.flatnonzero(stock.sku == s)
    comp = result.compiled
    safety, threshold = buffers_at(comp, stock, rows)
    nodes = []
    for i, r in enumerate(rows):
        n = int(stock.node[r])
        serves = [f"{c} {f}" for ci, c in enumerate(result.channels) for fi, f in enumerate(FULFILMENTS)
                  if comp.eligible[ci, fi, n]]
        nodes.append({
            "location": str(inputs.locations.ids[n]), "type": str(inputs.locations.types[n]),
            "on_hand": int(stock.on_hand[r]), "allocated": int(stock.allocated[r]),
            "safety": int(safety[i]), "threshold": int(threshold[i]), "atp": int(result.node_atp[r]), "serves": serves,
        })
    nodes.sort(key=lambda x: -x["atp"])
    channel_rows = [(c, int(result.eligible_sum[s, i]), int(result.reserved[s, i]), int(result.network[s, i]),
                     int(result.ship[s, i])) for i, c in enumerate(result.channels)]
    return render("atp/sku.html", "atp/_sku.html", run=run, sku=sku, nodes=nodes, channel_rows=channel_rows,
                  pool=int(result.pool[s]))


@bp.route("/atp/compare")
def compare():
    """Replay runs side by side (default: each scenario's latest)."""
    wanted = request.args.getlist("run", type=int)
    if wanted:
        runs = engine_runs.finished_runs(db.session, g.engagement.id, "replay", wanted[:6])
    else:
        latest = engine_runs.latest_runs_by_scenario(db.session, g.engagement.id, "replay")
        runs = [latest[s.id] for s in list_scenarios(db.session, g.engagement.id) if s.id in latest]
    return render("atp/compare.html", comparison=_comparison(runs),
                  choices=engine_runs.list_runs(db.session, g.engagement.id, kind="replay"),
                  selected={r.id for r in runs})


# --- views of stored metrics ----------------------------------------------------------------------


def _replay_view(run: EngineRun) -> dict:
    m = run.metrics
    channels = list(m["by_channel"])
    days = sorted({d["date"] for d in m["by_day"]})
    cell = {(d["date"], d["channel"]): d for d in m["by_day"]}

    def daily(measure: str) -> dict[str, list[float]]:
        return {c: [cell.get((day, c), {}).get(measure, 0) for day in days] for c in channels}

    def rate(numerator: str) -> dict[str, list[float]]:
        out = {}
        for c in channels:
            values = []
            for day in days:
                entry = cell.get((day, c), {})
                values.append(entry.get(numerator, 0) / entry["lines"] if entry.get("lines") else 0.0)
            out[c] = values
        return out

    labels = [d[5:] for d in days]
    return {
        "channels": channels,
        "days": days,
        "oversold_chart": charts.line_chart(labels, rate("oversold"), percent=True, title="Oversold lines per day"),
        "phantom_chart": charts.line_chart(labels, rate("phantom"), percent=True,
                                           title="Phantom stock-outs per day"),
        "lines_chart": charts.line_chart(labels, daily("lines"), title="Order lines per day"),
        "channel_chart": charts.bar_chart(
            channels,
            {"oversold": [m["by_channel"][c]["oversold_rate"] for c in channels],
             "phantom stock-out": [m["by_channel"][c]["phantom_rate"] for c in channels]},
            percent=True,
        ),
    }


def _comparison(runs: list[EngineRun]) -> dict | None:
    if not runs:
        return None
    channels: list[str] = []
    for r in runs:
        channels += [c for c in r.metrics["by_channel"] if c not in channels]
    rows = []
    for c in channels:
        rows.append((c, [r.metrics["by_channel"].get(c) for r in runs],
                     [r.parameters.get("latency", {}).get(channel_key(c), {}) for r in runs]))
    names = [f"{r.scenario.name} (run {r.id})" for r in runs]
    chart = charts.bar_chart(channels, {n: [(r.metrics["by_channel"].get(c) or {}).get("oversold_rate", 0.0)
                                            for c in channels] for n, r in zip(names, runs, strict=True)},
                             percent=True)
    phantom = charts.bar_chart(channels, {n: [(r.metrics["by_channel"].get(c) or {}).get("phantom_rate", 0.0)
                                              for c in channels] for n, r in zip(names, runs, strict=True)},
                               percent=True)
    return {"runs": runs, "names": names, "rows": rows, "chart": chart, "phantom_chart": phantom}
