"""Writing the workbook: every template sheet as XLSX (an Instructions sheet, drop-downs) or a ZIP of CSV files."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from exports.workbook.cells import _set, cell_value
from exports.workbook.limits import MAX_ROWS
from exports.workbook.sheets import SHEETS

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def write_xlsx(
    tables: dict[str, list[dict[str, Any]]],
    *,
    instructions: list[list[str]] | None = None,
    choices: dict[str, dict[str, list[str]]] | None = None,
) -> bytes:
    """Every template sheet (in template order) with its rows; an Instructions sheet first when given.

    `choices` offers drop-down lists (sheet -> column -> labels); other values stay allowed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    if instructions is not None:
        ws = book.create_sheet("Instructions")
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 100
        for line in instructions:
            cells = []
            for i, text in enumerate(line):
                cell = WriteOnlyCell(ws)
                _set(cell, text, xlsx=True, guard=False)
                if i == 0 and len(line) == 1:
                    cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(cell)
            ws.append(cells)
    for spec in SHEETS:
        ws = book.create_sheet(spec.name)
        ws.freeze_panes = "A2"
        columns = spec.written_columns(tables.get(spec.name, []))
        for i, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = 14 if column.name in _NARROW else 28
            labels = (choices or {}).get(spec.name, {}).get(column.name)
            formula = '"' + ",".join(labels) + '"' if labels else ""
            if labels and len(formula) <= 255 and not any("," in x or '"' in x for x in labels):
                letter = get_column_letter(i)
                validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
                validation.add(f"{letter}2:{letter}{MAX_ROWS}")
                ws.data_validations.append(validation)
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in tables.get(spec.name, []):
            cells = []
            for column in columns:
                cell = WriteOnlyCell(ws)
                _set(cell, row.get(column.name), xlsx=True, guard=False)  # a string cell: never a formula
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_NARROW = frozenset({"ref", "hosting", "lifecycle", "pattern", "direction", "role", "priority", "status", "date"})


def write_csv_zip(tables: dict[str, list[dict[str, Any]]], *, readme: str | None = None) -> bytes:
    """A ZIP with one UTF-8 (with byte-order mark, for Excel) CSV file per template sheet, and a README."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if readme is not None:
            archive.writestr(
                zipfile.ZipInfo("README.txt", _FIXED_TIME), readme.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED
            )
        for spec in SHEETS:
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            rows = tables.get(spec.name, [])
            columns = spec.written_columns(rows)
            writer.writerow([c.header for c in columns])
            for row in rows:
                writer.writerow(["" if (v := cell_value(row.get(c.name), xlsx=False)) is None else v for c in columns])
            archive.writestr(
                zipfile.ZipInfo(f"{spec.name}.csv", _FIXED_TIME),
                ("\ufeff" + text.getvalue()).encode("utf-8"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()
