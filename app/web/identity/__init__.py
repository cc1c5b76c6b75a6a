"""Customer identity resolution: run on the customer extracts, real customers vs records, overlap between
systems, data quality, match explanations, the review queue, golden-record export."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.engines.identity import LABELS, RULES
from app.extensions import db
from app.jobs import init_jobs
from app.services import identity
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import get_scenario, list_scenarios
from app.web.engine_pages import dispatch_run
from app.web.render import render, wants_fragment
from app.web.tenancy import engagement_blueprint
from models import DatasetVersion, EngineRun

bp = engagement_blueprint("identity", __name__)
bp.record_once(lambda state: init_jobs(state.app))
INLINE_RECORDS = 20_000  # larger runs go to the background worker
GOLDEN_PAGE = 100
CHART_WIDTH = 560


def _run_or_404(run_id: int) -> EngineRun:
    try:
        return identity.get_identity_run(db.session, g.engagement.id, run_id)
    except NotFound:
        abort(404)


@bp.route("/identity")
def overview():
    """The customer extracts, the run form (with an advanced panel) and the runs so far."""
    runs = list(db.session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == g.engagement.id, EngineRun.kind == "identity")
        .order_by(EngineRun.id.desc()).limit(20)))
    return render("identity/overview.html", versions=identity.customer_versions(db.session, g.engagement),
                  scenarios=list_scenarios(db.session, g.engagement.id), runs=runs, rules=RULES, labels=LABELS)


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
    if request.form.get("advanced"):
        options["rules"] = [r for r in RULES if request.form.get(f"rule-{r}")]
        options["email_provider_rules"] = bool(request.form.get("email_provider_rules"))
        if (request.form.get("default_region") or "").strip():
            options["default_region"] = request.form["default_region"].strip()
    try:
        run = identity.start_identity_run(db.session, g.engagement, scenario, options=options, user=current_user)
    except ValidationError as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for m in messages:
                flash(m, "error")
        return redirect(url_for("identity.overview"))
    rows = sum(db.session.scalars(select(DatasetVersion.row_count).where(
        DatasetVersion.id.in_(list(run.dataset_versions.values())))).all())
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
                  overlap_bars=_overlap_bars(run))


@bp.route("/identity/runs/<int:run_id>/status")
def run_status(run_id: int):
    """The progress fragment the run page polls; reloads the page once the run has finished."""
    run = _run_or_404(run_id)
    headers = {"HX-Refresh": "true"} if run.finished and wants_fragment() else {}
    return render("identity/_status.html", "identity/_status.html", run=run)[0], 200, headers


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
    key = "|".join(sorted((left, right)))
    return render("identity/pair.html", "identity/_pair.html", run=run, pair=found, bars=_weight_bars(found),
                  decision=(run.parameters or {}).get("decisions", {}).get(key))


@bp.route("/identity/runs/<int:run_id>/decide", methods=["POST"])
def decide(run_id: int):
    """Accept or reject a pair in the workshop (kept, and applied from the next run on)."""
    run = _run_or_404(run_id)
    left, right = request.form.get("left", ""), request.form.get("right", "")
    try:
        identity.decide(db.session, run, left, right, request.form.get("decision", ""))
    except ValidationError as exc:
        db.session.rollback()
        return "; ".join(m for ms in exc.errors.values() for m in ms), 422
    flash("Decision kept: it applies from the next run.", "success")
    return redirect(url_for("identity.run_detail", run_id=run.id, _anchor="review"))


@bp.route("/identity/runs/<int:run_id>/golden.csv", defaults={"fmt": "csv"})
@bp.route("/identity/runs/<int:run_id>/golden.xlsx", defaults={"fmt": "xlsx"})
def export(run_id: int, fmt: str):
    """Golden records (one row per real customer) as CSV or XLSX, formula-safe."""
    run = _run_or_404(run_id)
    if run.status != "done" or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv":
        data, mime = identity.export_csv(run), "text/csv; charset=utf-8"
    else:
        data, mime = identity.export_xlsx(run), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"identity-run-{run.id}-golden-records.{fmt}"
    return data, 200, {"Content-Type": mime, "Content-Disposition": f'attachment; filename="{name}"'}


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
