"""Overview (findings and headline metrics), rule switches and the freshness heat map."""

from __future__ import annotations

from collections import Counter

from flask import flash, g, redirect, render_template, request, url_for

from app.extensions import db
from app.graph import report
from app.graph.compare import metrics
from app.graph.findings import SEVERITIES
from app.graph.freshness import channel_freshness
from app.services import transactions
from app.services.analysis import scenario as analysis
from app.services.engines import identity as identity
from app.services.errors import ValidationError
from app.web.analysis import bp
from app.web.analysis.common import load
from app.web.analysis.detail import findings_slices
from app.web.render import render, wants_fragment
from app.web.tenancy import read_view

# Heat-map classes by worst latency, freshest first: (upper bound in seconds, class, legend).
FRESHNESS_BANDS = ((60, "f-60s", "≤ 60 s"), (15 * 60, "f-15min", "≤ 15 min"), (3600, "f-1h", "≤ 1 h"),
                   (86400, "f-1d", "≤ 1 d"), (None, "f-slow", "> 1 d"))


@bp.route("/analysis")
def overview():
    """Findings of a scenario grouped by severity, with headline metrics and its landscape."""
    loaded, scenarios = load()
    findings = loaded.findings()
    slices, by_rule = findings_slices(findings)
    cluster = request.args.get("cluster") if request.args.get("cluster") in ("channel", "category") else "category"
    identity_run, identity_findings = identity.scenario_findings(db.session, loaded.scenario)
    return render_template(
        "analysis/overview.html",
        identity_run=identity_run,
        identity_findings=identity_findings,
        loaded=loaded,
        scenarios=scenarios,
        findings=findings,
        slices=slices,
        by_rule=by_rule,
        metrics=metrics(loaded.graph, findings),
        cluster=cluster,
        diagram_params={"kind": "landscape", "scenario": loaded.scenario.id, "cluster": cluster},
    )


@bp.route("/analysis/rules", methods=["GET", "POST"])
@read_view
def rules():
    """Every rule with its switch and severity; writers change them (POST: rule, enabled, severity)."""
    error = None
    changed = None
    if request.method == "POST":
        changed = request.form.get("rule", "")
        severity = request.form.get("severity") or None
        enabled = "1" in request.form.getlist("enabled")
        try:
            analysis.set_rule(db.session, g.engagement, changed, enabled, severity)
        except ValidationError as exc:
            transactions.discard(db.session)
            error = "; ".join(m for ms in exc.errors.values() for m in ms)
        if not wants_fragment():
            flash(error or "Rule updated.", "error" if error else "message")
            return redirect(url_for("analysis.rules"))
    rows = report.rules(analysis.rule_settings(g.engagement))
    # What each rule finds in the current state with every rule on, so a switched-off rule shows what it hides.
    found = Counter(f.rule_id for f in load()[0].findings_all_rules().findings)
    context = {"severities": SEVERITIES, "found": found}
    if request.method == "POST":
        row = next((r for r in rows if r["id"] == changed), None)
        if row is None:
            return render_template("components/_toast_body.html", message=error, error=True), 422
        return render_template("analysis/_rule_row.html", row=row, error=error, **context), (422 if error else 200)
    return render_template("analysis/rules.html", rows=rows, **context)


@bp.route("/analysis/freshness")
def freshness():
    """Heat map of worst latency from the system of record, entity × channel."""
    loaded, scenarios = load()
    return render_template("analysis/freshness.html", **_heat_map(loaded, scenarios), selected=None)


@bp.route("/analysis/freshness/path")
def freshness_path():
    """One cell of the heat map: the freshest path hop by hop (the fragment htmx loads on click)."""
    loaded, scenarios = load()
    snap = loaded.snapshot
    entity = request.args.get("entity", type=int)
    channel = request.args.get("channel", type=int)
    if entity not in snap.entity_by_id or channel not in snap.channel_by_id:
        return render("analysis/freshness.html", "analysis/_freshness_path.html", 404,
                      **_heat_map(loaded, scenarios), selected=None, missing=True)
    selected = channel_freshness(loaded.graph, entity, channel)
    context = {"loaded": loaded, "selected": selected}
    if wants_fragment():
        return render_template("analysis/_freshness_path.html", **context)
    return render_template("analysis/freshness.html", **_heat_map(loaded, scenarios), selected=selected)


def freshness_band(worst: float | None) -> tuple[str, str]:
    """The heat-map class and legend of a worst latency (None: unknown)."""
    if worst is None:
        return "f-unknown", "unknown"
    return next((css, legend) for bound, css, legend in FRESHNESS_BANDS if bound is None or worst <= bound)


def _heat_map(loaded: analysis.Analysis, scenarios) -> dict:
    rows = loaded.freshness()
    cells = {(r.entity_id, r.channel_id): r for r in rows}
    return {"loaded": loaded, "scenarios": scenarios, "cells": cells, "bands": FRESHNESS_BANDS,
            "band": freshness_band}
