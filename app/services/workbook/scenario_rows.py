"""Rows that name a scenario (docs/workbook.md, "Values per scenario"): on the systems, flows and ownership
sheets, a row whose `scenario` cell is filled gives the values its object holds in that scenario only.

The sheet's other rows are imported first, as always (they give the shared values and the memberships).
Then each scenario row is tied to its object — a system by name; a flow or an ownership by the `key` of its
own row, or else by its source and target (system and entity) when exactly one flow (ownership) of the sheet,
or else of the engagement, joins them — checked (the scenario exists and the object is in it; shared cells
are blank or the same as the object's; the model's rules) and written through
`catalog.scenario_values.save_in_scenario`. A dry run checks and counts the same rows without writing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from app.services.catalog.elements import _check_rules
from app.services.catalog.fields import KINDS, Kind, clean, snapshot
from app.services.catalog.scenario_values import per_scenario_fields, save_in_scenario
from app.services.errors import ValidationError
from app.services.workbook.cells import _text
from app.services.workbook.mapping import FIELDS, SHEET_KIND
from app.services.workbook.resolve import _Skip
from app.services.workbook.state import ImportRun
from exports.workbook import Row, Sheet
from models import Scenario, ScenarioValue, name_key

# sheet -> the columns that identify the object on a row with a scenario (shared by every scenario).
IDENTITY = {"systems": ("name",), "flows": ("source", "target"), "ownership": ("system", "entity")}
_NOUN = {"systems": "system", "flows": "flow", "ownership": "ownership"}
_ENDS = {"systems": "name", "flows": "source and target", "ownership": "system and entity"}


def split_rows(sheet: Sheet) -> tuple[Sheet, list[Row]]:
    """The sheet without its rows that name a scenario (imported as always), and those rows."""
    if sheet.name not in IDENTITY or "scenario" not in sheet.columns:
        return sheet, []
    scenario_rows = [r for r in sheet.rows if not _blank(r.cells.get("scenario"))]
    if not scenario_rows:
        return sheet, []
    return replace(sheet, rows=[r for r in sheet.rows if _blank(r.cells.get("scenario"))]), scenario_rows


def import_scenario_rows(run: ImportRun, sheet: Sheet, rows: list[Row]) -> None:
    """Each row's values into its object as its scenario sees it (after the sheet's own rows were saved)."""
    name = sheet.name
    spec = KINDS[SHEET_KIND[name]]
    varying = set(per_scenario_fields(spec))
    own_rows = {n: e for (s, n), e in run.writer.saved.items() if s == name}
    row_of = {id(e): n for n, e in own_rows.items()}
    keys = _keys(run, sheet)
    stored = _stored(run)
    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        if row.bad:
            continue
        try:
            found = _object(run, sheet, row, spec, keys, own_rows)
            scenario = _scenario(run, name, row) if found else None
        except _Skip:
            continue
        if found is None or scenario is None:
            continue
        element, payload = found
        own = row_of.get(id(element))
        planned = run.writer.planned_values.get((name, own), {}) if own is not None else {}
        if not _member(element, scenario, planned):
            where = f"its own row (row {own})" if own is not None else "the engagement"
            run.log.error(name, row.number, "scenario", f"{element.label} is not in the scenario {scenario.name} "
                          f"(see the scenarios of {where}): add it to that scenario first.")
            continue
        pair = (id(element), scenario.id)
        if pair in seen:
            run.log.error(name, row.number, "scenario", f"Same {_NOUN[name]} and scenario as row {seen[pair]}.")
            continue
        seen[pair] = row.number
        if not _shared_cells_agree(run, sheet, row, spec, element, payload, planned, own, varying):
            continue
        data = {k: v for k, v in payload.items() if k in varying}
        values, errors = clean(run.session, run.engagement.id, spec, data, partial=True, refs=run.index.refs)
        if not errors:
            _check_rules(run.session, run.engagement, spec, values, element, errors, check_unique=False)
        if errors:
            run.log.field_errors(name, row, errors)
            continue
        label = f"{element.label} (in {scenario.name})"
        created = own is not None and run.log.status.get((name, own), [None])[0] == "created"
        seen_there = {**_plain_view(element, spec, planned), **stored.get((scenario.id, element.id), {})}
        if not created and all(_same(spec, k, _plain(spec, k, v), seen_there.get(k)) for k, v in values.items()):
            run.log.done(name, row.number, "unchanged", label)
            continue
        if not run.dry_run:
            try:
                save_in_scenario(run.session, run.engagement, element, scenario, data, user_id=run.user_id,
                                 commit=False)
            except ValidationError as exc:
                run.log.field_errors(name, row, exc.errors)
                continue
        run.log.done(name, row.number, "created" if created else "updated", label)


# --- which object, which scenario -----------------------------------------------------------------


def _object(run: ImportRun, sheet: Sheet, row: Row, spec: Kind, keys: dict[str, int], own_rows: dict[int, Any]):
    """(element, payload) the row gives values of; None when that is an error (reported); _Skip when the
    object's own row failed."""
    name = sheet.name
    payload, errors = run.resolver.payload(name, row, spec, creating=False)
    if errors:
        run.log.field_errors(name, row, errors)
        return None
    if name == "systems":
        key = name_key(_text(row.cells.get("name")))
        if not key:
            run.log.error(name, row.number, "name", "This field is required.")
            return None
        if ("system", key) in run.resolver.failed:
            raise _Skip
        element = run.index.by_name["system"].get(key)
        if element is None:
            run.log.error(name, row.number, "name", f"No system “{_text(row.cells.get('name')).strip()}”: a row "
                          "with a scenario gives the values a system holds there; give the system its own row "
                          "(without a scenario) too.")
            return None
        return element, payload
    columns = IDENTITY[name]
    fields = tuple(FIELDS[name][c] for c in columns)
    for column, field in zip(columns, fields, strict=True):
        if payload.get(field) is None:
            run.log.error(name, row.number, column, "This field is required.")
            return None
    ends = (payload[fields[0]], payload[fields[1]])
    text = " and ".join(_text(row.cells.get(c)).strip() for c in columns)
    key_text = (_text(row.cells.get("key")) or "").strip() if "key" in sheet.columns else ""
    if key_text:
        own = keys.get(name_key(key_text))
        if own is None:
            run.log.error(name, row.number, "key", f"No row without a scenario has the key “{key_text}”.")
            return None
        element = own_rows.get(own)
        if element is None:
            raise _Skip  # its own row failed (reported)
        if (getattr(element, fields[0]), getattr(element, fields[1])) != ends:
            run.log.error(name, row.number, columns[0], f"Row {own} (key “{key_text}”) does not join {text}: the "
                          f"{_ENDS[name]} are shared by every scenario.")
            return None
        return element, payload
    if name == "flows" and ends in run.resolver.failed_pairs:
        raise _Skip
    candidates = {id(e): e for e in own_rows.values() if (getattr(e, fields[0]), getattr(e, fields[1])) == ends}
    if not candidates:
        existing = (run.index.flows_between.get(ends, []) if name == "flows"
                    else [o for k, o in run.index.ownerships.items() if k[:2] == ends])
        candidates = {id(e): e for e in existing}
    if len(candidates) == 1:
        return next(iter(candidates.values())), payload
    column = "key" if "key" in sheet.columns else columns[0]
    if not candidates:
        run.log.error(name, row.number, column, f"No {_NOUN[name]} joins {text}: a row with a scenario gives the "
                      f"values a {_NOUN[name]} holds there; give the {_NOUN[name]} its own row (without a scenario).")
    else:
        run.log.error(name, row.number, column, f"{len(candidates)} {_NOUN[name]}s join {text}: give the right "
                      "one's own row a key and this row the same key.")
    return None


def _keys(run: ImportRun, sheet: Sheet) -> dict[str, int]:
    """key -> the row (without a scenario) that has it; a key twice is an error."""
    keys: dict[str, int] = {}
    if "key" not in sheet.columns:
        return keys
    for row in sheet.rows:
        key = name_key(_text(row.cells.get("key")))
        if not key:
            continue
        if key in keys:
            run.log.error(sheet.name, row.number, "key", f"Same key as row {keys[key]}.")
            continue
        keys[key] = row.number
    return keys


def _scenario(run: ImportRun, sheet: str, row: Row) -> Scenario | None:
    text = (_text(row.cells.get("scenario")) or "").strip()
    run.resolver.where = (sheet, row.number)
    try:
        return run.resolver.find(Scenario, text)  # a scenario on no scenarios sheet is created
    except ValueError as exc:
        run.log.error(sheet, row.number, "scenario", str(exc))
        return None


def _member(element: Any, scenario: Scenario, planned: dict[str, Any]) -> bool:
    scenarios = planned.get("scenario_ids", element.scenarios or [])
    return scenario.id in {s.id for s in scenarios}


# --- values ---------------------------------------------------------------------------------------


def _shared_cells_agree(run: ImportRun, sheet: Sheet, row: Row, spec: Kind, element: Any, payload: dict[str, Any],
                        planned: dict[str, Any], own: int | None, varying: set[str]) -> bool:
    """Shared cells (notes, tags, scenarios…) on a row with a scenario must be blank or the object's own:
    anything else is an error (a scenario cannot hold them differently, and nothing is dropped silently)."""
    identity = {FIELDS[sheet.name][c] for c in IDENTITY[sheet.name]}
    shared = _plain_view(element, spec, planned)
    agree = True
    for column, field in FIELDS[sheet.name].items():
        if column not in sheet.columns or field in varying or field in identity or _blank(row.cells.get(column)):
            continue
        values, errors = clean(run.session, run.engagement.id, spec, {field: payload.get(field)}, partial=True,
                               refs=run.index.refs)
        if errors:
            run.log.field_errors(sheet.name, row, errors)
            agree = False
        elif not _same(spec, field, _plain(spec, field, values[field]), shared.get(field)):
            where = f" (row {own})" if own is not None else ""
            run.log.error(sheet.name, row.number, column, f"{column} is shared by every scenario: leave it blank on a "
                          f"row with a scenario, and change it on the {_NOUN[sheet.name]}'s own row{where}.")
            agree = False
    return agree


def _stored(run: ImportRun) -> dict[tuple[int, int], dict[str, Any]]:
    """(scenario id, element id) -> the values the element holds there of its own (one query)."""
    rows = run.session.execute(
        select(ScenarioValue.scenario_id, ScenarioValue.element_id, ScenarioValue.values)
        .join(Scenario, Scenario.id == ScenarioValue.scenario_id)
        .where(Scenario.engagement_id == run.engagement.id)
    )
    return {(s, e): values for s, e, values in rows if values}


def _plain_view(element: Any, spec: Kind, planned: dict[str, Any]) -> dict[str, Any]:
    """The object's shared values as plain payload values (ids), with a dry run's planned update applied."""
    return {**snapshot(element, spec), **{k: _plain(spec, k, v) for k, v in planned.items()}}


def _plain(spec: Kind, name: str, value: Any) -> Any:
    kind = spec.field(name).type
    if kind == "ref":
        return value.id if value is not None else None
    if kind == "refs":
        return sorted(o.id for o in value or [])
    return value


def _same(spec: Kind, name: str, a: Any, b: Any) -> bool:
    if spec.field(name).type in ("refs", "tags"):
        return sorted(a or []) == sorted(b or [])
    return a == b


def _blank(value: Any) -> bool:
    return not (_text(value) or "").strip()
