"""The spreadsheet workbook: its sheets and columns, safe reading (XLSX or a ZIP of CSV files) and writing.

Pure: bytes in -> rows of plain cell values out, and rows in -> bytes out. No Flask, no database; the
services (app/services/workbook/importer.py, workbook_export.py) give the rows their meaning.

Safety, in one place:
- the file is checked as a ZIP (an XLSX is one) before anything parses it: entry count, declared
  uncompressed sizes (Python's zipfile never inflates an entry past its declared size) and encryption;
- formulas are never evaluated: an XLSX cell holding a formula is reported, not read;
- a cell longer than MAX_CELL_CHARS is reported, not kept;
- on the way out, text starting with = + - @, a tab or a carriage return is prefixed with one `'`, so a
  spreadsheet shows it as text instead of running it (formula injection); reading strips that quote again.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

MAX_FILE_BYTES = 50 * 1024 * 1024  # the file as uploaded or read from disk
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of every ZIP entry
MAX_ZIP_ENTRIES = 500
MAX_CELL_CHARS = 20_000
MAX_ROWS = 100_000  # spreadsheet row number, header included
MAX_COLUMNS = 100
LIST_SEPARATOR = ";"

DANGEROUS_FIRST = frozenset("=+-@\t\r")
_QUOTE = "'"
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


# --- the template ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet; `required` columns are marked with `*` in the header."""

    name: str
    required: bool = False
    help: str = ""

    @property
    def header(self) -> str:
        """The header as written: the name, with `*` when required."""
        return f"{self.name}*" if self.required else self.name


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its name, what a row is, its columns."""

    name: str
    help: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in template order."""
        return tuple(c.name for c in self.columns)


_SCENARIOS_HELP = "Scenario names; blank means the current state; (none) means in no scenario."

# Written in this order; imported in dependency order by the service.
SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "systems",
        "One row per application. Identified by name.",
        (
            Column("name", True, "Unique name of the system."),
            Column("category", True, "See the allowed values below (code or label)."),
            Column("vendor"),
            Column("product"),
            Column("hosting", help="SaaS, Cloud or On-premises."),
            Column("lifecycle", help="Active, Planned, Retiring or Retired."),
            Column("owner", help="Name of a stakeholder."),
            Column("channels", help="Channel names served, separated by ;"),
            Column("scenarios", help=_SCENARIOS_HELP),
            Column("tags", help="Free tags, separated by ;"),
            Column("notes"),
        ),
        ("system", "applications", "application"),
    ),
    SheetSpec(
        "flows",
        "One row per data flow. Identified by source, target, entities, pattern and via together.",
        (
            Column("source", True, "Name of the system the data leaves."),
            Column("target", True, "Name of the system the data reaches."),
            Column("entities", True, "Data entity names, separated by ;"),
            Column(
                "pattern", True, "API request/response, Event / stream, Webhook, Batch file, Database link, Manual."
            ),
            Column("frequency", help="Free text, e.g. Nightly 02:00."),
            Column("latency_seconds", help="Typical latency in seconds (a number)."),
            Column("worst_latency_seconds", help="Worst latency in seconds (a number, not below the typical)."),
            Column("via", help="Name of the middleware system, if any."),
            Column("direction", help="One-way or Two-way."),
            Column("scenarios", help=_SCENARIOS_HELP),
            Column("tags", help="Free tags, separated by ;"),
            Column("notes"),
        ),
        ("flow", "data_flows", "dataflows", "integrations"),
    ),
    SheetSpec(
        "ownership",
        "One row per role a system plays for a data entity. Identified by system, entity and role.",
        (
            Column("system", True, "Name of a system."),
            Column("entity", True, "Name of a data entity."),
            Column("role", True, "System of record, Authoritative copy, Replica, Reads or Writes."),
            Column("scenarios", help=_SCENARIOS_HELP),
        ),
        ("ownerships", "data_ownership"),
    ),
    SheetSpec(
        "stakeholders",
        "One row per person. Identified by name.",
        (
            Column("name", True, "Unique name of the person."),
            Column("role", help="Job title."),
            Column("team"),
            Column("area", help="See the allowed values below."),
            Column("influence", help="Low, Medium or High."),
            Column("interest", help="Low, Medium or High."),
            Column("email"),
        ),
        ("stakeholder", "people"),
    ),
    SheetSpec(
        "requirements",
        "One row per requirement. Identified by ref (REQ-n); a row without ref by its title.",
        (
            Column("ref", help="REQ-n; blank for a new requirement (it gets the next number)."),
            Column("title", True),
            Column("text"),
            Column("type", help="Business, Functional, Non-functional, Data or Integration."),
            Column("priority", help="Must, Should, Could or Won't."),
            Column("channels", help="Channel names, separated by ;"),
            Column("source", help="Name of the stakeholder who asked for it."),
            Column("status", help="Draft, Agreed, Met, Not met or Dropped."),
            Column("acceptance", help="Acceptance criteria."),
            Column("tags", help="Free tags, separated by ;"),
            Column("satisfied_by", help="Systems (names) and flows (Source -> Target) that satisfy it, separated by ;"),
            Column("refines", help="Requirements (ref or title) this one refines, separated by ;"),
        ),
        ("requirement",),
    ),
    SheetSpec(
        "decisions",
        "One row per architecture decision. Identified by ref (ADR-n); a row without ref by its title.",
        (
            Column("ref", help="ADR-n; blank for a new decision (it gets the next number)."),
            Column("title", True),
            Column("status", help="Proposed, Accepted, Rejected, Deprecated or Superseded."),
            Column("context"),
            Column("options", help="Options considered."),
            Column("outcome"),
            Column("consequences"),
            Column("date", help="Date decided (YYYY-MM-DD)."),
            Column("deciders", help="Stakeholder names, separated by ;"),
            Column("consulted", help="Stakeholder names, separated by ;"),
            Column("informed", help="Stakeholder names, separated by ;"),
            Column("supersedes", help="The decision (ref or title) this one supersedes."),
            Column("addresses", help="Requirements (ref or title) this decision addresses, separated by ;"),
            Column("affects", help="Systems (names) and flows (Source -> Target) it affects, separated by ;"),
            Column("scenario", help="The scenario this decision belongs to, if any."),
            Column("tags", help="Free tags, separated by ;"),
        ),
        ("decision", "adrs", "adr"),
    ),
    SheetSpec(
        "channels",
        "One row per sales or service channel. Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("customer_facing", help="yes or no (blank: yes)."),
        ),
        ("channel",),
    ),
    SheetSpec(
        "entities",
        "One row per business data entity. Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("time_critical", help="yes or no (blank: no)."),
        ),
        ("entity", "data_entities", "dataentities"),
    ),
    SheetSpec(
        "scenarios",
        "One row per scenario (the current state and each proposal). Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("baseline", help="yes on the row describing the current state (renames it if the name differs)."),
        ),
        ("scenario",),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}
_SHEET_ALIASES = {alias: s.name for s in SHEETS for alias in (s.name, *s.aliases)}
# Sheets and files the importer skips without a warning: the template's own notes.
IGNORED_SHEETS = frozenset({"instructions", "readme", "read_me", "about", "notes"})


def sheet_key(title: str) -> str:
    """A sheet or file name as the importer compares it: case-, space- and hyphen-insensitive."""
    return re.sub(r"[\s\-]+", "_", title.strip().casefold()).strip("_")


def header_key(value: Any) -> str:
    """A header cell as the importer compares it: `Latency seconds*` -> `latency_seconds`."""
    return sheet_key(str(value).strip().rstrip("*"))


# --- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong (level "error") or worth knowing ("warning") at a sheet, row and column."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    level: str = "error"

    @property
    def where(self) -> str:
        """`systems, row 5, column category` (as much of it as is known)."""
        parts = []
        if self.sheet:
            parts.append(self.sheet)
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "workbook"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class WorkbookError(Exception):
    """The file cannot be read as a workbook at all (not a workbook, too big, no known sheet…)."""

    def __init__(self, problems: list[Problem] | str):
        self.problems = [Problem(problems)] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(map(str, self.problems)))


# --- what reading gives ---------------------------------------------------------------------------


@dataclass
class Row:
    """One non-blank data row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # columns whose cell was rejected (already reported)


@dataclass
class Sheet:
    """A known sheet as read: the template columns it has, and its rows."""

    name: str
    title: str  # as named in the file
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    complete: bool = True  # False when reading stopped early (already reported)


@dataclass
class ParsedWorkbook:
    """Every known sheet found, plus the problems met while reading."""

    format: str  # "xlsx" | "csv"
    sheets: dict[str, Sheet]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


class _Formula(str):
    """The text of a formula cell (never evaluated)."""


class _ExcelError(str):
    """An error value shown by a cell (#N/A, #REF!…)."""


# --- reading --------------------------------------------------------------------------------------


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
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise WorkbookError(f"{label} is damaged: it is not a readable .xlsx or .zip file.") from None
    _check_archive(infos)
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


def _check_archive(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise WorkbookError(f"The file holds {len(infos)} entries; at most {MAX_ZIP_ENTRIES} are accepted.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookError("The file is encrypted; remove the password and try again.")
        if info.file_size < 0 or info.compress_size < 0:
            raise WorkbookError("The file is damaged.")
        total += info.file_size
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(
            f"The file unpacks to {total // (1024 * 1024)} MB; at most "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB are accepted."
        )


def _resolve_sheet(title: str, problems: list[Problem], seen: dict[str, str], what: str) -> SheetSpec | None:
    key = sheet_key(title)
    if key in IGNORED_SHEETS or not key:
        return None
    name = _SHEET_ALIASES.get(key)
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
        sheet = _read_rows(spec, title, _csv_rows(text, spec.name, problems), problems)
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
    names = set(SHEET_BY_NAME[sheet].column_names)
    return sum(header_key(c) in names for c in cells)


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


def _read_rows(spec: SheetSpec, title: str, rows, problems: list[Problem]) -> Sheet | None:
    """Header + rows -> Sheet; None when the sheet has no header row (an empty sheet counts as absent)."""
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
        key = header_key(restore(str(value)))
        if key not in spec.column_names:
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
            row.cells[key] = _cell(value, spec.name, number, key, row, problems)
        if any(v is not None for v in row.cells.values()) or row.bad:
            sheet.rows.append(row)
    return sheet


def _blank(value: Any) -> bool:
    return value is None or (
        isinstance(value, str) and not isinstance(value, _Formula | _ExcelError) and not value.strip()
    )


def _cell(value: Any, sheet: str, number: int, column: str, row: Row, problems: list[Problem]) -> Any:
    """One raw cell -> a plain value (str, int, float, bool, date/datetime) or None; problems reported."""
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
        value = restore(value)
        return value if value.strip() else None
    if isinstance(value, bool | int | float | date):  # datetime is a date
        return value
    return str(value)  # times, durations: as text


# --- formula safety -------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text as written to a cell: prefixed with `'` when a spreadsheet could take it for a formula.

    Also prefixed when it already starts with a quote that `restore` would strip, so that
    restore(neutralise(t)) == t for every text."""
    if text and (text[0] in DANGEROUS_FIRST or _strippable(text)):
        return _QUOTE + text
    return text


def restore(text: str) -> str:
    """A cell's text as imported: one leading `'` before = + - @ tab CR (or another `'`) is removed."""
    return text[1:] if _strippable(text) else text


def _strippable(text: str) -> bool:
    return len(text) > 1 and text[0] == _QUOTE and (text[1] in DANGEROUS_FIRST or text[1] == _QUOTE)


# --- writing --------------------------------------------------------------------------------------


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
                _set(cell, text, xlsx=True)
                if i == 0 and len(line) == 1:
                    cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(cell)
            ws.append(cells)
    for spec in SHEETS:
        ws = book.create_sheet(spec.name)
        ws.freeze_panes = "A2"
        for i, column in enumerate(spec.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = 14 if column.name in _NARROW else 28
            labels = (choices or {}).get(spec.name, {}).get(column.name)
            formula = '"' + ",".join(labels) + '"' if labels else ""
            if labels and len(formula) <= 255 and not any("," in x or '"' in x for x in labels):
                letter = get_column_letter(i)
                validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
                validation.add(f"{letter}2:{letter}{MAX_ROWS}")
                ws.data_validations.append(validation)
        header = []
        for column in spec.columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in tables.get(spec.name, []):
            cells = []
            for column in spec.columns:
                cell = WriteOnlyCell(ws)
                _set(cell, row.get(column.name), xlsx=True)
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_NARROW = frozenset({"ref", "hosting", "lifecycle", "pattern", "direction", "role", "priority", "status", "date"})


def _set(cell, value: Any, *, xlsx: bool) -> None:
    value = cell_value(value, xlsx=xlsx)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula or an error value, whatever the text looks like
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd"


def cell_value(value: Any, *, xlsx: bool) -> Any:
    """A plain value as written: numbers stay numbers (whole floats as ints), dates are date cells in
    XLSX and ISO text in CSV, text is neutralised (and, in XLSX, stripped of control characters XLSX cannot hold)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if xlsx else value.isoformat()
    text = neutralise(str(value))
    return _ILLEGAL_XLSX.sub("", text) if xlsx else text


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
            writer.writerow([c.header for c in spec.columns])
            for row in tables.get(spec.name, []):
                writer.writerow(
                    ["" if (v := cell_value(row.get(c.name), xlsx=False)) is None else v for c in spec.columns]
                )
            archive.writestr(
                zipfile.ZipInfo(f"{spec.name}.csv", _FIXED_TIME),
                ("\ufeff" + text.getvalue()).encode("utf-8"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


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
