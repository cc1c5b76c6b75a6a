"""Cell values as the importer reads them: text, list items, yes/no flags and choice codes."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from exports.workbook.lists import split_list, split_list_raw

_TRUE = {"yes", "y", "true", "1", "on", "x"}
_FALSE = {"no", "n", "false", "0", "off"}


def _code(choices: dict[str, str], value: Any) -> str | None:
    """A choice cell -> its code (code or label accepted, as fields.clean does); None when neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in choices:
        return text
    return next((code for code, label in choices.items() if label.casefold() == text.casefold()), None)


def _text(value: Any) -> str | None:
    """A cell as text: numbers without a trailing .0, dates as ISO, booleans as yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _items(value: Any) -> list[str]:
    """A list cell -> its non-blank items (`\\;` is a `;` inside an item, `\\\\` a backslash)."""
    return split_list(_text(value) or "")


def _raw_items(value: Any) -> list[str]:
    """A list cell -> its non-blank items with their escapes kept (flow references are parsed further)."""
    return split_list_raw(_text(value) or "")


def _flag(value: Any) -> bool | str | None:
    """yes/no cell -> True/False, None when blank, "invalid" otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return "invalid"
