"""What reading a workbook gives: problems (errors and warnings), rows, sheets and the parsed workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
        """The problems of level "error"."""
        return [p for p in self.problems if p.level == "error"]


class _Formula(str):
    """The text of a formula cell (never evaluated)."""


class _ExcelError(str):
    """An error value shown by a cell (#N/A, #REF!…)."""
