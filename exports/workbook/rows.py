"""One sheet's raw rows -> a Sheet: the header matched to the template's columns, each cell a plain value.

Formulas are never evaluated (a formula cell is reported, not read) and a cell longer than MAX_CELL_CHARS is
reported, not kept; the rows holding them are flagged (`Row.bad`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from exports.workbook.cells import restore
from exports.workbook.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from exports.workbook.parsed import Problem, Row, Sheet, _ExcelError, _Formula
from exports.workbook.sheets import SheetSpec, read_header


def _read_rows(spec: SheetSpec, title: str, rows, problems: list[Problem], *, csv: bool = False) -> Sheet | None:
    """Header + rows -> Sheet; None when the sheet has no header row (an empty sheet counts as absent).

    `csv`: the cells come from a CSV file, whose text may carry the formula guard's leading quote."""
    iterator = iter(rows)
    header, header_row = None, 0
    for raw in iterator:  # the header is the first non-blank row
        header_row += 1
        if raw is None:  # the reader stopped (already reported)
            return None
        if not all(_blank(v) for v in raw):
            header = raw
            break
        if header_row >= 1000:
            return None
    if header is None:
        return None
    positions: dict[int, str] = {}
    names: list[str] = []
    for index, value in enumerate(header):
        if _blank(value):
            continue
        if index >= MAX_COLUMNS:
            problems.append(Problem(f"More than {MAX_COLUMNS} columns.", sheet=spec.name, row=header_row))
            break
        if isinstance(value, _Formula | _ExcelError):
            problems.append(Problem("A header cell holds a formula or an error.", sheet=spec.name, row=header_row))
            continue
        text = restore(str(value)) if csv else str(value)
        reading = read_header(spec.name, text)
        key = reading.value
        if reading.ambiguous:
            problems.append(
                Problem(
                    f"The column “{text.strip()[:80]}” could be any of {', '.join(reading.candidates)}: "
                    "name it exactly.",
                    sheet=spec.name,
                    row=header_row,
                )
            )
            continue
        if key is None:
            problems.append(
                Problem(
                    f"Unknown column “{str(value)[:80]}”: it was ignored "
                    f"(the columns are: {', '.join(spec.column_names)}).",
                    sheet=spec.name,
                    row=header_row,
                    level="warning",
                )
            )
            continue
        if key in names:
            problems.append(Problem(f"The column {key} appears twice.", sheet=spec.name, row=header_row, column=key))
            continue
        if not reading.exact:
            problems.append(
                Problem(f"read the column “{text.strip()[:80]}” as {key}", sheet=spec.name, column=key, level="note")
            )
        positions[index] = key
        names.append(key)
    sheet = Sheet(spec.name, title, names)
    for column in spec.columns:
        if column.required and column.name not in names:
            problems.append(
                Problem(f"The required column {column.name} is missing.", sheet=spec.name, column=column.name)
            )
            sheet.complete = False
    number = header_row
    for raw in iterator:
        number += 1
        if raw is None:  # the reader stopped (already reported)
            sheet.complete = False
            break
        if all(_blank(v) for v in raw):
            if number > MAX_ROWS + 10_000:  # a sea of empty rows: stop looking
                break
            continue
        if number > MAX_ROWS:
            problems.append(Problem(f"More than {MAX_ROWS} rows: split the workbook.", sheet=spec.name, row=number))
            sheet.complete = False
            break
        row = Row(number, {})
        for index, key in positions.items():
            value = raw[index] if index < len(raw) else None
            row.cells[key] = _cell(value, spec.name, number, key, row, problems, csv=csv)
        if any(v is not None for v in row.cells.values()) or row.bad:
            sheet.rows.append(row)
    return sheet


def _blank(value: Any) -> bool:
    return value is None or (
        isinstance(value, str) and not isinstance(value, _Formula | _ExcelError) and not value.strip()
    )


def _cell(value: Any, sheet: str, number: int, column: str, row: Row, problems: list[Problem], *, csv: bool) -> Any:
    """One raw cell -> a plain value (str, int, float, bool, date/datetime) or None; problems reported.

    Only CSV text loses a formula guard's quote: an XLSX string cell is text as typed (never a formula)."""
    if value is None:
        return None
    if isinstance(value, _Formula):
        problems.append(
            Problem(
                f"Holds a formula ({value[:60]}); formulas are not evaluated: paste the values instead.",
                sheet=sheet,
                row=number,
                column=column,
            )
        )
        row.bad.add(column)
        return None
    if isinstance(value, _ExcelError):
        problems.append(Problem(f"Shows the error {value[:20]}.", sheet=sheet, row=number, column=column))
        row.bad.add(column)
        return None
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            problems.append(
                Problem(
                    f"Longer than {MAX_CELL_CHARS} characters ({len(value)}).", sheet=sheet, row=number, column=column
                )
            )
            row.bad.add(column)
            return None
        if csv:
            value = restore(value)
        return value if value.strip() else None
    if isinstance(value, bool | int | float | date):  # datetime is a date
        return value
    return str(value)  # times, durations: as text
