"""Spreadsheet export: a whole engagement as the workbook template (XLSX or a ZIP of CSV files), and the
empty template with its instructions. The format is documented in docs/workbook.md.

Rows and list cells are sorted by name (requirements and decisions by number), never by database id, so
an export does not depend on the order things were entered: export -> import into an empty engagement ->
export gives the same cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.catalog.fields import KINDS, Kind, snapshot_loaders
from app.services.catalog.scenario_values import InScenario
from exports.workbook import SHEETS, write_csv_zip, write_xlsx
from exports.workbook.lists import escape, flow_ref_text, join_list
from models import (
    DataFlow,
    Decision,
    Element,
    Engagement,
    Requirement,
    Scenario,
    ScenarioValue,
    TraceLink,
)
from models.vocab import FLOW_PATTERNS

NO_SCENARIO = "(none)"  # the scenarios cell of an element in no scenario at all
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip"}


def export_workbook(session: Session, engagement: Engagement, fmt: str = "xlsx") -> bytes:
    """The engagement as a workbook file: fmt "xlsx" or "zip" (CSV files)."""
    tables = export_tables(session, engagement)
    if fmt == "xlsx":
        return write_xlsx(tables, instructions=instructions(), choices=choices())
    if fmt == "zip":
        return write_csv_zip(tables, readme=readme())
    raise ValueError(f"Unknown workbook format {fmt!r} (xlsx or zip).")


def template_workbook() -> bytes:
    """The empty template: an Instructions sheet and every sheet with its headers."""
    return write_xlsx({}, instructions=instructions(), choices=choices())


def filename_for(engagement: Engagement, fmt: str) -> str:
    """A safe ASCII file name, e.g. acme-retail-discovery.workbook.xlsx."""
    ascii_name = unicodedata.normalize("NFKD", engagement.name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    return f"{slug or 'engagement'}.workbook.{fmt}"


# --- rows -----------------------------------------------------------------------------------------


def export_tables(session: Session, engagement: Engagement) -> dict[str, list[dict[str, Any]]]:
    """sheet -> rows (column -> plain value) for the whole engagement."""
    eid = engagement.id
    scenarios = list(
        session.scalars(
            select(Scenario).where(Scenario.engagement_id == eid).order_by(Scenario.is_baseline.desc(), Scenario.id)
        )
    )
    scenario_rank = {s.id: (not s.is_baseline, _key(s.name)) for s in scenarios}
    loaded = {kind: _load(session, eid, KINDS[kind]) for kind in KINDS}
    flows: list[DataFlow] = loaded["flow"]
    pair_count = Counter((f.source_id, f.target_id) for f in flows)
    links = list(session.scalars(select(TraceLink).where(TraceLink.engagement_id == eid)))
    targets: dict[tuple[str, int], list[Element]] = {}
    sources: dict[tuple[str, int], list[Element]] = {}
    by_id = {e.id: e for kind in loaded.values() for e in kind}
    for link in links:
        targets.setdefault((link.kind, link.source_id), []).append(by_id[link.target_id])
        sources.setdefault((link.kind, link.target_id), []).append(by_id[link.source_id])

    def scen(element: Element) -> str:
        if not element.scenarios:
            return NO_SCENARIO
        return _join(s.name for s in sorted(element.scenarios, key=lambda s: scenario_rank[s.id]))

    def names(objects) -> str:
        return _join(sorted((o.name for o in objects), key=_key))

    def flow_ref(flow: DataFlow) -> str:
        if pair_count[(flow.source_id, flow.target_id)] == 1:
            return flow_ref_text(flow.source.name, flow.target.name)
        entities = sorted((e.name for e in flow.entities), key=_key)
        via = flow.via.name if flow.via is not None else None
        return flow_ref_text(flow.source.name, flow.target.name, (entities, FLOW_PATTERNS[flow.pattern], via))

    def element_refs(items: list[Element]) -> str:
        systems = sorted((e.name for e in items if e.kind == "system"), key=_key)
        flow_refs = sorted((flow_ref(e) for e in items if e.kind == "flow"), key=_key)
        return "; ".join([*(escape(n, _NAME_SPECIALS) for n in systems), *flow_refs])  # flow refs come escaped

    def refs(items: list[Element]) -> str:
        return _join(e.ref for e in sorted(items, key=lambda e: e.number))

    label = _labels
    tables: dict[str, list[dict[str, Any]]] = {}
    own_values = _own_values(session, scenarios)

    def scenario_rows(element: Element, row, shared_columns: tuple[str, ...], key: str | None = None):
        """The element's row, then one row per scenario it holds values of its own in (shared cells blank)."""
        views = [
            (s, InScenario(element, own_values[(s.id, element.id)], by_id))
            for s in sorted(element.scenarios, key=lambda s: scenario_rank[s.id])
            if (s.id, element.id) in own_values
        ]
        key = key if views else None
        rows = [{**row(element), "key": key}]
        for scenario, view in views:
            rows.append({**row(view), **dict.fromkeys(shared_columns), "scenario": scenario.name, "key": key})
        return rows

    def system_row(s) -> dict[str, Any]:
        return {
            "name": s.name,
            "category": label("system", "category", s.category),
            "vendor": s.vendor,
            "product": s.product,
            "hosting": label("system", "hosting", s.hosting),
            "lifecycle": label("system", "lifecycle", s.lifecycle),
            "owner": s.owner.name if s.owner else None,
            "channels": names(s.channels),
            "scenarios": scen(s),
            "tags": _join(s.tags),
            "notes": s.notes,
        }

    tables["systems"] = [
        row
        for s in sorted(loaded["system"], key=lambda e: e.name_key or "")
        for row in scenario_rows(s, system_row, ("scenarios", "tags", "notes"))
    ]
    for row in tables["systems"]:
        del row["key"]  # a system is identified by its name

    def flow_order(f: DataFlow):
        return (
            _key(f.source.name),
            _key(f.target.name),
            f.pattern,
            [_key(e.name) for e in sorted(f.entities, key=lambda e: _key(e.name))],
            _key(f.via.name) if f.via else "",
            f.id,  # identical flows (same source, target, entities, pattern, via) cannot be told apart
        )

    def flow_row(f) -> dict[str, Any]:
        return {
            "source": f.source.name,
            "target": f.target.name,
            "entities": names(f.entities),
            "pattern": label("flow", "pattern", f.pattern),
            "frequency": f.frequency,
            "latency_seconds": f.latency_seconds,
            "worst_latency_seconds": f.worst_latency_seconds,
            "via": f.via.name if f.via else None,
            "direction": label("flow", "direction", f.direction),
            "scenarios": scen(f),
            "tags": _join(f.tags),
            "notes": f.notes,
        }

    tables["flows"] = _keyed(
        "F", (scenario_rows(f, flow_row, ("scenarios", "tags", "notes"), "?") for f in sorted(flows, key=flow_order))
    )
    roles = list(KINDS["ownership"].field("role").choices or {})

    def ownership_row(o) -> dict[str, Any]:
        return {
            "system": o.system.name,
            "entity": o.entity.name,
            "role": label("ownership", "role", o.role),
            "scenarios": scen(o),
        }

    ownerships = sorted(
        loaded["ownership"], key=lambda o: (_key(o.system.name), _key(o.entity.name), roles.index(o.role))
    )
    tables["ownership"] = _keyed("O", (scenario_rows(o, ownership_row, ("scenarios",), "?") for o in ownerships))
    tables["stakeholders"] = [
        {
            "name": p.name,
            "role": p.role,
            "team": p.team,
            "area": label("stakeholder", "area", p.area),
            "influence": label("stakeholder", "influence", p.influence),
            "interest": label("stakeholder", "interest", p.interest),
            "email": p.email,
        }
        for p in sorted(loaded["stakeholder"], key=lambda e: e.name_key or "")
    ]
    requirements: list[Requirement] = sorted(loaded["requirement"], key=lambda r: r.number)
    tables["requirements"] = [
        {
            "ref": r.ref,
            "title": r.name,
            "text": r.text,
            "type": label("requirement", "type", r.type),
            "priority": label("requirement", "priority", r.priority),
            "channels": names(r.channels),
            "source": r.source.name if r.source else None,
            "status": label("requirement", "status", r.status),
            "acceptance": r.acceptance,
            "tags": _join(r.tags),
            "satisfied_by": element_refs(targets.get(("satisfied_by", r.id), [])),
            "refines": refs(targets.get(("refines", r.id), [])),
        }
        for r in requirements
    ]
    decisions: list[Decision] = sorted(loaded["decision"], key=lambda d: d.number)
    tables["decisions"] = [
        {
            "ref": d.ref,
            "title": d.name,
            "status": label("decision", "status", d.status),
            "context": d.context,
            "options": d.options,
            "outcome": d.outcome,
            "consequences": d.consequences,
            "date": d.decided_on,
            "deciders": names(d.stakeholders_in("decider")),
            "consulted": names(d.stakeholders_in("consulted")),
            "informed": names(d.stakeholders_in("informed")),
            "supersedes": d.supersedes.ref if d.supersedes else None,
            "addresses": refs(sources.get(("addresses", d.id), [])),
            "affects": element_refs(targets.get(("affects", d.id), [])),
            "scenario": d.scenario.name if d.scenario else None,
            "tags": _join(d.tags),
        }
        for d in decisions
    ]
    tables["channels"] = [
        {"name": c.name, "description": c.description, "customer_facing": c.customer_facing}
        for c in sorted(loaded["channel"], key=lambda e: e.name_key or "")
    ]
    tables["entities"] = [
        {"name": e.name, "description": e.description, "time_critical": e.time_critical}
        for e in sorted(loaded["entity"], key=lambda e: e.name_key or "")
    ]
    tables["scenarios"] = [
        {"name": s.name, "description": s.description, "baseline": s.is_baseline}
        for s in sorted(scenarios, key=lambda s: scenario_rank[s.id])
    ]
    return tables


def _own_values(session: Session, scenarios: list[Scenario]) -> dict[tuple[int, int], dict[str, Any]]:
    """(scenario id, element id) -> the values the element holds in that scenario of its own (one query)."""
    if not scenarios:
        return {}
    rows = session.execute(
        select(ScenarioValue.scenario_id, ScenarioValue.element_id, ScenarioValue.values).where(
            ScenarioValue.scenario_id.in_([s.id for s in scenarios])
        )
    )
    return {(s, e): values for s, e, values in rows if values}


def _keyed(prefix: str, groups) -> list[dict[str, Any]]:
    """The rows of each object in turn; an object with rows per scenario gets the next key (F1, F2…) on all of
    them, in sheet order, so the same engagement always exports the same keys."""
    out: list[dict[str, Any]] = []
    number = 0
    for rows in groups:
        if rows[0]["key"] is not None:
            number += 1
            for row in rows:
                row["key"] = f"{prefix}{number}"
        out.extend(rows)
    return out


def _load(session: Session, engagement_id: int, spec: Kind) -> list[Element]:
    # Everything the rows touch, in a handful of IN queries per kind (no query per element).
    options = [selectinload(spec.model.scenarios), *snapshot_loaders(spec)]
    query = select(spec.model).where(spec.model.engagement_id == engagement_id).order_by(spec.model.id)
    return list(session.scalars(query.options(*options)))


def _labels(kind: str, field: str, code: str | None) -> str | None:
    choices = KINDS[kind].field(field).choices or {}
    return choices.get(code, code) if code is not None else None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _join(items) -> str:
    return join_list(items)


# A system name in a link cell is escaped like a name in a flow reference, so that `A -> B` names a flow only
# when the arrow is not part of a name.
_NAME_SPECIALS = "\\;,|[]>→"


# --- the template's own help ----------------------------------------------------------------------

# (sheet, column) -> (kind, field) of the controlled vocabularies, for the drop-downs and the instructions.
_CHOICE_COLUMNS = {
    ("systems", "category"): ("system", "category"),
    ("systems", "hosting"): ("system", "hosting"),
    ("systems", "lifecycle"): ("system", "lifecycle"),
    ("flows", "pattern"): ("flow", "pattern"),
    ("flows", "direction"): ("flow", "direction"),
    ("ownership", "role"): ("ownership", "role"),
    ("stakeholders", "area"): ("stakeholder", "area"),
    ("stakeholders", "influence"): ("stakeholder", "influence"),
    ("stakeholders", "interest"): ("stakeholder", "interest"),
    ("requirements", "type"): ("requirement", "type"),
    ("requirements", "priority"): ("requirement", "priority"),
    ("requirements", "status"): ("requirement", "status"),
    ("decisions", "status"): ("decision", "status"),
}
_YES_NO = (("channels", "customer_facing"), ("entities", "time_critical"), ("scenarios", "baseline"))


def choices() -> dict[str, dict[str, list[str]]]:
    """sheet -> column -> labels offered as a drop-down."""
    out: dict[str, dict[str, list[str]]] = {}
    for (sheet, column), (kind, field) in _CHOICE_COLUMNS.items():
        out.setdefault(sheet, {})[column] = list((KINDS[kind].field(field).choices or {}).values())
    for sheet, column in _YES_NO:
        out.setdefault(sheet, {})[column] = ["yes", "no"]
    return out


GENERAL_HELP = [
    "Fill in the sheets you need; the others may be left empty or deleted. Headers are not case-sensitive; "
    "columns marked * are required. Columns you add are ignored (the import reports them as warnings).",
    "Lists (channels, entities, tags, stakeholders…) are separated by semicolons ( ; ). A name that holds a ; "
    "is written with a backslash before it (Acme\\; Retail), and a backslash as two (\\\\).",
    "References are by name (systems, channels, entities, stakeholders, scenarios) or by ref or title "
    "(requirements REQ-n, decisions ADR-n); case does not matter. Channels, entities and stakeholders "
    "must exist in the engagement or be listed on their own sheet in this workbook.",
    "A flow is written Source -> Target; when several flows join the same two systems add "
    "[Entity, Entity | Pattern | via Middleware] (or | direct) to say which. In a flow, a backslash also "
    "comes before a , | [ ] or > that is part of a name.",
    "Choice columns accept the label or the code (see the allowed values below), and loose spellings: case, "
    "spaces and punctuation do not matter (event/stream is Event / stream) and common synonyms are read "
    "(on prem, NFR, MoSCoW letters…); the dry run lists every such reading.",
    "A blank scenarios cell means the current state; (none) means in no scenario. A scenario named in a cell "
    "but not on the scenarios sheet is created (the dry run says so).",
    "Importing updates what matches (by name, ref, or for flows by source, target, entities, pattern and via) "
    "and creates the rest; it never deletes. A dry run shows the changes first; an import with any error saves "
    "nothing. Formulas are not evaluated: paste values. In this .xlsx, text is kept exactly as typed (text "
    "cells are never formulas); in the CSV files, text starting with = + - @ | is written with a leading ' so "
    "spreadsheets do not run it, and the import removes that quote.",
]


def instructions() -> list[list[str]]:
    """Rows of the Instructions sheet."""
    rows: list[list[str]] = [["Throughline workbook"], *[["", line] for line in GENERAL_HELP], []]
    for spec in SHEETS:
        rows.append([f"Sheet: {spec.name}"])
        rows.append(["", spec.help])
        for column in spec.columns:
            rows.append([column.header, column.help])
        rows.append([])
    rows.append(["Allowed values"])
    for (sheet, column), (kind, field) in _CHOICE_COLUMNS.items():
        values = KINDS[kind].field(field).choices or {}
        rows.append([f"{sheet}.{column}", "; ".join(f"{label} ({code})" for code, label in values.items())])
    return rows


def readme() -> str:
    """The instructions as the README.txt of a CSV ZIP."""
    lines = []
    for row in instructions():
        lines.append("  ".join(cell for cell in row if cell).rstrip())
    return "\n".join(lines) + "\n"
