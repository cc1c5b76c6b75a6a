"""Importing requirements and decisions: rows matched by ref (REQ-n / ADR-n), else by title; new rows keep a
ref they give or get the next free number; supersession is linked once every decision exists; the counters
are left past every number in use."""

from __future__ import annotations

from typing import Any

from app.services.catalog.elements import save_element
from app.services.errors import ValidationError
from app.services.workbook.cells import _text
from app.services.workbook.mapping import _COUNTER, _NOUN, _PREFIX, _REF, LINKS, SHEET_KIND
from app.services.workbook.resolve import _Skip
from app.services.workbook.state import ImportRun
from exports.workbook import Sheet
from models import name_key


def import_numbered(run: ImportRun, sheet: Sheet) -> None:
    """Requirements or decisions: matched by ref, else by title; new ones keep a given ref."""
    sheet_name = sheet.name
    kind = SHEET_KIND[sheet_name]
    counter = _COUNTER[kind]
    matched: dict[int, int] = {}
    wanted: dict[int, int] = {}  # numbers of new rows with a ref -> row
    plans = []
    for row in sheet.rows:
        ref_text = _text(row.cells.get("ref"))
        title_key = name_key(_text(row.cells.get("title")))
        if row.bad:
            run.resolver.fail_numbered(kind, ref_text, title_key)
            continue
        element, number = None, None
        if ref_text:
            match = _REF[kind].match(ref_text)
            if not match:
                run.log.error(sheet_name, row.number, "ref", f"Must look like {_PREFIX[kind]}-12, or be blank.")
                run.resolver.fail_numbered(kind, None, title_key)
                continue
            number = int(match.group(1))
            element = run.index.by_ref[kind].get(f"{_PREFIX[kind]}-{number}")
            if element is None:
                if number < run.index.counter_start[kind] or number in run.index.numbers_used[kind] or number < 1:
                    run.log.error(
                        sheet_name,
                        row.number,
                        "ref",
                        f"{_PREFIX[kind]}-{number} is not in this engagement and its number was used before; "
                        "leave the ref blank to add a new one.",
                    )
                    run.resolver.fail_numbered(kind, ref_text, title_key)
                    continue
                if number in wanted:
                    run.log.error(sheet_name, row.number, "ref", f"Same ref as row {wanted[number]}.")
                    continue
                wanted[number] = row.number
        elif title_key:
            candidates = run.index.by_title[kind].get(title_key, [])
            if len(candidates) > 1:
                refs = ", ".join(sorted(c.ref for c in candidates))
                run.log.error(
                    sheet_name,
                    row.number,
                    "title",
                    f"Several {_NOUN[kind]}s have this title ({refs}): give the ref.",
                )
                run.resolver.fail_numbered(kind, None, title_key)
                continue
            element = candidates[0] if candidates else None
        if element is not None:
            if element.id in matched:
                run.log.error(
                    sheet_name,
                    row.number,
                    "ref" if ref_text else "title",
                    f"Describes the same {_NOUN[kind]} as row {matched[element.id]}.",
                )
                continue
            matched[element.id] = row.number
        plans.append((row, element, number, ref_text, title_key))
    # Rows without a ref are numbered after every number in use or named in the workbook.
    next_free = max([run.index.counter_start[kind], *(n + 1 for n in (*run.index.numbers_used[kind], *wanted))])
    for row, element, number, ref_text, title_key in plans:
        skip = ()
        supersedes = row.cells.get("supersedes") if kind == "decision" else None
        if supersedes is not None and "supersedes" in sheet.columns and _forward(run, supersedes):
            skip = ("supersedes_id",)  # a decision further down: linked once it exists
        if element is None:
            if number is None:
                while next_free in wanted or next_free in run.index.numbers_used[kind]:
                    next_free += 1
                number = next_free
            if run.dry_run:
                run.writer.planned_number = number
            else:
                setattr(run.engagement, counter, number)
                run.session.flush()
        saved = run.row(sheet_name, row, kind, element, skip)
        if saved is None:
            run.resolver.fail_numbered(kind, ref_text, title_key)
            continue
        if element is None:
            run.index.numbers_used[kind].add(saved.number)
            run.index.by_ref[kind][saved.ref] = saved
            run.index.by_title[kind].setdefault(name_key(saved.name), []).append(saved)
        if skip:
            run.pending_supersedes.append((row, saved, _text(supersedes)))
        for column in LINKS[sheet_name]:
            if column in sheet.columns:
                run.pending_links.append((sheet_name, row, saved, column))


def _forward(run: ImportRun, value: Any) -> bool:
    """True when a supersedes cell names a decision not known yet (a row further down, or unknown)."""
    try:
        run.resolver.find_numbered("decision", _text(value))
    except (ValueError, _Skip):
        return True
    return False


def apply_supersedes(run: ImportRun) -> None:
    """Link each decision to the one it supersedes, once every decision row has been imported."""
    for row, decision, text in run.pending_supersedes:
        try:
            target = run.resolver.find_numbered("decision", text)
        except _Skip:
            continue
        except ValueError as exc:
            run.log.error("decisions", row.number, "supersedes", str(exc))
            continue
        if decision.supersedes_id == target.id:
            continue
        if run.dry_run:
            if target.id == decision.id:
                run.log.error("decisions", row.number, "supersedes", "A decision cannot supersede itself.")
            else:
                run.log.touched("decisions", row)
            continue
        try:
            save_element(
                run.session,
                run.engagement,
                "decision",
                {"supersedes_id": target.id},
                decision,
                partial=True,
                user_id=run.user_id,
                commit=False,
                refs=run.index.refs,
                check_unique=False,
            )
        except ValidationError as exc:
            run.log.field_errors("decisions", row, {"supersedes_id": [m for ms in exc.errors.values() for m in ms]})
            continue
        run.log.touched("decisions", row)


def update_counters(run: ImportRun) -> None:
    """Set the REQ and ADR counters after the import (not in a dry run)."""
    # New refs were numbered through the counters: leave them past every number now in use.
    if run.dry_run:
        return
    for kind, counter in _COUNTER.items():
        used = run.index.numbers_used[kind]
        setattr(run.engagement, counter, max([run.index.counter_start[kind], *(n + 1 for n in used)]))
    run.session.flush()
