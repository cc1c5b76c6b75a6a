"""The versioned JSON bundle of a whole engagement: export, parse and import (all or nothing).

Every object gets a bundle-local id; references between objects use those ids, never database ids.
The format is documented in docs/bundle-format.md; its schema is schema.json beside this file (the dataset
kinds filled in from the datasets registry).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.archimate_store import bundle_section
from app.services.bundle.checks import ALL_COLLECTIONS, FORMAT, VERSION, check_bundle
from app.services.bundle.comments import export_comments
from app.services.bundle.datasets import export_sections
from app.services.bundle.extras import export_extras
from app.services.bundle.importer import Importer
from app.services.bundle.runs import export_runs
from app.services.bundle.signoffs import export_signoffs
from app.services.catalog.fields import KINDS, Kind, snapshot, snapshot_loaders
from app.services.errors import ValidationError
from app.services.transactions import holding_inserts
from models import ArchimateRelationship, Element, Engagement, Scenario, ScenarioValue, TraceLink, User

__all__ = ["dumps_bundle", "export_bundle", "filename_for", "import_bundle", "parse_bundle"]


def export_bundle(session: Session, engagement: Engagement) -> dict[str, Any]:
    """The whole engagement as a bundle document (a plain dict, ready for json.dumps)."""
    local: dict[tuple[str, int], str] = {}

    def ref(obj: Any) -> str:
        return local[("scenario" if isinstance(obj, Scenario) else "element", obj.id)]

    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engagement": {
            "name": engagement.name,
            "client": engagement.client,
            "description": engagement.description,
            "start_date": _iso(engagement.start_date),
            "end_date": _iso(engagement.end_date),
            "next_requirement_number": engagement.next_requirement_number,
            "next_decision_number": engagement.next_decision_number,
        },
        "scenarios": [],
    }
    scenarios = session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id).order_by(Scenario.id))
    for n, scenario in enumerate(scenarios, 1):
        local[("scenario", scenario.id)] = f"scenario-{n}"
        document["scenarios"].append(
            {
                "id": f"scenario-{n}",
                "name": scenario.name,
                "description": scenario.description,
                "is_baseline": scenario.is_baseline,
            }
        )
    for coll, kind in ALL_COLLECTIONS:
        spec = KINDS[kind]
        rows = session.scalars(
            select(spec.model)
            .where(spec.model.engagement_id == engagement.id)
            .order_by(spec.model.id)
            .options(*snapshot_loaders(spec))
        ).all()
        # Number the whole kind first: a decision may supersede a later one.
        for n, element in enumerate(rows, 1):
            local[("element", element.id)] = f"{kind}-{n}"
        if rows or kind != "generic":  # generic elements only come from ArchiMate imports: omit when none
            document[coll] = [_entry(element, spec, ref) for element in rows]
    links = session.scalars(select(TraceLink).where(TraceLink.engagement_id == engagement.id).order_by(TraceLink.id))
    document["trace_links"] = [
        {"kind": link.kind, "source": local[("element", link.source_id)], "target": local[("element", link.target_id)]}
        | ({"archimate_id": link.external_id} if link.external_id else {})
        for link in links
    ]
    own = _scenario_values(session, engagement, local)
    if own:  # only engagements whose scenarios hold values of their own
        document["scenario_values"] = own
    relationships = session.scalars(
        select(ArchimateRelationship)
        .where(ArchimateRelationship.engagement_id == engagement.id)
        .order_by(ArchimateRelationship.id)
    ).all()
    if relationships:  # only engagements imported from ArchiMate have them
        document["archimate_relationships"] = [
            {
                "archimate_id": rel.identifier,
                "type": rel.type,
                "name": rel.name,
                "documentation": rel.documentation,
                "properties": rel.properties,
                "attributes": rel.attributes,
                "source": local[("element", rel.source_id)],
                "target": local[("element", rel.target_id)],
            }
            for rel in relationships
        ]
    archimate_ids = {
        local[("element", element_id)]: external_id
        for element_id, external_id in session.execute(
            select(Element.id, Element.external_id)
            .where(Element.engagement_id == engagement.id, Element.external_id.is_not(None))
            .order_by(Element.id)
        )
    }
    archimate_ids.update(
        (local[("scenario", scenario_id)], external_id)
        for scenario_id, external_id in session.execute(
            select(Scenario.id, Scenario.external_id)
            .where(Scenario.engagement_id == engagement.id, Scenario.external_id.is_not(None))
            .order_by(Scenario.id)
        )
    )
    if archimate_ids:
        document["archimate_ids"] = archimate_ids
    document.update(export_sections(session, engagement, ref))  # only when it has datasets or ATP rules
    document.update(export_extras(session, engagement, local))  # rule settings, layouts, cost models, branding
    runs = export_runs(session, engagement, ref)
    if runs:  # only engagements with finished engine runs on the datasets carried above
        document["engine_runs"] = runs
    signoffs = export_signoffs(session, engagement, local)
    if signoffs:  # only engagements someone signed off in
        document["signoffs"] = signoffs
    comments = export_comments(session, engagement, local)
    if comments:  # only engagements with review comments
        document["comments"] = comments
    document.update(bundle_section(session, engagement))  # an imported ArchiMate model's views (archimate_store)
    return document


def _scenario_values(session: Session, engagement: Engagement, local: dict) -> list[dict[str, Any]]:
    """The values objects hold in one scenario only, references as bundle ids (docs/bundle-format.md)."""
    out = []
    rows = session.execute(
        select(ScenarioValue.scenario_id, ScenarioValue.element_id, Element.kind, ScenarioValue.values)
        .join(Element, Element.id == ScenarioValue.element_id)
        .where(Element.engagement_id == engagement.id)
        .order_by(ScenarioValue.scenario_id, ScenarioValue.element_id)
    )
    for scenario_id, element_id, kind, values in rows:
        if not values:
            continue
        spec = KINDS[kind]
        plain = {}
        for name, value in values.items():
            f = spec.field(name)
            if f.type == "ref":
                plain[name] = local[("element", value)] if value is not None else None
            elif f.type == "refs":
                plain[name] = [local[("element", v)] for v in value]
            else:
                plain[name] = value
        out.append({"scenario": local[("scenario", scenario_id)], "element": local[("element", element_id)],
                    "values": plain})
    return out


def _entry(element, spec: Kind, ref) -> dict[str, Any]:
    entry = {"id": ref(element)}
    if spec.ref_prefix:
        entry["ref"] = element.ref
    entry.update(snapshot(element, spec, ref=ref))
    return entry


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def dumps_bundle(document: dict[str, Any]) -> bytes:
    """Serialise a bundle document as indented UTF-8 JSON."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse_bundle(raw: bytes) -> dict[str, Any]:
    """Decode an uploaded or read bundle; ValidationError({"$": …}) when it is not a JSON object."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"$": f"The file is not UTF-8 text (byte {exc.start})."}) from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError({"$": f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."}) from None
    except (ValueError, RecursionError) as exc:
        raise ValidationError({"$": f"Invalid JSON: {exc}."}) from None
    if not isinstance(document, dict):
        raise ValidationError({"$": "A bundle is a JSON object."})
    return document


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON and no field can hold.
    raise ValueError(f"{name} is not allowed")


def import_bundle(session: Session, document: Any, owner: User | None = None) -> Engagement:
    """Create a new engagement from a bundle, all or nothing; ValidationError is keyed by JSON path."""
    check_bundle(document)
    importer = Importer(session, document, owner)
    with holding_inserts(session):
        try:
            engagement = importer.run()
        except BaseException:
            session.rollback()
            importer.forget()
            raise
    session.commit()
    return engagement


def filename_for(engagement: Engagement) -> str:
    """A safe ASCII file name for the engagement's bundle, e.g. acme-retail-discovery.throughline.json."""
    ascii_name = unicodedata.normalize("NFKD", engagement.name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'engagement'}.throughline.json"
