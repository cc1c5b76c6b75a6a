"""Reading an uploaded CSV or XLSX file into a header and rows of text, with errors that name the place.

CSV: UTF-8 with or without a byte-order mark, comma/semicolon/tab detected from the header line, read as a
stream. Both are capped in rows and columns (cells: csv's 128 K characters, Excel's 32 K) so that memory stays
bounded by the file's size.
XLSX: openpyxl in read-only mode; the sheet named like the kind, else the first. Formula cells are never
evaluated (openpyxl does not, and we do not read cached results either): they are reported as errors.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from array import array
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from numpy.dtypes import StringDType

from app.services.errors import ValidationError
from exports.archive_guard import ArchiveLimits, ArchiveRefused, check_archive

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
# Caps that keep memory bounded whatever the file holds: an extract with more is refused, naming the row/column.
MAX_ROWS = 5_000_000
MAX_COLUMNS = 500
CHUNK_ROWS = 5_000  # rows held as Python lists at once before they are packed into columns

# An extract may be large (hundreds of thousands of rows), but never a ZIP bomb: see exports.archive_guard.
XLSX_LIMITS = ArchiveLimits(max_entries=200, max_uncompressed=1024 * 1024 * 1024, max_ratio=200)


@dataclass(frozen=True)
class RawTable:
    """A file's header and data columns as text; row numbers count the header as row 1.

    Cells are packed per column in chunks of numpy's variable-width strings (about 16 bytes a short cell), not
    as a Python string per cell: an 18 MB extract of 200,000 rows would otherwise take ten times its size.
    """

    sheet: str  # the sheet name (XLSX) or the file name (CSV)
    headers: list[str]
    columns: list[list[np.ndarray]]  # per header, its cells in chunks of StringDType arrays
    row_count: int
    numbers: np.ndarray | None  # each row's number, when blank rows were skipped (None: 2, 3, 4…)
    problems: list[tuple[int, str, str]]  # (row, column header, message) found while reading

    def column(self, index: int) -> np.ndarray:
        """The column's stripped cells as fixed-width text (what the validators work on)."""
        if not self.row_count:
            return np.zeros(0, dtype=str)
        # Joined only here, one column at a time, so the whole table is never held twice.
        cells = np.strings.strip(np.concatenate(self.columns[index]))
        return cells.astype(f"<U{max(1, int(np.strings.str_len(cells).max()))}")


class _Columns:
    """Rows appended one by one, packed into per-column arrays every CHUNK_ROWS rows."""

    def __init__(self, width: int):
        self.width = width
        self.pending: list[list[str]] = []
        self.chunks: list[list[np.ndarray]] = [[] for _ in range(width)]
        self.count = 0

    def add(self, row: list[str], number: int) -> None:
        if self.count >= MAX_ROWS:
            raise ValidationError({"file": f"Row {number}: the file has more than {MAX_ROWS:,} data rows, the "
                                           "limit for one extract. Split it by date or region."})
        self.pending.append(row)
        self.count += 1
        if len(self.pending) >= CHUNK_ROWS:
            self._pack()

    def _pack(self) -> None:
        if self.pending:
            for i, cells in enumerate(zip(*self.pending, strict=True)):
                self.chunks[i].append(np.array(cells, dtype=StringDType()))
            self.pending = []

    def finish(self) -> list[list[np.ndarray]]:
        self._pack()
        return self.chunks


def read_table(data: bytes, filename: str, kind: str, max_bytes: int = DEFAULT_MAX_BYTES) -> RawTable:
    """Parse CSV or XLSX bytes; ValidationError({"file": …}) when the file cannot be read at all."""
    if len(data) > max_bytes:
        raise ValidationError({"file": f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename, kind)
    return _read_csv(data, filename)


def _check_utf8(data: bytes, filename: str) -> None:
    """Refuse text that is not UTF-8, naming the line, without holding a decoded copy of the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start:start + (1 << 20)], final=start + (1 << 20) >= len(data))
    except UnicodeDecodeError:
        try:  # only on the error path: one full decode gives the exact offset
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError(
                {"file": f"{filename or 'The file'} is not UTF-8 text: invalid byte 0x{data[exc.start]:02x} on "
                         f"line {line}. Save it as CSV UTF-8."}
            ) from None


def _read_csv(data: bytes, filename: str) -> RawTable:
    _check_utf8(data, filename)
    first = data[:65536].split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    delimiter = max(DELIMITERS, key=first.count)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ValidationError({"file": "The file has no header row."}) from None
    except csv.Error as exc:
        raise ValidationError({"file": f"Row 1: {exc}."}) from None
    width = len(headers)
    if width > MAX_COLUMNS:
        raise ValidationError({"file": f"Row 1 has {width:,} columns; the limit is {MAX_COLUMNS:,}."})
    headers = [h.strip() for h in headers]
    columns = _Columns(width)
    problems: list[tuple[int, str, str]] = []
    numbers: array | None = None
    number = 1
    try:
        for row in reader:
            number += 1
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    # A blank line is skipped; from here on each row carries its own number.
                    numbers = numbers if numbers is not None else array("q", range(2, number))
                    continue
                problems.append((number, "", f"Expected {width} fields, found {len(row)}."))
                row = (row + [""] * width)[:width]
            columns.add(row, number)
            if numbers is not None:
                numbers.append(number)
    except csv.Error as exc:
        raise ValidationError({"file": f"Row {number}: {exc}."}) from None
    return RawTable(filename or "file", headers, columns.finish(), columns.count,
                    np.frombuffer(numbers, np.int64) if numbers is not None else None, problems)


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
        rows_iter = sheet.iter_rows(max_col=MAX_COLUMNS + 1)
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise ValidationError({"file": f"Sheet {sheet.title!r} is empty."})
        headers = [_text(c.value) for c in header_cells]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        if width > MAX_COLUMNS:
            raise ValidationError({"file": f"Sheet {sheet.title!r} has more than {MAX_COLUMNS:,} columns."})
        columns = _Columns(width)
        numbers = array("q")
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
                columns.add(row, number)
                numbers.append(number)
        return RawTable(sheet.title, headers, columns.finish(), columns.count, np.frombuffer(numbers, np.int64),
                        problems)
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
