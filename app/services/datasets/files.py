"""Reading an uploaded CSV or XLSX file into a header and rows of text, with errors that name the place.

CSV: UTF-8 with or without a byte-order mark, comma/semicolon/tab detected from the header line.
XLSX: openpyxl in read-only mode; the sheet named like the kind, else the first. Formula cells are never
evaluated (openpyxl does not, and we do not read cached results either): they are reported as errors.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from app.services.errors import ValidationError
from exports.archive_guard import ArchiveLimits, ArchiveRefused, check_archive

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DELIMITERS = (",", ";", "\t")


# An extract may be large (hundreds of thousands of rows), but never a ZIP bomb: see exports.archive_guard.
XLSX_LIMITS = ArchiveLimits(max_entries=200, max_uncompressed=1024 * 1024 * 1024, max_ratio=200)


@dataclass(frozen=True)
class RawTable:
    """A file's header and data rows as text; row numbers count the header as row 1."""

    sheet: str  # the sheet name (XLSX) or the file name (CSV)
    headers: list[str]
    rows: list[list[str]]
    numbers: list[int] | None  # each row's number, when blank rows were skipped (None: 2, 3, 4…)
    problems: list[tuple[int, str, str]]  # (row, column header, message) found while reading


def read_table(data: bytes, filename: str, kind: str, max_bytes: int = DEFAULT_MAX_BYTES) -> RawTable:
    """Parse CSV or XLSX bytes; ValidationError({"file": …}) when the file cannot be read at all."""
    if len(data) > max_bytes:
        raise ValidationError({"file": f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename, kind)
    return _read_csv(data, filename)


def _read_csv(data: bytes, filename: str) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            {"file": f"{filename or 'The file'} is not UTF-8 text: invalid byte 0x{data[exc.start]:02x} on line "
                     f"{line}. Save it as CSV UTF-8."}
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ValidationError({"file": "The file has no header row."}) from None
    except csv.Error as exc:
        raise ValidationError({"file": f"Row 1: {exc}."}) from None
    rows: list[list[str]] = []
    problems: list[tuple[int, str, str]] = []
    width = len(headers)
    numbers: list[int] | None = None
    number = 1
    try:
        for row in reader:
            number += 1
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    # A blank line is skipped; from here on each row carries its own number.
                    numbers = numbers if numbers is not None else list(range(2, number))
                    continue
                problems.append((number, "", f"Expected {width} fields, found {len(row)}."))
                row = (row + [""] * width)[:width]
            rows.append(row)
            if numbers is not None:
                numbers.append(number)
    except csv.Error as exc:
        raise ValidationError({"file": f"Row {number}: {exc}."}) from None
    return RawTable(filename or "file", [h.strip() for h in headers], rows, numbers, problems)


def _read_xlsx(data: bytes, filename: str, kind: str) -> RawTable:
    try:
        check_archive(data, XLSX_LIMITS, filename or "The file")
    except ArchiveRefused as refused:
        raise ValidationError({"file": str(refused)}) from None
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError({"file": f"{filename or 'The file'} is not a readable XLSX workbook ({exc})."}) from None
    try:
        sheet = next((ws for ws in book.worksheets if ws.title.strip().casefold() == kind), book.worksheets[0])
        rows_iter = sheet.iter_rows()
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise ValidationError({"file": f"Sheet {sheet.title!r} is empty."})
        headers = [_text(c.value) for c in header_cells]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        rows: list[list[str]] = []
        numbers: list[int] = []
        problems: list[tuple[int, str, str]] = []
        for number, cells in enumerate(rows_iter, start=2):
            row = []
            for i, cell in enumerate(cells[:width]):
                if getattr(cell, "data_type", None) == "f":
                    problems.append((number, headers[i], "The cell holds a formula; formulas are not evaluated. "
                                                         "Paste values instead."))
                    row.append("")
                else:
                    row.append(_text(cell.value))
            row += [""] * (width - len(row))
            if any(row):
                rows.append(row)
                numbers.append(number)
        return RawTable(sheet.title, headers, rows, numbers, problems)
    finally:
        book.close()


def _text(value) -> str:
    """A cell value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
