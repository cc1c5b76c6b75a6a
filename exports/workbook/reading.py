"""Reading a workbook file (XLSX or a ZIP of CSV files) safely, and reading an export back cell by cell.

The file is checked as a ZIP (an XLSX is one) before anything parses it: entry count, declared uncompressed
sizes (Python's zipfile never inflates an entry past its declared size) and encryption.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from pathlib import PurePosixPath
from typing import Any

from exports.archive_guard import ArchiveLimits, ArchiveRefused, check_archive
from exports.workbook.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES
from exports.workbook.parsed import ParsedWorkbook, Problem, Sheet, WorkbookError, _ExcelError, _Formula
from exports.workbook.rows import _read_rows
from exports.workbook.sheets import (
    IGNORED_SHEETS,
    SHEET_BY_NAME,
    SHEETS,
    SheetSpec,
    read_header,
    read_sheet_name,
    sheet_key,
)

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx


def read_workbook(data: bytes, filename: str | None = None) -> ParsedWorkbook:
    """Read an XLSX workbook or a ZIP of CSV files (detected from the content, not the name).

    Raise WorkbookError when the file cannot be used at all; cell-level problems are returned in
    `problems` and the rows holding them are flagged (`Row.bad`)."""
    label = filename or "The file"
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookError(f"{label} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if data.startswith(_CFB_MAGIC):
        raise WorkbookError(
            f"{label} is an old-format .xls or a password-protected workbook: save it as an unprotected .xlsx."
        )
    if not data.startswith(b"PK"):
        raise WorkbookError(
            f"{label} is not an .xlsx workbook or a .zip of CSV files "
            "(to send one CSV file, put it in a .zip and name it after its sheet, e.g. systems.csv)."
        )
    try:
        infos = check_archive(data, ArchiveLimits(MAX_ZIP_ENTRIES, MAX_UNCOMPRESSED_BYTES), label)
    except ArchiveRefused as refused:
        raise WorkbookError(str(refused)) from None
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = {info.filename for info in infos}
    problems: list[Problem] = []
    if "xl/workbook.xml" in names:
        fmt, sheets = "xlsx", _read_xlsx(data, problems)
    elif any(_csv_entry(info) for info in infos):
        fmt, sheets = "csv", _read_csv_zip(archive, infos, problems)
    else:
        raise WorkbookError(f"{label} is a .zip without an .xlsx workbook structure or any .csv file.")
    if not sheets:
        expected = ", ".join(s.name for s in SHEETS)
        raise WorkbookError(
            [
                *(p for p in problems if p.level == "error"),
                Problem(f"None of the known sheets ({expected}) is in the file."),
            ]
        )
    return ParsedWorkbook(fmt, sheets, problems)


def _resolve_sheet(title: str, problems: list[Problem], seen: dict[str, str], what: str) -> SheetSpec | None:
    key = sheet_key(title)
    if key in IGNORED_SHEETS or not key:
        return None
    reading = read_sheet_name(title)
    name = reading.value
    if reading.ambiguous:
        problems.append(Problem(f"The {what} “{title}” could be any of {', '.join(reading.candidates)}: "
                                "name it exactly; it was ignored.", level="warning"))
        return None
    if name is None:
        known = ", ".join(s.name for s in SHEETS)
        problems.append(
            Problem(f"The {what} “{title}” is not part of the template ({known}); it was ignored.", level="warning")
        )
        return None
    if name in seen:
        problems.append(Problem(f"The {what}s “{seen[name]}” and “{title}” are both the {name} sheet.", sheet=name))
        return None
    seen[name] = title
    if not reading.exact:
        problems.append(Problem(f"read the {what} “{title}” as {name}", sheet=name, level="note"))
    return SHEET_BY_NAME[name]


def _read_xlsx(data: bytes, problems: list[Problem]) -> dict[str, Sheet]:
    from openpyxl import load_workbook  # imported here: CSV-only callers do not pay for it

    sheets: dict[str, Sheet] = {}
    seen: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it drops (data validation extensions…)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        except Exception as exc:  # openpyxl raises whatever its parser meets on a broken file
            raise WorkbookError(f"The workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}).") from None
        try:
            for ws in book.worksheets:
                spec = _resolve_sheet(ws.title, problems, seen, "sheet")
                if spec is None:
                    continue
                sheet = _read_rows(spec, ws.title, _xlsx_rows(ws), problems)
                if sheet is not None:
                    sheets[spec.name] = sheet
        except WorkbookError:
            raise
        except Exception as exc:
            raise WorkbookError(f"The workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}).") from None
        finally:
            book.close()
    return sheets


def _xlsx_rows(ws):
    """Rows of raw cell values (formulas and error values wrapped), at most MAX_COLUMNS wide."""
    for row in ws.iter_rows(max_col=MAX_COLUMNS + 1):
        out = []
        for cell in row:
            value = cell.value
            if cell.data_type == "f" or (
                value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula")
            ):
                text = getattr(value, "text", None) or str(value)
                out.append(_Formula(text))
            elif cell.data_type == "e":
                out.append(_ExcelError(str(value)))
            else:
                out.append(value)
        yield out


def _csv_entry(info: zipfile.ZipInfo) -> bool:
    path = PurePosixPath(info.filename)
    return (
        not info.is_dir()
        and path.suffix.lower() == ".csv"
        and not any(part.startswith((".", "__MACOSX")) for part in path.parts)
    )


def _read_csv_zip(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], problems: list[Problem]) -> dict[str, Sheet]:
    sheets: dict[str, Sheet] = {}
    seen: dict[str, str] = {}
    for info in sorted((i for i in infos if _csv_entry(i)), key=lambda i: i.filename):
        title = PurePosixPath(info.filename).name
        spec = _resolve_sheet(PurePosixPath(info.filename).stem, problems, seen, "file")
        if spec is None:
            continue
        try:
            raw = archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            problems.append(Problem(f"{title} cannot be unpacked ({exc}).", sheet=spec.name))
            continue
        try:
            text = raw.decode("utf-8-sig")  # a byte-order mark (Excel's "CSV UTF-8") is dropped
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    f"{title} is not valid UTF-8 text (byte {exc.start}); save it as “CSV UTF-8”.",
                    sheet=spec.name,
                    row=_csv_row_at(raw, exc.start),
                )
            )
            sheets[spec.name] = Sheet(spec.name, title, [], complete=False)
            continue
        sheet = _read_rows(spec, title, _csv_rows(text, spec.name, problems), problems, csv=True)
        if sheet is not None:
            sheets[spec.name] = sheet
    return sheets


def _csv_rows(text: str, sheet: str, problems: list[Problem]):
    """Rows of a CSV text; the delimiter (comma, semicolon or tab) is the one that splits the header best."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (_known_headers(first, d, sheet), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = (
                f"A cell is longer than {MAX_CELL_CHARS} characters."
                if "field larger than field limit" in str(exc)
                else f"Cannot read this CSV row ({exc})."
            )
            problems.append(Problem(message, sheet=sheet, row=number))
            yield None  # stop: the sheet is incomplete
            return
        yield row


def _known_headers(line: str, delimiter: str, sheet: str) -> int:
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return 0
    return sum(read_header(sheet, c).value is not None for c in cells)


def _csv_row_at(raw: bytes, offset: int) -> int:
    """The CSV row (1 = header) holding byte `offset`: the records before it, plus one."""
    prefix = raw[:offset].decode("utf-8-sig", errors="replace")
    try:
        complete = list(csv.reader(io.StringIO(prefix, newline="")))
    except csv.Error:
        return prefix.count("\n") + 1
    if not complete:
        return 1
    return len(complete) if not prefix.endswith(("\n", "\r")) else len(complete) + 1


def read_cells(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values exactly as stored (for comparing two exports): sheet -> rows -> values."""
    if data.startswith(b"PK") and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist():
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
        finally:
            book.close()
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {
        name: [list(r) for r in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"), newline=""))]
        for name in sorted(archive.namelist())
        if name.endswith(".csv")
    }
