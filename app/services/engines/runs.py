"""Engine runs: snapshot the inputs (dataset versions, rules, parameters), run ATP or the replay, store metrics.

`start_run` records a queued run (cheap, validates everything); `execute_run` does the work in its own
session, so the web can hand it to a background worker while the page polls the run row.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.engines.atp import AtpResult, channel_key, network_atp, unknown_references
from app.engines.replay import ReplaySummary, Totals, replay
from app.engines.rules import parse_rules
from app.services.engines.atp_rules import default_channels, rules_document
from app.services.engines.inputs import Inputs, build_inputs, channel_latency, choose_versions
from app.services.errors import NotFound, ValidationError
from app.services.work import finish_work, is_stale, progress_writer, read_only_work, reap_stale
from models import DatasetVersion, Engagement, EngineRun, Scenario, User
from models.base import utcnow

TOP_SKUS = 20
PROGRESS_EVERY = 0.5  # seconds between progress writes


def start_run(
    session: Session,
    engagement: Engagement,
    scenario: Scenario,
    kind: str,
    *,
    user: User | None = None,
    latency: dict[str, float] | None = None,
    versions: dict[str, int] | None = None,
    as_of: str | None = None,
    strategy: str | None = None,
    cost_model: dict[str, Any] | None = None,
) -> EngineRun:
    """Record a queued run with everything it will read; ValidationError when something is missing.

    Routing runs take a `strategy` and snapshot the scenario's cost model (or `cost_model`, for this run only)."""
    if kind not in ("atp", "replay", "routing", "returns"):
        raise ValidationError({"kind": "Must be atp, replay, routing or returns."})
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    chosen = choose_versions(session, engagement, kind, versions)
    document = rules_document(session, scenario)
    rules, errors = parse_rules(document)
    if rules is None:
        raise ValidationError({f"rules.{k}": v for k, v in errors.items()})
    parameters: dict[str, Any] = {"as_of": int(time.time())}  # in-transit ETAs are judged against this moment
    if as_of:
        try:
            parameters["as_of"] = _parse_time(as_of)
        except ValueError:
            raise ValidationError({"as_of": "Must be an ISO date or timestamp."}) from None
    if kind == "atp":
        parameters["channels"] = default_channels(session, engagement, rules)
    if kind == "routing":
        from app.services.engines import routing as routing

        parameters["strategy"] = routing.check_strategy(strategy)
        costs = cost_model if cost_model is not None else routing.cost_document(session, scenario)
        parameters["cost_model"] = routing.cost_model(costs).to_document()
    if kind == "returns":
        from app.services.engines.returns import run_parameters

        parameters.update(run_parameters(session, engagement, scenario, chosen, document.get("channel_map")))
    if kind == "replay":
        from app.services.datasets.uploads import load_frame

        channels = tuple(str(c) for c in load_frame(session, chosen["orders"]).codes("channel")[1])
        for name, seconds in (latency or {}).items():
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ValidationError({"latency": f"{name}: seconds must be 0 or more."})
            if channel_key(name) not in {channel_key(c) for c in channels}:
                raise ValidationError({"latency": f"No channel {name!r} in the orders dataset "
                                                  f"({', '.join(channels)})."})
        found = channel_latency(session, engagement, scenario, channels, document.get("channel_map"))
        for name, seconds in (latency or {}).items():
            found[channel_key(name)] = {**found[channel_key(name)], "seconds": float(seconds), "source": "override",
                                        "note": "Set for this run."}
        parameters["latency"] = found
    run = EngineRun(
        engagement_id=engagement.id,
        scenario_id=scenario.id,
        kind=kind,
        dataset_versions={k: v.id for k, v in chosen.items()},
        rules=document,
        parameters=parameters,
        status="queued",
        created_by_id=user.id if user is not None else None,
    )
    session.add(run)
    session.commit()
    return run


def execute_run(session: Session, run_id: int) -> EngineRun:
    """Run a queued run to completion (status done, or failed with the error), committing progress."""
    run = session.get(EngineRun, run_id)
    if run is None:
        raise NotFound(f"No run {run_id}.")
    run.status, run.started_at, run.progress = "running", utcnow(), 0.0
    progress = progress_writer(session, run, every=PROGRESS_EVERY, apart=True)
    read_only_work(session)

    try:
        if run.kind == "returns":
            from app.services.engines.returns import returns_metrics

            return finish_work(session, run, metrics=returns_metrics(session, run), status="done", progress=1.0,
                               finished_at=utcnow())
        inputs = run_inputs(session, run)
        rules, _ = parse_rules(run.rules)
        if run.kind == "atp":
            result = network_atp(inputs.stock, inputs.locations, rules, as_of=_as_of(run),
                                 extra_channels=run.parameters.get("channels", ()))
            metrics = atp_metrics(result, inputs)
        elif run.kind == "routing":
            from app.services.engines.routing import routing_metrics

            metrics = routing_metrics(run, inputs, progress)
        else:
            latency = {k: v["seconds"] for k, v in run.parameters.get("latency", {}).items()}
            outcome = replay(inputs.stock, inputs.locations, rules, inputs.orders, inputs.receipts, latency,
                             progress=progress)
            metrics = replay_metrics(outcome.summary, inputs)
        return finish_work(session, run, metrics=metrics, status="done", progress=1.0, finished_at=utcnow())
    except Exception as exc:  # a failed run is recorded, not lost: the page shows why
        return finish_work(session, run, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000],
                           finished_at=utcnow())


def run_now(session: Session, engagement: Engagement, scenario: Scenario, kind: str, **kw) -> EngineRun:
    """Start and execute a run in this process (the command line, small web runs)."""
    run = start_run(session, engagement, scenario, kind, **kw)
    return execute_run(session, run.id)


def run_inputs(session: Session, run: EngineRun) -> Inputs:
    """The run's dataset versions, decoded."""
    ids = run.dataset_versions
    versions = {
        v.dataset.kind: v
        for v in session.scalars(
            select(DatasetVersion).where(DatasetVersion.id.in_(list(ids.values())))
            .options(selectinload(DatasetVersion.dataset))
        )
    }
    return build_inputs(session, versions)


def atp_result(session: Session, run: EngineRun) -> tuple[AtpResult, Inputs]:
    """Recompute an ATP run's full result (for drill-down): same versions, same rules snapshot."""
    inputs = run_inputs(session, run)
    rules, _ = parse_rules(run.rules)
    return network_atp(inputs.stock, inputs.locations, rules, as_of=_as_of(run),
                       extra_channels=run.parameters.get("channels", ())), inputs


def get_run(session: Session, engagement_id: int, run_id: int) -> EngineRun:
    """One run of the engagement, or NotFound (an interrupted one is marked failed first)."""
    run = session.scalar(select(EngineRun).where(EngineRun.id == run_id, EngineRun.engagement_id == engagement_id))
    if run is None:
        raise NotFound("No such run in this engagement.")
    if is_stale(run):
        reap_stale(session, engagement_id)
    return run


def run_versions(session: Session, run: EngineRun) -> list[DatasetVersion]:
    """The dataset versions a run read (for its page)."""
    ids = list(run.dataset_versions.values())
    return list(session.scalars(select(DatasetVersion).where(DatasetVersion.id.in_(ids))))


def find_run(session: Session, run_id: int) -> EngineRun | None:
    """A run of any engagement by id, or None (administrators' command line; the web scopes with get_run)."""
    return session.get(EngineRun, run_id)


def finished_runs(session: Session, engagement_id: int, kind: str, run_ids: list[int]) -> list[EngineRun]:
    """The engagement's finished runs of `kind` among `run_ids`, in the order asked; any other id is skipped."""
    runs = (session.get(EngineRun, i) for i in run_ids)
    return [r for r in runs
            if r is not None and r.engagement_id == engagement_id and r.kind == kind and r.status == "done"]


def input_rows(session: Session, run: EngineRun, kind: str) -> int:
    """Rows in the run's input dataset version of `kind` (0 when unknown)."""
    return session.scalar(select(DatasetVersion.row_count).where(DatasetVersion.id == run.dataset_versions[kind])) or 0


def largest_input(session: Session, run: EngineRun) -> int:
    """Rows in the run's largest input dataset version (0 without any)."""
    ids = list(run.dataset_versions.values())
    counts = session.execute(select(DatasetVersion.row_count).where(DatasetVersion.id.in_(ids))).scalars().all()
    return max(counts, default=0)


def list_runs(session: Session, engagement_id: int, kind: str | tuple[str, ...] | None = None,
              limit: int = 50) -> list[EngineRun]:
    """The latest runs of a kind (or of several), newest first (interrupted ones marked failed first)."""
    reap_stale(session, engagement_id)
    query = select(EngineRun).where(EngineRun.engagement_id == engagement_id)
    if kind:
        query = query.where(EngineRun.kind.in_((kind,) if isinstance(kind, str) else kind))
    return list(session.scalars(query.options(selectinload(EngineRun.scenario))
                                .order_by(EngineRun.id.desc()).limit(limit)))


def latest_runs_by_scenario(session: Session, engagement_id: int, kind: str) -> dict[int, EngineRun]:
    """Scenario id -> its most recent finished run of the kind."""
    out: dict[int, EngineRun] = {}
    for run in session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == engagement_id, EngineRun.kind == kind,
                                EngineRun.status == "done").order_by(EngineRun.id.desc())
    ):
        out.setdefault(run.scenario_id, run)
    return out


# --- metrics --------------------------------------------------------------------------------------


def totals_dict(t: Totals) -> dict[str, Any]:
    """Totals with their rates, JSON-ready."""
    return {**asdict(t), "availability_rate": round(t.availability_rate, 6),
            "oversold_rate": round(t.oversold_rate, 6), "phantom_rate": round(t.phantom_rate, 6)}


def replay_metrics(summary: ReplaySummary, inputs: Inputs) -> dict[str, Any]:
    """The replay summary as the stored metrics document (docs/atp.md)."""
    return {
        "totals": totals_dict(summary.totals),
        "by_channel": {c: totals_dict(t) for c, t in summary.by_channel},
        "by_day": [{"date": d, "channel": c, **totals_dict(t)} for d, c, t in summary.by_day],
        "top_skus": [asdict(s) for s in summary.top_skus],
        "top_locations": [asdict(loc) for loc in summary.top_locations],
        "latency_seconds": dict(summary.latency_seconds),
        "notes": list(inputs.notes),
    }


def atp_metrics(result: AtpResult, inputs: Inputs) -> dict[str, Any]:
    """Network ATP totals per channel and location type, and the SKUs with the most stock."""
    stock, locations = inputs.stock, inputs.locations
    by_channel = {
        c: {
            "atp_units": int(result.network[:, i].sum()),
            "ship_units": int(result.ship[:, i].sum()),
            "skus_available": int((result.network[:, i] > 0).sum()),
            "reserved_units": int(result.reserved[:, i].sum()),
            "eligible_nodes": int(result.compiled.any_eligible[i].sum()),
        }
        for i, c in enumerate(result.channels)
    }
    node_types = locations.types[stock.node]
    by_type = {}
    for loc_type in np.unique(locations.types):
        rows = node_types == loc_type
        by_type[str(loc_type)] = {
            "nodes": int((locations.types == loc_type).sum()),
            "on_hand_units": int(stock.on_hand[rows].sum()),
            "atp_units": int(result.node_atp[rows].sum()),
        }
    top = np.argsort(-result.pool, kind="stable")[:TOP_SKUS]
    return {
        "skus": int(len(stock.skus)),
        "inventory_rows": int(len(stock.sku)),
        "nodes": int(len(locations)),
        "channels": list(result.channels),
        "on_hand_units": int(stock.on_hand.sum()),
        "pool_units": int(result.pool.sum()),
        "by_channel": by_channel,
        "by_location_type": by_type,
        "by_segment": {name: {"reserved_units": int(result.segment_reserved[:, g].sum()),
                              "atp_units": int(result.segment_atp[:, g].sum())}
                       for g, name in enumerate(result.segments)},
        "by_region": {region: {c: int(result.region_network[r, :, i].sum()) for i, c in enumerate(result.channels)}
                      for r, region in enumerate(result.regions)},
        "deducted_units": int(result.deducted.sum()) if result.deducted is not None else 0,
        "top_skus": [{"sku": str(result.skus[s]), "pool": int(result.pool[s]),
                      "atp": {c: int(result.network[s, i]) for i, c in enumerate(result.channels)}} for s in top],
        "notes": [*inputs.notes, *unknown_references(result.compiled.rules, stock, locations)],
    }


def _as_of(run: EngineRun) -> int:
    return int(run.parameters.get("as_of", 0))


def _parse_time(text: str) -> int:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
