"""The bundle's optional `engine_runs` section (docs/bundle-format.md): finished ATP, replay, routing and
identity runs, with their metrics and parameters (an identity run's review decisions among them).

A run names the dataset versions it read; the bundle carries only each dataset's latest version, so a run
travels when every version it read is a carried latest version (named by dataset kind and name), and stays
behind otherwise. Queued and running runs never travel. On import the run points at the new versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.bundle.datasets import INLINE_MAX_ROWS
from models import Dataset, DatasetVersion, Engagement, EngineRun, Scenario, User, name_key

FINISHED = ("done", "failed")
_TIMES = ("created_at", "started_at", "finished_at")
Errors = dict[str, list[str]]


def export_runs(session: Session, engagement: Engagement, ref) -> list[dict[str, Any]]:
    """The finished runs whose inputs the bundle carries, oldest first; ref(obj) -> bundle id."""
    latest = {}
    for dataset in session.scalars(select(Dataset).where(Dataset.engagement_id == engagement.id)):
        if dataset.versions and dataset.versions[-1].row_count <= INLINE_MAX_ROWS:
            latest[dataset.versions[-1].id] = {"kind": dataset.kind, "name": dataset.name}
    out = []
    runs = session.scalars(select(EngineRun).where(EngineRun.engagement_id == engagement.id,
                                                   EngineRun.status.in_(FINISHED)).order_by(EngineRun.id))
    for run in runs:
        versions = dict(run.dataset_versions or {})
        if not all(isinstance(v, int) and v in latest for v in versions.values()):
            continue  # it read a version the bundle does not carry
        out.append({
            "kind": run.kind, "scenario_id": ref(run.scenario), "status": run.status,
            "dataset_versions": {key: latest[v] for key, v in versions.items()},
            "rules": run.rules, "parameters": run.parameters, "metrics": run.metrics, "error": run.error,
            **{name: _iso(getattr(run, name)) for name in _TIMES},
        })
    return out


def import_runs(session: Session, engagement: Engagement, entries: list[dict[str, Any]], db_ids: dict[str, int],
                user: User | None) -> Errors:
    """Store the runs against the new engagement's scenarios and dataset versions (no commit)."""
    errors: Errors = {}
    if not entries:
        return errors
    session.flush()
    latest: dict[tuple[str, str], int] = {}
    for dataset in session.scalars(select(Dataset).where(Dataset.engagement_id == engagement.id)):
        version = session.scalar(select(DatasetVersion.id).where(DatasetVersion.dataset_id == dataset.id)
                                 .order_by(DatasetVersion.number.desc()).limit(1))
        if version is not None:
            latest[(dataset.kind, dataset.name_key)] = version
    for i, entry in enumerate(entries):
        path = f"$.engine_runs[{i}]"
        scenario_id = db_ids.get(entry["scenario_id"])
        if scenario_id is None or session.get(Scenario, scenario_id) is None:
            errors.setdefault(f"{path}.scenario_id", []).append(f"Unknown scenario {entry['scenario_id']!r}.")
            continue
        versions = {}
        for key, named in entry["dataset_versions"].items():
            found = latest.get((named["kind"], name_key(named["name"])))
            if found is None:
                errors.setdefault(f"{path}.dataset_versions.{key}", []).append(
                    f"No {named['kind']} dataset {named['name']!r} in this bundle.")
            versions[key] = found
        times = {}
        for name in _TIMES:
            try:
                times[name] = _time(entry.get(name))
            except ValueError:
                errors.setdefault(f"{path}.{name}", []).append("Must be an ISO 8601 timestamp.")
        if any(key.startswith(path) for key in errors):
            continue
        session.add(EngineRun(
            engagement_id=engagement.id, scenario_id=scenario_id, kind=entry["kind"], status=entry["status"],
            progress=1.0, dataset_versions=versions, rules=entry.get("rules") or {},
            parameters=entry.get("parameters") or {}, metrics=entry.get("metrics"), error=entry.get("error") or "",
            created_by_id=user.id if user is not None else None, heartbeat_at=times["finished_at"], **times,
        ))
    return errors


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite gives timestamps back without their zone; they are stored in UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
