"""The bundle's optional `datasets` and `atp_rules` sections (docs/bundle-format.md).

Each dataset travels as its latest version, as gzip-compressed CSV (our column names) in base64, and is
re-validated on import exactly like an upload. Versions over INLINE_MAX_ROWS rows are referenced instead:
the entry keeps the dataset's name, kind, system and row count with `"data": null`, and must be uploaded
again after the import. Older versions and engine runs stay behind: they belong to the installation.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.datasets.kinds import KINDS
from app.services.datasets.uploads import frame_csv, list_datasets, load_frame, upload_dataset
from app.services.engines.atp_rules import save_rules
from app.services.errors import ValidationError
from models import AtpRules, Engagement, Scenario, System, User

INLINE_MAX_ROWS = 250_000
ENCODING = "csv+gzip+base64"


def export_sections(session: Session, engagement: Engagement, ref) -> dict[str, Any]:
    """{"datasets": […], "atp_rules": […]}, each only when the engagement has some; ref(obj) -> bundle id."""
    out: dict[str, Any] = {}
    entries = []
    for dataset in list_datasets(session, engagement.id):
        if not dataset.versions:
            continue
        latest = dataset.versions[-1]
        entry: dict[str, Any] = {
            "kind": dataset.kind,
            "name": dataset.name,
            "system_id": ref(dataset.system) if dataset.system is not None else None,
            "version": latest.number,
            "filename": latest.filename,
            "rows": latest.row_count,
        }
        if latest.row_count <= INLINE_MAX_ROWS:
            text = frame_csv(load_frame(session, latest))
            entry["encoding"] = ENCODING
            entry["data"] = base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")
        else:
            entry["encoding"] = None
            entry["data"] = None
        entries.append(entry)
    if entries:
        out["datasets"] = entries
    rules = session.execute(
        select(AtpRules.scenario_id, AtpRules.document).join(Scenario, Scenario.id == AtpRules.scenario_id)
        .where(AtpRules.engagement_id == engagement.id).order_by(Scenario.id)
    ).all()
    if rules:
        scenarios = {s.id: s for s in session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id))}
        out["atp_rules"] = [{"scenario_id": ref(scenarios[sid]), "rules": doc} for sid, doc in rules]
    return out


def import_sections(session: Session, engagement: Engagement, document: dict[str, Any], db_ids: dict[str, int],
                    user: User | None) -> dict[str, list[str]]:
    """Create the bundle's datasets and rules in the new engagement (no commit); errors keyed by JSON path."""
    errors: dict[str, list[str]] = {}
    order = {k: i for i, k in enumerate(KINDS)}
    indexed = sorted(enumerate(document.get("datasets", [])), key=lambda pair: order.get(pair[1].get("kind"), 9))
    for i, entry in indexed:  # locations first: the others refer to them
        path = f"$.datasets[{i}]"
        if entry.get("data") is None:
            continue  # referenced, not inlined: re-upload after the import
        system = None
        if entry.get("system_id") is not None:
            system_id = db_ids.get(entry["system_id"])
            system = session.get(System, system_id) if system_id else None
            if system is None:
                errors.setdefault(f"{path}.system_id", []).append(f"Unknown system {entry['system_id']!r}.")
                continue
        try:
            raw = gzip.decompress(base64.b64decode(entry["data"], validate=True))
        except (binascii.Error, OSError, EOFError, ValueError):
            errors.setdefault(f"{path}.data", []).append("Not gzip-compressed CSV in base64.")
            continue
        try:
            upload_dataset(session, engagement, entry["kind"], raw, entry.get("filename") or f"{entry['kind']}.csv",
                           system=system if system is not None else _any_system(session, engagement),
                           name=entry["name"], user=user, commit=False)
        except ValidationError as exc:
            for where, messages in exc.errors.items():
                errors.setdefault(f"{path}.data ({where})", []).extend(messages)
    for i, entry in enumerate(document.get("atp_rules", [])):
        path = f"$.atp_rules[{i}]"
        scenario_id = db_ids.get(entry.get("scenario_id"))
        scenario = session.get(Scenario, scenario_id) if scenario_id else None
        if scenario is None:
            errors.setdefault(f"{path}.scenario_id", []).append(f"Unknown scenario {entry.get('scenario_id')!r}.")
            continue
        try:
            save_rules(session, engagement, scenario, entry.get("rules"), user=user, commit=False)
        except ValidationError as exc:
            for where, messages in exc.errors.items():
                errors.setdefault(f"{path}.rules.{where}", []).extend(messages)
    return errors


def _any_system(session: Session, engagement: Engagement) -> System:
    # A dataset whose system was deleted before the export still needs one to be uploaded against.
    system = session.scalar(select(System).where(System.engagement_id == engagement.id).order_by(System.id))
    if system is None:
        raise ValidationError({"system_id": "The bundle has datasets but no system to link them to."})
    return system
