"""What an identity run reads: the scenario's customer extracts as engine columns, its options and decisions.

The scenario decides the sources: the customer extracts of systems that are members of the scenario (an extract
not linked to a catalog system is always read). A run's snapshot (the dataset versions it read, its options
document and the review decisions it applied) re-runs to the same customers (`resolve_run`); runs themselves are
in `identity`, their stored figures and exports in `identity_results`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import config
from app.engines import identity as engine
from app.engines.identity.backends import Backend
from app.services.datasets.uploads import load_frame
from app.services.errors import ValidationError
from models import Dataset, DatasetVersion, Engagement, EngineRun, Scenario, scenario_members

OPTION_KEYS = ("threshold", "review_low", "rules", "email_provider_rules", "default_region", "source_priority",
               "survivorship", "nicknames", "exclude_test_records", "household_guard", "probabilistic",
               "max_shared_identifier")


def customer_versions(session: Session, engagement: Engagement) -> list[DatasetVersion]:
    """The latest version of every customers dataset of the engagement (one per extract)."""
    datasets = session.scalars(
        select(Dataset).where(Dataset.engagement_id == engagement.id, Dataset.kind == "customers")
        .options(selectinload(Dataset.versions), selectinload(Dataset.system)).order_by(Dataset.id)
    ).all()
    return [d.versions[-1] for d in datasets if d.versions]


def scenario_sources(session: Session, engagement: Engagement,
                     scenario: Scenario) -> tuple[list[DatasetVersion], list[DatasetVersion]]:
    """(read, left out): extracts whose system is in the scenario (or have no system) are read, the rest not."""
    members = set(session.scalars(select(scenario_members.c.element_id)
                                  .where(scenario_members.c.scenario_id == scenario.id)))
    read, left_out = [], []
    for version in customer_versions(session, engagement):
        system_id = version.dataset.system_id
        (read if system_id is None or system_id in members else left_out).append(version)
    return read, left_out


def records_of(session: Session, versions: list[DatasetVersion]) -> dict[str, list[Any]]:
    """Every row of the versions as columns (name -> one cell per record, None when empty), which the engine
    reads without a dict per record; `system` is the catalog system's name (else the dataset's)."""
    names = ("source_record_id", *engine.FIELDS)
    out: dict[str, list[Any]] = {"system": [], **{name: [] for name in names}}
    for version in versions:
        frame = load_frame(session, version)
        system = version.dataset.system.name if version.dataset.system is not None else version.dataset.name
        out["system"].extend([system] * frame.rows)
        for name in names:
            if not frame.has(name):
                out[name].extend([None] * frame.rows)
                continue
            codes, values = frame.codes(name)
            # one str per distinct value, shared by every cell holding it; code -1 (empty) picks the None
            cells = [str(v) or None for v in values.tolist()] + [None]
            out[name].extend(map(cells.__getitem__, codes.tolist()))
    return out


def parse_options(document: dict[str, Any] | None, decisions: dict[str, str] | None = None) -> engine.Options:
    """Options from a JSON document (unknown keys and bad values are a ValidationError)."""
    document = dict(document or {})
    unknown = set(document) - set(OPTION_KEYS)
    if unknown:
        raise ValidationError({"options": f"Unknown option(s): {', '.join(sorted(unknown))}."})
    kwargs: dict[str, Any] = {}
    for key in ("threshold", "review_low"):
        if document.get(key) is not None:
            try:
                kwargs[key] = float(document[key])
            except (TypeError, ValueError):
                raise ValidationError({key: "Must be a probability between 0 and 1."}) from None
    for key in ("rules", "source_priority"):
        if document.get(key) is not None:
            kwargs[key] = tuple(str(v) for v in document[key])
    for key in ("email_provider_rules", "nicknames", "exclude_test_records", "household_guard", "probabilistic"):
        if document.get(key) is not None:
            kwargs[key] = bool(document[key])
    if document.get("max_shared_identifier") is not None:
        try:
            kwargs["max_shared_identifier"] = int(document["max_shared_identifier"])
        except (TypeError, ValueError):
            raise ValidationError({"max_shared_identifier": "Must be a whole number of records (2 or more)."}) from None
    if document.get("default_region"):
        kwargs["default_region"] = str(document["default_region"]).upper()
    if document.get("survivorship"):
        kwargs["survivorship"] = {str(k): str(v) for k, v in dict(document["survivorship"]).items()}
    kwargs["decisions"] = decisions_by_pair(decisions or {})
    try:
        return engine.Options(**kwargs)
    except ValueError as exc:
        raise ValidationError({"options": str(exc)}) from None


def pair_key(a: str, b: str) -> str:
    """A decision's stored key: "keyA|keyB" (sorted), or a JSON pair when a key holds "|" or starts with "["."""
    left, right = sorted((a, b))
    if "|" in left or "|" in right or left.startswith("["):
        return json.dumps([left, right], ensure_ascii=False)
    return f"{left}|{right}"


def key_pairs(key: str) -> list[tuple[str, str]]:
    """The sorted record pairs a stored decision key can mean (an old "a|b" key: every split; only real ones apply)."""
    if key.startswith("["):
        try:
            value = json.loads(key)
        except ValueError:
            value = None
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return [tuple(sorted(value))]  # type: ignore[list-item]
    parts = key.split("|")
    return [tuple(sorted(("|".join(parts[:i]), "|".join(parts[i:])))) for i in range(1, len(parts))]  # type: ignore[misc]


def decisions_by_pair(decisions: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """Stored decisions ("keyA|keyB" or a JSON pair -> accept/reject) by sorted pair of record keys."""
    return {pair: decision for key, decision in decisions.items() for pair in key_pairs(key)}


def _versions(session: Session, run: EngineRun) -> list[DatasetVersion]:
    ids = list(run.dataset_versions.values())
    return list(session.scalars(select(DatasetVersion).where(DatasetVersion.id.in_(ids))
                                .options(selectinload(DatasetVersion.dataset).selectinload(Dataset.system))
                                .order_by(DatasetVersion.id)))


def applied_decisions(run: EngineRun) -> dict[str, str]:
    """The decisions the run applied (runs made before this was kept: the ones on the run)."""
    parameters = run.parameters or {}
    return dict(parameters.get("applied_decisions", parameters.get("decisions", {})))


def configured_backend() -> Backend:
    """The Splink backend from configuration (IDENTITY_BACKEND, IDENTITY_SPARK_*): a setting, not a run option."""
    try:
        return Backend(**config.identity_backend())
    except ValueError as exc:
        raise ValidationError({"IDENTITY_BACKEND": str(exc)}) from None


def run_options(run: EngineRun) -> engine.Options:
    """The run's effective engine options (its options document over the defaults, with its decisions)."""
    return parse_options((run.parameters or {}).get("options"), applied_decisions(run))


def resolve_run(session: Session, run: EngineRun, progress=None) -> engine.Result:
    """Run the engine on the run's snapshot (same versions, options and decisions); progress(fraction) optional."""
    options = dataclasses.replace(run_options(run), backend=configured_backend())
    return engine.resolve(records_of(session, _versions(session, run)), options, progress=progress)
