"""Cell values on the way out and back: formula-injection safety (neutralise / restore) and a value as written.

CSV has no cell types, so in a CSV file text starting with = + - @ |, a tab or a carriage return is prefixed
with one `'` and a spreadsheet shows it as text instead of running it (formula injection); reading a CSV
strips that quote again. An XLSX cell has a type: the workbook writes text as a string cell (never a formula,
whatever it starts with) exactly as the user typed it (`guard=False`), marked "quote prefix" so that a
spreadsheet keeps it text even when someone edits the cell. Other XLSX writers keep the quote by default.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

DANGEROUS_FIRST = frozenset("=+-@|\t\r")
_QUOTE = "'"
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# --- formula safety -------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text as written to a cell: prefixed with `'` when a spreadsheet could take it for a formula.

    Also prefixed when it already starts with a quote that `restore` would strip, so that
    restore(neutralise(t)) == t for every text."""
    if text and (text[0] in DANGEROUS_FIRST or _strippable(text)):
        return _QUOTE + text
    return text


def restore(text: str) -> str:
    """A cell's text as imported: one leading `'` before = + - @ | tab CR (or another `'`) is removed."""
    return text[1:] if _strippable(text) else text


def _strippable(text: str) -> bool:
    return len(text) > 1 and text[0] == _QUOTE and (text[1] in DANGEROUS_FIRST or text[1] == _QUOTE)


# --- a value as written ---------------------------------------------------------------------------


def _set(cell, value: Any, *, xlsx: bool, guard: bool = True) -> None:
    value = cell_value(value, xlsx=xlsx, guard=guard)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula or an error value, whatever the text looks like
        if not guard and value[:1] in DANGEROUS_FIRST:
            cell.quotePrefix = True  # Excel and LibreOffice keep it text when the cell is edited
    elif isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd"


def cell_value(value: Any, *, xlsx: bool, guard: bool = True) -> Any:
    """A plain value as written: numbers stay numbers (whole floats as ints), dates are date cells in
    XLSX and ISO text in CSV; text is neutralised when `guard` (always for CSV; the workbook's XLSX passes
    guard=False and keeps text exactly, in a string cell) and stripped in XLSX of the control characters
    XLSX cannot hold."""
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
    text = neutralise(str(value)) if guard or not xlsx else str(value)
    return _ILLEGAL_XLSX.sub("", text) if xlsx else text
