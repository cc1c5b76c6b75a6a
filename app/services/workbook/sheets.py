"""Importing the sheets of scenarios, of named things (channels, entities, stakeholders, systems), of flows
(matched by source, target, entities, pattern and via) and of ownership (by system, entity and role)."""

from __future__ import annotations

from typing import Any

from app.services.catalog.fields import KINDS
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from app.services.workbook.cells import _code, _flag, _text
from app.services.workbook.mapping import SHEET_KIND
from app.services.workbook.resolve import _Skip
from app.services.workbook.state import ImportRun
from exports.workbook import Sheet
from models import Scenario, name_key
from models.vocab import FLOW_PATTERNS, OWNERSHIP_ROLES


def import_scenarios(run: ImportRun, sheet: Sheet) -> None:
    """The scenarios sheet: the current state (baseline yes) first, then proposals; saved (and in a dry run rolled
    back) at once, so later sheets can refer to them."""
    rows = sheet.rows
    flagged = [r for r in rows if _flag(r.cells.get("baseline")) is True]
    for extra in flagged[1:]:
        run.log.error(
            "scenarios",
            extra.number,
            "baseline",
            f"Only one row can be the current state (row {flagged[0].number} is).",
        )
    order = flagged[:1] + [r for r in rows if r not in flagged[:1]]
    matched: dict[int, int] = {}
    for row in order:
        if row.bad or row in flagged[1:]:
            continue
        name = _text(row.cells.get("name")) or ""
        key = name_key(name)
        flag = _flag(row.cells.get("baseline"))
        if flag == "invalid":
            run.log.error("scenarios", row.number, "baseline", "Must be yes or no.")
            run.resolver.failed.add(("scenario", key or ""))
            continue
        if not key:
            run.log.error("scenarios", row.number, "name", "This field is required.")
            continue
        scenario = run.index.baseline if flag is True else run.index.by_name["scenario"].get(key)
        if scenario is not None and scenario.is_baseline and flag is False:
            run.log.error(
                "scenarios", row.number, "baseline", "This is the current state; it cannot become a proposal."
            )
            run.resolver.failed.add(("scenario", key))
            continue
        if scenario is not None and scenario.id in matched:
            run.log.error("scenarios", row.number, "name", f"Same scenario as row {matched[scenario.id]}.")
            continue
        described = "description" in sheet.columns
        description = (_text(row.cells.get("description")) or "") if described else None
        if scenario is not None:
            matched[scenario.id] = row.number
            new_name = " ".join(name.split())
            if scenario.name == new_name and (description is None or scenario.description == description):
                run.log.done("scenarios", row.number, "unchanged", scenario.name)
                continue
        try:
            old_key = scenario.name_key if scenario is not None else None
            saved = save_scenario(
                run.session,
                run.engagement,
                name,
                description if description is not None else (scenario.description if scenario else ""),
                scenario=scenario,
                commit=False,
            )
        except ValidationError as exc:
            run.resolver.failed.add(("scenario", key))
            run.log.field_errors("scenarios", row, exc.errors)
            continue
        if old_key is not None and old_key != saved.name_key:
            run.index.by_name["scenario"].pop(old_key, None)
        run.index.by_name["scenario"][saved.name_key] = saved
        run.index.refs[Scenario][saved.id] = saved
        matched[saved.id] = row.number
        run.log.done("scenarios", row.number, "created" if scenario is None else "updated", saved.name)


def import_named(run: ImportRun, sheet: Sheet) -> None:
    """Channels, entities, stakeholders or systems: each row matched by name."""
    sheet_name = sheet.name
    kind = SHEET_KIND[sheet_name]
    seen: dict[str, int] = {}
    for row in sheet.rows:
        key = name_key(_text(row.cells.get("name")))
        if row.bad:
            run.resolver.failed.add((kind, key or ""))
            continue
        if not key:
            run.log.error(sheet_name, row.number, "name", "This field is required.")
            continue
        if key in seen:
            run.log.error(sheet_name, row.number, "name", f"Same name as row {seen[key]}.")
            continue
        seen[key] = row.number
        element = run.index.by_name[kind].get(key)
        saved = run.row(sheet_name, row, kind, element)
        if saved is None:
            run.resolver.failed.add((kind, key))
        elif element is None:
            run.index.by_name[kind][key] = saved


def import_flows(run: ImportRun, sheet: Sheet) -> None:
    """The flows sheet: each row matched by source, target, entities, pattern and via (identical rows in turn)."""
    spec = KINDS["flow"]
    first_row: dict[tuple, int] = {}
    for row in sheet.rows:
        if row.bad:
            run.resolver.fail_pair(row)
            continue
        try:
            payload, errors = run.resolver.payload("flows", row, spec, creating=True)
        except _Skip:
            continue
        if errors:
            run.resolver.fail_pair(row, payload)
            run.log.field_errors("flows", row, errors)
            continue
        key = _payload_flow_key(payload)
        element = None
        if key is not None:
            if key in first_row:
                run.log.warn(
                    "flows",
                    row.number,
                    None,
                    f"Same source, target, entities, pattern and via as row {first_row[key]}: a separate flow.",
                )
            first_row.setdefault(key, row.number)
            used = run.index.flow_used.get(key, 0)
            existing = run.index.flows.get(key, [])
            element = existing[used] if used < len(existing) else None
            run.index.flow_used[key] = used + 1
            if element is not None:  # an update leaves fields of absent columns alone
                payload, _ = run.resolver.payload("flows", row, spec, creating=False)
        saved = run.writer.save("flows", row, "flow", payload, element)
        if saved is None:
            run.resolver.fail_pair(row, payload)
        elif element is None and key is not None:
            run.index.flows.setdefault(key, []).append(saved)  # keys from the row: ids come at the flush
            run.index.flows_between.setdefault((payload["source_id"], payload["target_id"]), []).append(saved)


def import_ownership(run: ImportRun, sheet: Sheet) -> None:
    """The ownership sheet: each row matched by system, entity and role."""
    spec = KINDS["ownership"]
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        if row.bad:
            continue
        try:
            payload, errors = run.resolver.payload("ownership", row, spec, creating=True)
        except _Skip:
            continue
        if errors:
            run.log.field_errors("ownership", row, errors)
            continue
        role = _code(OWNERSHIP_ROLES, payload.get("role"))
        key = (payload.get("system_id"), payload.get("entity_id"), role)
        element = None
        if None not in key:
            if key in seen:
                run.log.error("ownership", row.number, "role", f"Same system, entity and role as row {seen[key]}.")
                continue
            seen[key] = row.number
            element = run.index.ownerships.get(key)
            if element is not None:
                payload, _ = run.resolver.payload("ownership", row, spec, creating=False)
        saved = run.writer.save("ownership", row, "ownership", payload, element)
        if saved is not None and element is None:
            run.index.ownerships[key] = saved


def _payload_flow_key(payload: dict[str, Any]) -> tuple | None:
    pattern = _code(FLOW_PATTERNS, payload.get("pattern"))
    if not payload.get("source_id") or not payload.get("target_id") or not payload.get("entity_ids") or not pattern:
        return None
    return (
        payload["source_id"],
        payload["target_id"],
        frozenset(payload["entity_ids"]),
        pattern,
        payload.get("via_id"),
    )
