"""Customer identity resolution runs: start, execute, list and read runs, and record review decisions on them.

Runs are EngineRun rows of kind "identity" for a scenario. The scenario decides the sources: the customer
extracts of systems that are members of the scenario (an extract not linked to a catalog system is always
read), so a scenario that retires or adds a system changes who is counted. The options (rules, thresholds) are
stored per run. The run snapshots the dataset versions it read, its options and the review decisions it
applied; decisions (accept/reject a pair) made on a run are kept on it and carried into the next run of the
engagement, where they are applied. Inputs and options: `identity_inputs`; metrics, findings and exports:
`identity_results`; two runs side by side: `identity_compare`. Metrics document and comparison: docs/identity.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.engines.identity_inputs import (
    decisions_by_pair,
    key_pairs,
    pair_key,
    parse_options,
    resolve_run,
    scenario_sources,
)
from app.services.engines.identity_results import finding_items, identity_metrics
from app.services.errors import NotFound, ValidationError
from app.services.work import finish_work, is_stale, progress_writer, read_only_work, reap_stale
from models import DatasetVersion, Engagement, EngineRun, Scenario, User
from models.base import utcnow

PROGRESS_EVERY = 0.5  # seconds between progress writes (as engine_runs)


def latest_decisions(session: Session, engagement: Engagement) -> dict[str, str]:
    """The review decisions of the engagement's most recent identity run (`pair_key` -> accept/reject)."""
    run = session.scalar(select(EngineRun).where(EngineRun.engagement_id == engagement.id,
                                                 EngineRun.kind == "identity").order_by(EngineRun.id.desc()))
    return dict((run.parameters or {}).get("decisions", {})) if run is not None else {}


def start_identity_run(session: Session, engagement: Engagement, scenario: Scenario, *,
                       options: dict[str, Any] | None = None, user: User | None = None) -> EngineRun:
    """Record a queued identity run; ValidationError when there is no customer extract or an option is bad."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    versions, left_out = scenario_sources(session, engagement, scenario)
    if not versions:
        if left_out:
            raise ValidationError({"customers": f"No customer extract of a system in {scenario.name}: "
                                                f"{', '.join(_source_label(v) for v in left_out)} "
                                                "belong to systems outside it."})
        raise ValidationError({"customers": "No customer extract yet: upload a customers dataset per system."})
    decisions = latest_decisions(session, engagement)
    parse_options(options, decisions)  # validate now, not in the background
    parameters = {"options": dict(options or {}), "decisions": decisions,
                  # what this run applies: `decisions` grows as the workshop decides on this run
                  "applied_decisions": dict(decisions),
                  "sources": {v.dataset.name: _source_label(v, system_only=True) for v in versions},
                  "left_out": {v.dataset.name: _source_label(v, system_only=True) for v in left_out},
                  "read": [read_entry(v) for v in versions]}
    run = EngineRun(engagement_id=engagement.id, scenario_id=scenario.id, kind="identity",
                    dataset_versions={v.dataset.name: v.id for v in versions}, rules={},
                    parameters=parameters, status="queued",
                    created_by_id=user.id if user is not None else None)
    session.add(run)
    session.commit()
    return run


def read_entry(version: DatasetVersion) -> dict[str, Any]:
    """What the run records of one extract it read: dataset, version, system and rows."""
    dataset = version.dataset
    return {"dataset": dataset.name, "dataset_id": dataset.id, "version": version.number, "version_id": version.id,
            "system": dataset.system.name if dataset.system is not None else None, "rows": version.row_count,
            "filename": version.filename}


def datasets_read(run: EngineRun) -> list[dict[str, Any]]:
    """The extracts a run read (`read_entry`); runs recorded before this was kept give what they stored."""
    parameters = run.parameters or {}
    if "read" in parameters:
        return list(parameters["read"])
    sources = parameters.get("sources", {})
    return [{"dataset": name, "dataset_id": None, "version": None, "version_id": version_id,
             "system": sources.get(name) or None, "rows": None, "filename": None}
            for name, version_id in (run.dataset_versions or {}).items()]


def read_label(entry: dict[str, Any]) -> str:
    """One extract read, in words: "Web shop v2 from Web shop (1,204 records)"."""
    return (entry["dataset"] + (f" v{entry['version']}" if entry.get("version") else "")
            + (f" from {entry['system']}" if entry.get("system") else "")
            + (f" ({entry['rows']:,} records)" if entry.get("rows") is not None else ""))


def _source_label(version: DatasetVersion, system_only: bool = False) -> str:
    system = version.dataset.system.name if version.dataset.system is not None else None
    if system_only:
        return system or ""
    return f"{version.dataset.name} ({system})" if system else version.dataset.name


def execute_identity_run(session: Session, run_id: int) -> EngineRun:
    """Run a queued identity run to completion (done, or failed with the error), committing progress."""
    run = session.get(EngineRun, run_id)
    if run is None or run.kind != "identity":
        raise NotFound(f"No identity run {run_id}.")
    run.status, run.started_at, run.progress = "running", utcnow(), 0.0
    # loading the extracts is the first 5 %, storing the metrics the last few
    progress = progress_writer(session, run, every=PROGRESS_EVERY, start=0.05, span=0.9, apart=True)
    read_only_work(session)

    try:
        metrics = identity_metrics(resolve_run(session, run, progress))
        return finish_work(session, run, metrics=metrics, status="done", progress=1.0, finished_at=utcnow())
    except Exception as exc:  # a failed run is recorded, not lost: the page shows why
        return finish_work(session, run, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                           finished_at=utcnow())


def run_identity(session: Session, engagement: Engagement, scenario: Scenario, **kw) -> EngineRun:
    """Start and execute an identity run in this process (the command line, small web runs)."""
    run = start_identity_run(session, engagement, scenario, **kw)
    return execute_identity_run(session, run.id)


def latest_done_run(session: Session, scenario: Scenario) -> EngineRun | None:
    """The scenario's most recent finished identity run."""
    return session.scalar(select(EngineRun).where(EngineRun.scenario_id == scenario.id, EngineRun.kind == "identity",
                                                  EngineRun.status == "done").order_by(EngineRun.id.desc()))


def scenario_findings(session: Session, scenario: Scenario) -> tuple[EngineRun | None, list[dict[str, Any]]]:
    """The identity findings of the scenario's latest done run (the analysis overview shows them), or (None, [])."""
    run = latest_done_run(session, scenario)
    if run is None or not run.metrics:
        return None, []
    return run, finding_items(run.metrics)


def get_identity_run(session: Session, engagement_id: int, run_id: int) -> EngineRun:
    """One identity run of the engagement, or NotFound."""
    run = session.scalar(select(EngineRun).where(EngineRun.id == run_id, EngineRun.engagement_id == engagement_id,
                                                 EngineRun.kind == "identity"))
    if run is None:
        raise NotFound("No such identity run in this engagement.")
    if is_stale(run):
        reap_stale(session, engagement_id)
    return run


def decide(session: Session, run: EngineRun, left: str, right: str, decision: str) -> dict[str, str]:
    """Record a review decision on the run (applied from the next run on); "undo" forgets it."""
    if decision not in ("accept", "reject", "undo"):
        raise ValidationError({"decision": "Must be accept, reject or undo."})
    metrics = run.metrics or {}
    keys = {key for g in metrics.get("golden", []) for key in g["records"]}
    keys |= {p[side] for p in metrics.get("review_queue", []) for side in ("left", "right")}
    if left not in keys or right not in keys:
        raise ValidationError({"pair": "Not a pair of this run."})
    pair = tuple(sorted((left, right)))
    # any earlier key of the same pair goes (an older "a|b" key of records holding "|" included)
    decisions = {k: v for k, v in ((run.parameters or {}).get("decisions", {})).items() if pair not in key_pairs(k)}
    if decision != "undo":
        decisions[pair_key(left, right)] = decision
    run.parameters = {**run.parameters, "decisions": decisions}  # reassigned: JSON columns track assignment
    session.commit()
    return decisions


def pair_decision(run: EngineRun, left: str, right: str) -> str | None:
    """The decision kept on the run for two records (accept/reject), if any."""
    return decisions_by_pair((run.parameters or {}).get("decisions", {})).get(tuple(sorted((left, right))))


def review_items(run: EngineRun, limit: int = 100) -> list[dict[str, Any]]:
    """The first pairs of the run's review queue, each with the decision kept on the run: {pair, decision}."""
    decisions = decisions_by_pair((run.parameters or {}).get("decisions", {}))
    return [{"pair": p, "decision": decisions.get(tuple(sorted((p["left"], p["right"]))))}
            for p in (run.metrics or {}).get("review_queue", [])[:limit]]


def identity_runs(session: Session, engagement_id: int, limit: int = 50) -> list[EngineRun]:
    """The engagement's identity runs, newest first."""
    return list(session.scalars(select(EngineRun).where(EngineRun.engagement_id == engagement_id,
                                                        EngineRun.kind == "identity")
                                .options(selectinload(EngineRun.scenario))
                                .order_by(EngineRun.id.desc()).limit(limit)))

