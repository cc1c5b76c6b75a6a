"""Comparing two identity runs: which runs to put side by side, and their figures, sources and options."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.engines.identity_inputs import OPTION_KEYS, applied_decisions, run_options
from app.services.engines.identity_results import finding_items
from app.services.errors import ValidationError
from models import DatasetVersion, EngineRun


def default_pair(runs: list[EngineRun]) -> tuple[EngineRun | None, EngineRun | None]:
    """Two done runs to compare: the latest of two scenarios (baseline first), else the two latest."""
    done = [r for r in runs if r.status == "done"]
    latest: dict[int, EngineRun] = {}
    for r in done:
        latest.setdefault(r.scenario_id, r)
    picks = sorted(latest.values(), key=lambda r: (not r.scenario.is_baseline, -r.id))[:2]
    if len(picks) < 2:
        picks = done[:2]
    picks = sorted(picks, key=lambda r: (not r.scenario.is_baseline, r.id))
    return (picks[0] if picks else None), (picks[1] if len(picks) > 1 else None)


def partner(runs: list[EngineRun], run: EngineRun) -> EngineRun | None:
    """What to compare a run with: the latest done run of another scenario, else its latest other done run."""
    others = [r for r in runs if r.status == "done" and r.id != run.id]
    return next((r for r in others if r.scenario_id != run.scenario_id), others[0] if others else None)


def _effective_options(run: EngineRun) -> dict[str, Any]:
    document = asdict(run_options(run))
    document.pop("decisions", None)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in document.items()}


def _figure(a: float | None, b: float | None) -> dict[str, Any]:
    return {"a": a, "b": b, "diff": None if a is None or b is None else round(b - a, 6), "same": a == b}


def compare_runs(a: EngineRun, b: EngineRun, session: Session | None = None) -> dict[str, Any]:
    """Two done identity runs side by side: figures, sources, options and what differs (docs/identity.md).

    With a session, `version_numbers` maps each version id read to its number in its dataset (v1, v2…)."""
    if a.kind != "identity" or b.kind != "identity" or a.engagement_id != b.engagement_id:
        raise ValidationError({"runs": "Compare two identity runs of the same engagement."})
    if a.status != "done" or b.status != "done":
        raise ValidationError({"runs": "Both runs must be done."})
    ma, mb = a.metrics, b.metrics
    systems = list(dict.fromkeys(ma["overlap"]["systems"] + mb["overlap"]["systems"]))

    def cell(m: dict, x: str, y: str) -> int | None:
        return m["overlap"]["matrix"].get(x, {}).get(y)

    sources = {}
    for run, side in ((a, "a"), (b, "b")):
        labels = (run.parameters or {}).get("sources", {})
        for name, version_id in run.dataset_versions.items():
            sources.setdefault(name, {"a": None, "b": None, "system": labels.get(name) or ""})[side] = version_id
    oa, ob = _effective_options(a), _effective_options(b)
    options = [{"option": k, "a": oa.get(k), "b": ob.get(k)} for k in OPTION_KEYS if oa.get(k) != ob.get(k)]
    left_out = {side: sorted((run.parameters or {}).get("left_out", {})) for run, side in ((a, "a"), (b, "b"))}
    ids = [v for run in (a, b) for v in run.dataset_versions.values()]
    numbers = dict(session.execute(select(DatasetVersion.id, DatasetVersion.number)
                                   .where(DatasetVersion.id.in_(ids))).tuples().all()) if session else {}
    return {
        "a": a, "b": b,
        "version_numbers": numbers,
        "figures": {k: _figure(ma.get(k), mb.get(k)) for k in ("records", "matched_records", "real_customers",
                                                                 "review", "links")},
        "decisions": _figure(len(applied_decisions(a)), len(applied_decisions(b))),
        "systems": systems,
        "duplicate_rate": {s: _figure(ma["duplicate_rate"].get(s), mb["duplicate_rate"].get(s)) for s in systems},
        "by_count": {k: _figure(ma["overlap"]["by_count"].get(k, 0), mb["overlap"]["by_count"].get(k, 0))
                     for k in sorted(set(ma["overlap"]["by_count"]) | set(mb["overlap"]["by_count"]), key=int)},
        "matrix": {x: {y: _figure(cell(ma, x, y), cell(mb, x, y)) for y in systems} for x in systems},
        "sources": sources,
        "sources_differ": any(v["a"] != v["b"] for v in sources.values()),
        "left_out": left_out,
        "options": options,
        "findings": {"a": finding_items(ma), "b": finding_items(mb)},
    }
