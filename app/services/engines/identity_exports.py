"""Identity run exports: golden records (one row per real customer) and record -> customer, as CSV or XLSX.

Exact both ways: a record's system and source record id are their own columns, taken from the run (never split
out of the "system:id" key, which a system name holding ":" makes ambiguous); lists in one cell (a customer's
systems and records) are joined with "; " and an item holding ";" or '"' is quoted CSV-style. In XLSX every text
is a string cell as given (a string cell never runs as a formula, so no leading apostrophe is added: phone numbers
such as +44… stay exact) and birth dates are date cells; the CSV keeps its formula guard (a leading "'").
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.engines import identity as engine
from app.services.engines.identity_inputs import resolve_run
from app.services.engines.identity_results import memberships
from app.services.errors import ValidationError
from models import EngineRun

EXPORT_COLUMNS = ("customer", "systems", "records") + engine.GOLDEN_FIELDS
GOLDEN_KEY_FIELDS = ("first_name", "last_name", "email", "phone", "birth_date", "postal_code", "loyalty_id")
RECORD_COLUMNS = ("customer", "system", "source_record_id", "record", "match", "probability", "linked_to",
                  "linked_to_system", "linked_to_source_record_id") + tuple(f"golden_{f}" for f in GOLDEN_KEY_FIELDS)
EXPORTS = {"golden": (EXPORT_COLUMNS, "golden_records"), "records": (RECORD_COLUMNS, "record_customers")}
DATE_COLUMNS = frozenset({"birth_date", "golden_birth_date"})
MATCH_WORDS = {"review": "accepted in review", "model": "match probability at or above the threshold",
               "single": "only record of this customer", "test_record": "test record: not a customer",
               "linked": "linked through other records"}
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an XLSX file cannot hold


def join_list(items: list[str]) -> str:
    """Items in one cell, "; " between them; an item holding ";" or '"' is quoted (its quotes doubled)."""
    return "; ".join(f'"{i.replace(chr(34), chr(34) * 2)}"' if ";" in i or '"' in i else i for i in items)


def split_key(key: str, systems: list[str]) -> tuple[str, str]:
    """(system, record id) of an older run's record key: split after the longest of its system names it starts with."""
    for system in sorted(systems, key=len, reverse=True):
        if key.startswith(f"{system}:"):
            return system, key[len(system) + 1:]
    system, _, source_id = key.partition(":")
    return system, source_id


def _result_documents(session: Session | None, run: EngineRun,
                      members_needed: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(golden records, memberships) of a done run: stored ones, else the engine re-run on the run's snapshot."""
    metrics = run.metrics or {}
    systems = list((metrics.get("overlap") or {}).get("systems", []))
    stored = []
    for m in metrics.get("members", []):
        system, source_id = (m[5], m[6]) if len(m) > 6 else split_key(m[0], systems)
        stored.append({"record": m[0], "customer": m[1], "match": m[2], "probability": m[3], "linked_to": m[4],
                       "system": system, "source_record_id": source_id})
    if not metrics.get("golden_truncated") and ("members" in metrics or not members_needed):
        return metrics.get("golden", []), stored
    if session is None:
        raise ValidationError({"run": "This run's full result is not stored: it is re-run, which needs a session."})
    result = resolve_run(session, run)  # same versions, options and applied decisions: same customers
    return result.golden, memberships(result)


def export_rows(run: EngineRun, session: Session | None = None, what: str = "golden") -> list[dict[str, Any]]:
    """Rows of an export: `golden` (one per real customer) or `records` (one per source record, its customer)."""
    if what not in EXPORTS:
        raise ValidationError({"what": "Must be golden or records."})
    golden, members = _result_documents(session, run, members_needed=what == "records")
    if what == "golden":
        return [{**{k: g.get(k) for k in engine.GOLDEN_FIELDS}, "customer": g["customer"],
                 "systems": join_list(g["systems"]), "records": join_list(g["records"])} for g in golden]
    by_customer = {g["customer"]: g for g in golden}
    where = {m["record"]: (m["system"], m["source_record_id"]) for m in members}
    rows = []
    for m in members:
        g = by_customer.get(m["customer"], {})
        match = m["match"]
        words = f"same {match.split(':', 1)[1].replace('_', ' ')}" if match.startswith("rule:") else MATCH_WORDS.get(
            match, match)
        other = where.get(m["linked_to"], (None, None))
        rows.append({"customer": m["customer"], "system": m["system"], "source_record_id": m["source_record_id"],
                     "record": m["record"], "match": words, "probability": m["probability"],
                     "linked_to": m["linked_to"], "linked_to_system": other[0], "linked_to_source_record_id": other[1],
                     **{f"golden_{f}": g.get(f) for f in GOLDEN_KEY_FIELDS}})
    return rows


def export_csv(run: EngineRun, session: Session | None = None, what: str = "golden") -> bytes:
    """An export as UTF-8 CSV (with BOM, for Excel); text is formula-safe (a leading "'" where needed)."""
    from exports.workbook import cell_value

    columns = EXPORTS.get(what, EXPORTS["golden"])[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in export_rows(run, session, what):
        writer.writerow(["" if (v := cell_value(row.get(c), xlsx=False)) is None else v for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(run: EngineRun, session: Session | None = None, what: str = "golden") -> bytes:
    """An export as XLSX: text as string cells exactly as given (never formulas), birth dates as date cells."""
    from openpyxl import Workbook

    rows = export_rows(run, session, what)
    columns, title = EXPORTS[what]
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(columns))
    for number, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            _set_cell(sheet.cell(row=number, column=col), row.get(name), is_date=name in DATE_COLUMNS)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set_cell(cell, value: Any, *, is_date: bool) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        cell.value = "yes" if value else "no"
    elif isinstance(value, int | float):
        cell.value = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
    elif is_date and (day := _iso_date(value)) is not None:
        cell.value, cell.number_format = day, "yyyy-mm-dd"
    else:
        cell.value = _ILLEGAL_XLSX.sub("", str(value))
        cell.data_type = "s"  # a string cell whatever the text looks like ("=…", "+44…", "#N/A")


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if len(str(value)) == 10 else None
    except ValueError:
        return None


def export_file_name(run: EngineRun, what: str, fmt: str) -> str:
    """The ASCII download name of an export."""
    return f"identity-run-{run.id}-{'golden-records' if what == 'golden' else 'record-customers'}.{fmt}"
