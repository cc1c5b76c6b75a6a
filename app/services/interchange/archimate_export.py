"""ArchiMate exchange files, export side: an engagement (one scenario or all) as exchange XML.

Export reads the database into exports.archimate's dataclasses; the renderer decides types, ids and the view.
Import (a file as a new engagement) is in `archimate_import`; its public names are re-exported here.
The mapping: docs/archimate.md.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.archimate_store import load_kept
from app.services.catalog.fields import KINDS, Field, Kind
from app.services.catalog.scenario_values import overrides_of
from app.services.errors import NotFound
from app.services.interchange.archimate_import import ImportSummary, import_archimate
from app.services.interchange.archimate_mapping import (
    DOC_FIELD,
    KIND_OF_TYPE,
    LIST_SEPARATOR,
    NAME_FIELD,
    REF_PROPERTY,
    STRUCTURAL,
)
from exports.archimate import Item, Link, Model, Plateau, export_model
from exports.workbook.lists import join_list
from models import (
    ArchimateRelationship,
    DecisionParticipant,
    Element,
    Engagement,
    Scenario,
    Tag,
    TraceLink,
    element_channels,
    flow_entities,
    scenario_members,
)

__all__ = [
    "DOC_FIELD",
    "KIND_OF_TYPE",
    "LIST_SEPARATOR",
    "NAME_FIELD",
    "REF_PROPERTY",
    "STRUCTURAL",
    "ImportSummary",
    "build_model",
    "export_archimate",
    "filename_for",
    "import_archimate",
    "resolve_scenario",
]


def filename_for(engagement: Engagement) -> str:
    """A safe ASCII download name, e.g. acme-retail-discovery-archimate.xml."""
    ascii_name = unicodedata.normalize("NFKD", engagement.name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'engagement'}-archimate.xml"


def resolve_scenario(session: Session, engagement: Engagement, wanted: str | int | None) -> Scenario | None:
    """None for all scenarios ("all"); the baseline when nothing is asked; else by id or by name."""
    scenarios = session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id)).all()
    if isinstance(wanted, str) and wanted.strip().casefold() == "all":
        return None
    if wanted in (None, ""):
        return next(s for s in scenarios if s.is_baseline)
    for scenario in scenarios:
        if str(scenario.id) == str(wanted).strip() or scenario.name_key == " ".join(str(wanted).split()).casefold():
            return scenario
    raise NotFound(f"No scenario {wanted!r} in this engagement.")


def export_archimate(session: Session, engagement: Engagement, scenario: str | int | None = None) -> bytes:
    """The engagement as exchange XML: one scenario (default: the current state) or "all" as plateaus."""
    chosen = resolve_scenario(session, engagement, scenario)
    return export_model(build_model(session, engagement, chosen))


def build_model(session: Session, engagement: Engagement, scenario: Scenario | None) -> Model:
    """The exporter's input for one scenario, or for all of them (scenario None: one plateau each).

    Read with plain column queries (no ORM objects): an engagement of thousands of flows loads in well under a
    second this way, where loading the mapped objects and their relationships takes several."""
    eid = engagement.id
    scenarios = session.scalars(select(Scenario).where(Scenario.engagement_id == eid).order_by(Scenario.id)).all()
    membership: dict[int, list[int]] = {}
    for scenario_id, element_id in session.execute(
        select(scenario_members.c.scenario_id, scenario_members.c.element_id)
        .join(Scenario, Scenario.id == scenario_members.c.scenario_id)
        .where(Scenario.engagement_id == eid)
    ):
        membership.setdefault(element_id, []).append(scenario_id)
    reader = _Reader(session, eid, {s.id: s.name for s in scenarios})
    rows: dict[str, list[dict[str, Any]]] = {}
    # One scenario's export shows the values it holds of its own (docs/scenarios.md).
    own = overrides_of(session, scenario.id) if scenario is not None else {}
    for kind, spec in KINDS.items():
        found = reader.rows(spec)
        if spec.in_scenarios and scenario is not None:
            found = [{**r, **own.get(r["id"], {})} for r in found if scenario.id in membership.get(r["id"], ())]
        rows[kind] = found
    key_of = {r["id"]: f"{kind}:{r['id']}" for kind, found in rows.items() for r in found}
    kept = load_kept(session, engagement)  # an imported model's views, folders and metadata
    unstated = set(kept.unstated_refs) if kept is not None else set()
    items: list[Item] = []
    links: list[Link] = []
    for kind in ("channel", "entity", "stakeholder", "system", "requirement", "decision", "generic"):
        spec = KINDS[kind]
        for row in rows[kind]:
            items.append(
                Item(
                    key=key_of[row["id"]],
                    kind=kind,
                    name=row["_name"],
                    documentation=row.get(DOC_FIELD.get(kind, ""), "") or "",
                    # A Ref the imported file did not state is ours, not the model's: not written back.
                    properties=tuple(p for p in _properties(spec, row, reader)
                                     if p[0] != REF_PROPERTY or row["_external_id"] not in unstated),
                    external_id=row["_external_id"],
                    archimate_type=row.get("archimate_type"),
                )
            )
            for channel_id in row.get("channel_ids", []) if kind == "system" else []:
                if channel_id in key_of:
                    links.append(
                        Link(f"serves:{row['id']}:{channel_id}", "serves", key_of[row["id"]], key_of[channel_id])
                    )
    for row in rows["flow"]:
        if row["source_id"] in key_of and row["target_id"] in key_of:
            links.append(
                Link(
                    key_of[row["id"]], "flow", key_of[row["source_id"]], key_of[row["target_id"]],
                    documentation=row["notes"] or "",
                    properties=_properties(KINDS["flow"], row, reader),
                    external_id=row["_external_id"],
                )
            )
    roles = KINDS["ownership"].field("role").choices
    for row in rows["ownership"]:
        if row["system_id"] in key_of and row["entity_id"] in key_of:
            links.append(
                Link(
                    key_of[row["id"]], "ownership", key_of[row["system_id"]], key_of[row["entity_id"]],
                    # reads and writes say all in their accessType; the others share ReadWrite and need a Role.
                    properties=() if row["role"] in _ROLE_IN_ACCESS else (("Role", roles[row["role"]]),),
                    external_id=row["_external_id"], role=row["role"],
                )
            )
    for link in session.execute(
        select(TraceLink.id, TraceLink.kind, TraceLink.source_id, TraceLink.target_id, TraceLink.external_id)
        .where(TraceLink.engagement_id == eid).order_by(TraceLink.id)
    ):
        if link.source_id in key_of and link.target_id in key_of:
            links.append(
                Link(
                    f"link:{link.id}", "trace", key_of[link.source_id], key_of[link.target_id],
                    external_id=link.external_id, trace_kind=link.kind,
                )
            )
    for rel in session.scalars(
        select(ArchimateRelationship).where(ArchimateRelationship.engagement_id == eid)
        .order_by(ArchimateRelationship.id)
    ):
        if rel.source_id in key_of and rel.target_id in key_of:
            links.append(
                Link(
                    f"rel:{rel.id}", "generic", key_of[rel.source_id], key_of[rel.target_id],
                    name=rel.name, documentation=rel.documentation,
                    properties=tuple((n, v) for n, v in rel.properties),
                    external_id=rel.identifier, archimate_type=rel.type,
                    attributes=tuple(sorted(rel.attributes.items())),
                )
            )
    plateaus: tuple[Plateau, ...] = ()
    if scenario is None:
        plateaus = tuple(
            Plateau(
                key=f"scenario:{s.id}",
                name=s.name,
                documentation=s.description,
                members=tuple(key for element_id, key in key_of.items() if s.id in membership.get(element_id, ())),
                external_id=s.external_id,
            )
            for s in sorted(scenarios, key=lambda s: not s.is_baseline)
        )
    view = "All scenarios" if scenario is None else scenario.name
    return Model(
        name=engagement.name,
        documentation=engagement.description,
        items=tuple(items),
        links=tuple(links),
        plateaus=plateaus,
        view_name=f"{engagement.name} — {view}",
        language=(kept.language if kept is not None else None) or "en",
        kept=kept,
    )


_ROLE_IN_ACCESS = {"reads", "writes"}
# Association tables behind the `refs` fields: (kind, field) -> (owner column, referenced column).
_LINK_TABLES = {
    ("system", "channel_ids"): (element_channels.c.element_id, element_channels.c.channel_id),
    ("requirement", "channel_ids"): (element_channels.c.element_id, element_channels.c.channel_id),
    ("flow", "entity_ids"): (flow_entities.c.flow_id, flow_entities.c.entity_id),
}


class _Reader:
    """Each kind's field values as plain dicts (ids for references), read with a few column queries."""

    def __init__(self, session: Session, engagement_id: int, scenario_names: dict[int, str]) -> None:
        self.session = session
        self.eid = engagement_id
        self.scenario_names = scenario_names
        self.labels: dict[int, tuple[str, str, str | None]] = {
            r.id: (r.kind, r.name, r.ref)
            for r in session.execute(
                select(Element.id, Element.kind, Element.name, Element.ref)
                .where(Element.engagement_id == engagement_id)
            )
        }
        self.tags: dict[int, list[str]] = {}
        for element_id, tag in session.execute(
            select(Tag.element_id, Tag.tag).join(Element, Element.id == Tag.element_id)
            .where(Element.engagement_id == engagement_id).order_by(Tag.tag)
        ):
            self.tags.setdefault(element_id, []).append(tag)

    def rows(self, spec: Kind) -> list[dict[str, Any]]:
        model = spec.model
        columns = {"id": model.id, "_name": model.name, "_external_id": model.external_id, "_ref": model.ref}
        lists: dict[str, dict[int, list[int]]] = {}
        for f in spec.fields:
            if f.type == "tags" or f.name == "scenario_ids":
                continue
            if f.type == "refs":
                owner, other = _LINK_TABLES[(spec.kind, f.name)]
                lists[f.name] = self._pairs(select(owner, other).where(owner.in_(select(model.id).where(
                    model.engagement_id == self.eid))).order_by(other))
            elif f.type == "participants":
                lists[f.name] = self._pairs(
                    select(DecisionParticipant.decision_id, DecisionParticipant.stakeholder_id)
                    .join(Element, Element.id == DecisionParticipant.decision_id)
                    .where(Element.engagement_id == self.eid, DecisionParticipant.role == f.attr)
                    .order_by(DecisionParticipant.stakeholder_id)
                )
            elif spec.kind == "generic" and f.name == "properties":
                columns[f.name] = model.properties
            else:
                columns[f.name] = getattr(model, f.name if f.type == "ref" else (f.attr or f.name))
        out = []
        names = list(columns)
        for values in self.session.execute(
            select(*columns.values()).where(model.engagement_id == self.eid).order_by(model.id)
        ):
            row = dict(zip(names, values, strict=True))
            for name, by_owner in lists.items():
                row[name] = by_owner.get(row["id"], [])
            row["tags"] = self.tags.get(row["id"], [])
            out.append(row)
        return out

    def _pairs(self, stmt) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for owner, other in self.session.execute(stmt):
            found.setdefault(owner, []).append(other)
        return found

    def label(self, f: Field, value: int) -> str:
        """What a reference property says: a name, an ADR ref for decisions, a scenario's name."""
        if f.target is Scenario:
            return self.scenario_names.get(value, "")
        kind, name, ref = self.labels.get(value, ("", "", None))
        return ref if kind == "decision" else name


def _properties(spec: Kind, row: dict[str, Any], reader: _Reader) -> tuple[tuple[str, str], ...]:
    """The fields not carried by the ArchiMate name, documentation or relationships, as (title, text)."""
    if spec.kind == "generic":
        return tuple((n, v) for n, v in row["properties"] or [])
    skip = STRUCTURAL.get(spec.kind, set()) | {DOC_FIELD.get(spec.kind), NAME_FIELD.get(spec.kind, "name")}
    out: list[tuple[str, str]] = []
    if spec.ref_prefix:
        out.append((REF_PROPERTY, row["_ref"]))
    for f in spec.fields:
        if f.name in skip:
            continue
        text = _display(f, row.get(f.name), reader)
        if text:
            out.append((f.title, text))
    return tuple(out)


def _display(f: Field, value: Any, reader: _Reader) -> str:
    if value is None or value == "" or value == []:
        return ""
    if f.type == "choice":
        return f.choices.get(value, value)
    if f.type == "bool":
        return "Yes" if value else "No"
    if f.type == "float":
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if f.type == "date":
        return value.isoformat()
    if f.type == "tags":
        return join_list(value)
    if f.type == "ref":
        return reader.label(f, value)
    if f.type in ("refs", "participants"):
        return join_list(reader.label(f, v) for v in value)
    return str(value)
