"""Customer identity resolution: run on the customer extracts, real customers vs records, overlap between
systems, data quality, match explanations, the review queue, golden-record and record->customer export, runs of
two scenarios side by side."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from app.engines.identity import LABELS, RULES, Options
from app.extensions import db
from app.jobs import init_jobs
from app.services import transactions
from app.services.engines import identity as identity
from app.services.engines import identity_compare as identity_compare
from app.services.engines import identity_exports as identity_exports
from app.services.engines import identity_inputs as identity_inputs
from app.services.engines import identity_results as identity_results
from app.services.engines import runs as engine_runs
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import get_scenario, list_scenarios
from app.web.engine_pages import dispatch_run, status_fragment
from app.web.render import render
from app.web.tenancy import engagement_blueprint
from models import EngineRun

bp = engagement_blueprint("identity", __name__)
bp.record_once(lambda state: init_jobs(state.app))
INLINE_RECORDS = 20_000  # larger runs go to the background worker
GOLDEN_PAGE = 100
REVIEW_PAGE = 100
CHART_WIDTH = 560


def _run_or_404(run_id: int) -> EngineRun:
    try:
        return identity.get_identity_run(db.session, g.engagement.id, run_id)
    except NotFound:
        abort(404)


@bp.route("/identity")
def overview():
    """The customer extracts, the run form (with an advanced panel) and the runs so far."""
    runs = identity.identity_runs(db.session, g.engagement.id, limit=20)
    scenarios = list_scenarios(db.session, g.engagement.id)
    # which extracts each scenario reads (a system outside the scenario leaves its extract out)
    left_out = {s.id: [v.dataset.name for v in identity_inputs.scenario_sources(db.session, g.engagement, s)[1]]
                for s in scenarios}
    return render("identity/overview.html", versions=identity_inputs.customer_versions(db.session, g.engagement),
                  scenarios=scenarios, runs=runs, rules=RULES, labels=LABELS, left_out=left_out,
                  comparable=sum(1 for r in runs if r.status == "done") >= 2)


@bp.route("/identity/runs", methods=["POST"])
def start():
    """Start a run; small runs finish inline, large ones in the background (the page polls)."""
    try:
        scenario = get_scenario(db.session, g.engagement.id, request.form.get("scenario_id", type=int) or 0)
    except NotFound:
        abort(404)
    options: dict = {}
    for key in ("threshold", "review_low"):
        if (request.form.get(key) or "").strip():
            options[key] = request.form[key].strip()
    if request.form.get("advanced"):  # only what differs from the defaults is kept (and compared)
        defaults = Options()
        rules = [r for r in RULES if request.form.get(f"rule-{r}")]
        if tuple(rules) != defaults.rules:
            options["rules"] = rules
        if bool(request.form.get("email_provider_rules")) != defaults.email_provider_rules:
            options["email_provider_rules"] = bool(request.form.get("email_provider_rules"))
        region = (request.form.get("default_region") or "").strip()
        if region and region.upper() != defaults.default_region:
            options["default_region"] = region
        shared = (request.form.get("max_shared_identifier") or "").strip()
        if shared and shared != str(defaults.max_shared_identifier):
            options["max_shared_identifier"] = shared
    try:
        run = identity.start_identity_run(db.session, g.engagement, scenario, options=options, user=current_user)
    except ValidationError as exc:
        transactions.discard(db.session)
        for messages in exc.errors.values():
            for m in messages:
                flash(m, "error")
        return redirect(url_for("identity.overview"))
    rows = sum(v.row_count for v in engine_runs.run_versions(db.session, run))
    background = rows > int(current_app.config.get("IDENTITY_INLINE_RECORDS", INLINE_RECORDS))
    return dispatch_run(
        run.id, identity.execute_identity_run, background=background, detail_endpoint="identity.run_detail"
    )


@bp.route("/identity/runs/<int:run_id>")
def run_detail(run_id: int):
    """A run: real customers vs records, duplicates and quality per system, overlap, review queue, customers."""
    run = _run_or_404(run_id)
    offset = max(request.args.get("offset", type=int) or 0, 0)
    golden = (run.metrics or {}).get("golden", [])
    decisions = (run.parameters or {}).get("decisions", {})
    return render("identity/run.html", run=run, golden=golden[offset:offset + GOLDEN_PAGE], offset=offset,
                  total=len(golden), page_size=GOLDEN_PAGE, decisions=decisions, labels=LABELS,
                  review=identity.review_items(run, REVIEW_PAGE), read=identity.datasets_read(run),
                  overlap_bars=_overlap_bars(run), findings=identity_results.finding_items(run.metrics or {})
                  if run.status == "done" else [],
                  applied=len(identity_inputs.applied_decisions(run)))


@bp.route("/identity/runs/<int:run_id>/status")
def run_status(run_id: int):
    """The progress fragment the run page polls; reloads the page once the run has finished."""
    return status_fragment(_run_or_404(run_id), "identity/_status.html")


@bp.route("/identity/runs/<int:run_id>/pair")
def pair(run_id: int):
    """Why two records matched (or nearly did): each field's contribution, in words and as bars."""
    run = _run_or_404(run_id)
    left, right = request.args.get("left", ""), request.args.get("right", "")
    metrics = run.metrics or {}
    found = next((p for p in metrics.get("review_queue", []) + metrics.get("linked_pairs", [])
                  if {p["left"], p["right"]} == {left, right}), None)
    if found is None:
        abort(404)
    return render("identity/pair.html", "identity/_pair.html", run=run, pair=found, bars=_weight_bars(found),
                  decision=identity.pair_decision(run, left, right))


@bp.route("/identity/runs/<int:run_id>/decide", methods=["POST"])
def decide(run_id: int):
    """Accept or reject a pair in the workshop (kept, and applied from the next run on)."""
    run = _run_or_404(run_id)
    left, right = request.form.get("left", ""), request.form.get("right", "")
    try:
        identity.decide(db.session, run, left, right, request.form.get("decision", ""))
    except ValidationError as exc:
        transactions.discard(db.session)
        return "; ".join(m for ms in exc.errors.values() for m in ms), 422
    flash("Decision kept: it applies from the next run.", "success")
    return redirect(url_for("identity.run_detail", run_id=run.id, _anchor="review"))


@bp.route("/identity/runs/<int:run_id>/golden.csv", defaults={"fmt": "csv", "what": "golden"})
@bp.route("/identity/runs/<int:run_id>/golden.xlsx", defaults={"fmt": "xlsx", "what": "golden"})
@bp.route("/identity/runs/<int:run_id>/records.csv", defaults={"fmt": "csv", "what": "records"})
@bp.route("/identity/runs/<int:run_id>/records.xlsx", defaults={"fmt": "xlsx", "what": "records"})
def export(run_id: int, fmt: str, what: str):
    """Golden records (one row per real customer) or every source record with its customer, CSV or XLSX."""
    run = _run_or_404(run_id)
    if run.status != "done" or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv":
        data, mime = identity_exports.export_csv(run, db.session, what), "text/csv; charset=utf-8"
    else:
        data = identity_exports.export_xlsx(run, db.session, what)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = identity_exports.export_file_name(run, what, fmt)
    return data, 200, {"Content-Type": mime, "Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/identity/compare")
def compare():
    """Two identity runs side by side (default: the latest of two scenarios): figures, overlap, sources, rules."""
    runs = identity.identity_runs(db.session, g.engagement.id)
    done = {r.id: r for r in runs if r.status == "done"}
    wanted = {p: request.args.get(p, type=int) for p in ("a", "b")}
    if any(v is not None and v not in done for v in wanted.values()):
        abort(404)
    a, b = identity_compare.default_pair(runs)
    if wanted["a"] is not None:
        a = done[wanted["a"]]
        b = identity_compare.partner(runs, a)  # from a run page: the latest run of another scenario
    if wanted["b"] is not None:
        b = done[wanted["b"]]
    comparison = identity_compare.compare_runs(a, b, db.session) if a is not None and b is not None else None
    return render("identity/compare.html", choices=list(done.values()), a=a, b=b, comparison=comparison,
                  labels=LABELS)


def _weight_bars(pair: dict) -> list[dict]:
    """Horizontal bars around a zero line: one per field with a finite weight."""
    rows = [e for e in pair["explanation"] if e["weight"] is not None]
    biggest = max((abs(e["weight"]) for e in rows), default=1.0) or 1.0
    half = CHART_WIDTH / 2 - 10
    out = []
    for i, e in enumerate(rows):
        length = abs(e["weight"]) / biggest * half
        x = CHART_WIDTH / 2 if e["weight"] >= 0 else CHART_WIDTH / 2 - length
        out.append({"y": 8 + i * 26, "x": round(x, 1), "width": round(max(length, 1), 1),
                    "positive": e["weight"] >= 0, "label": e["label"], "weight": e["weight"], "words": e["words"]})
    return out


def _overlap_bars(run: EngineRun) -> list[dict]:
    """Customers in 1, 2, 3… systems as bars."""
    by_count = ((run.metrics or {}).get("overlap") or {}).get("by_count", {})
    biggest = max(by_count.values(), default=1) or 1
    return [{"label": f"in {k} system{'s' if k != '1' else ''}", "value": v,
             "width": round(v / biggest * (CHART_WIDTH - 160), 1), "y": 8 + i * 26}
            for i, (k, v) in enumerate(by_count.items())]
