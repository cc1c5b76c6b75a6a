"""The import report (rows created, updated or unchanged per sheet; errors and warnings) and the log that fills it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.services.workbook.mapping import FIELDS
from exports.workbook import SHEETS, Problem, Row

MAX_ERRORS = 200


@dataclass
class RowResult:
    """One row's outcome."""

    row: int
    label: str


@dataclass
class SheetResult:
    """What one sheet creates, updates and leaves unchanged."""

    created: list[RowResult] = field(default_factory=list)
    updated: list[RowResult] = field(default_factory=list)
    unchanged: list[RowResult] = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of a dry run or an import: per-sheet changes, errors and warnings."""

    dry_run: bool
    filename: str | None = None
    format: str | None = None
    sheets: dict[str, SheetResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False
    # (sheet, column, text as written, label) -> rows: choices read other than exactly.
    readings: dict[tuple[str, str, str, str], set[int]] = field(default_factory=dict)
    # (name, sheet, row) of each scenario created because a cell named it and no scenarios sheet row did.
    created_scenarios: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Errors, workbook-wide ones first, then sheet by sheet (template order) and row by row."""
        return sorted((p for p in self.problems if p.level == "error"), key=_position)

    @property
    def warnings(self) -> list[Problem]:
        """Warnings, in the same order as the errors."""
        return sorted((p for p in self.problems if p.level == "warning"), key=_position)

    @property
    def notes(self) -> list[Problem]:
        """How the workbook was read where it was not read exactly — sheet names, headers and choices taken
        loosely ("read 'event/stream' as Event / stream", the rows listed once per spelling) — and the
        scenarios created because rows name them."""
        notes = [p for p in self.problems if p.level == "note"]
        for (sheet, column, text, label), rows in self.readings.items():
            numbers = sorted(rows)
            where = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {_rows_text(numbers)}"
            notes.append(Problem(f"read '{text}' as {label} ({where})", sheet=sheet, column=column, level="note"))
        verb = "was created" if self.applied else "will be created"
        for name, sheet, row in self.created_scenarios:
            notes.append(
                Problem(
                    f"the scenario “{name}” is not on a scenarios sheet: it {verb} (first named here)",
                    sheet=sheet,
                    row=row,
                    level="note",
                )
            )
        return sorted(notes, key=_position)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def count(self, what: str) -> int:
        """Total rows created, updated or unchanged."""
        return sum(len(getattr(s, what)) for s in self.sheets.values())

    def ordered_sheets(self) -> list[tuple[str, SheetResult]]:
        """Sheets in template order."""
        return [(s.name, self.sheets[s.name]) for s in SHEETS if s.name in self.sheets]

    def summary(self) -> str:
        """`3 created, 1 updated, 10 unchanged`."""
        return f"{self.count('created')} created, {self.count('updated')} updated, {self.count('unchanged')} unchanged"

    def lines(self, verbose: bool = False) -> list[str]:
        """The report as text lines (the CLI prints them)."""
        create, update = ("created", "updated") if self.applied else ("to create", "to update")
        out = []
        for name, sheet in self.ordered_sheets():
            counts = f"{len(sheet.created)} {create}, {len(sheet.updated)} {update}, {len(sheet.unchanged)} unchanged"
            out.append(f"{name}: {counts}")
            groups = [("create", sheet.created), ("update", sheet.updated)]
            if verbose:
                groups.append(("unchanged", sheet.unchanged))
            for verb, rows in groups:
                out.extend(f"  {verb}: row {r.row}: {r.label}" for r in rows)
        return out


_SHEET_RANK = {s.name: i for i, s in enumerate(SHEETS)}
_ROWS_SHOWN = 10


def _rows_text(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_ROWS_SHOWN]))
    return shown if len(numbers) <= _ROWS_SHOWN else f"{shown} and {len(numbers) - _ROWS_SHOWN} more"


def _position(problem: Problem) -> tuple[int, int]:
    return (_SHEET_RANK.get(problem.sheet, -1) if problem.sheet else -1, problem.row or 0)


class _Stop(Exception):
    """Stop the import: enough errors, or the database refused a batch (already reported)."""


class RowLog:
    """Problems and row outcomes as the import goes; the MAX_ERRORS-th error stops it (`_Stop`)."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.errors = len(report.errors)
        self.status: dict[tuple[str, int], list[Any]] = {}  # (sheet, row) -> [action, label]

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        """Report an error at a sheet, row and column; raise _Stop at the MAX_ERRORS-th."""
        self.report.problems.append(Problem(message, sheet=sheet, row=row, column=column))
        self.errors += 1
        if self.errors >= MAX_ERRORS:
            self.report.problems.append(Problem(f"Stopped after {MAX_ERRORS} errors."))
            raise _Stop

    def warn(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        """Report a warning at a sheet, row and column."""
        self.report.problems.append(Problem(message, sheet=sheet, row=row, column=column, level="warning"))

    def field_errors(self, sheet: str, row: Row, errors: dict[str, list[str]]) -> None:
        """Report a service's errors by field, each at the column the field comes from."""
        columns = {f: c for c, f in FIELDS.get(sheet, {}).items()}
        for key, messages in errors.items():
            column = columns.get(key) or (key if key in ("name", "description") else None)
            for message in messages:
                self.error(sheet, row.number, column, message)

    def done(self, sheet: str, number: int, action: str, label: str) -> None:
        """Record a row's outcome: "created", "updated" or "unchanged", with its label."""
        self.status[(sheet, number)] = [action, label]

    def touched(self, sheet: str, row: Row) -> None:
        """A row whose links changed counts as updated (unless it was created)."""
        status = self.status.get((sheet, row.number))
        if status is not None and status[0] == "unchanged":
            status[0] = "updated"

    def finish(self) -> None:
        """Every row's outcome into the report's sheets, row by row."""
        for (sheet, row), (action, label) in sorted(self.status.items(), key=lambda i: i[0][1]):
            getattr(self.report.sheets[sheet], action).append(RowResult(row, label))
