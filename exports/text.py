"""Single-line text: the rule every title and name follows, shared by the services (validation of typed
input) and by every importer and writer (ReqIF, MADR, workbook, diagrams).

A title is one line. In a diagram node a long name is wrapped (`wrap`) so the box stays narrow.

A title is one line. Typed input that holds a line break is refused (`has_line_break`); text read from a file
has its line breaks turned into spaces (`single_line`) and the importer reports that it did so.
"""

from __future__ import annotations

import re
import unicodedata

# Every character Unicode, YAML or Python's str.splitlines treat as ending a line.
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAK_RUN = re.compile("[ \t]*[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+[ \t]*")
LINE_BREAK_ERROR = "Must be on one line (it holds a line break)."


def has_line_break(text: str) -> bool:
    """True when `text` holds any line-ending character."""
    return LINE_BREAKS.search(text) is not None


def single_line(text: str) -> str:
    """`text` with each run of line breaks (and the spaces around it) made one space, ends trimmed."""
    return _BREAK_RUN.sub(" ", text).strip()


def humanize(code: object) -> str:
    """A stored code as words when no vocabulary labels it: `partially_met` -> "Partially met"; text with
    spaces or capitals is not a code and comes back as it is."""
    if code is None:
        return ""
    text = str(code)
    if text and text == text.lower() and " " not in text and (text.isascii() and text.replace("_", "").isalpha()):
        return text.replace("_", " ").capitalize()
    return text


def display_width(text: str) -> int:
    """Columns `text` takes: East Asian wide and full-width characters count two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def wrap(text: str, width: int = 26) -> list[str]:
    """`text` as lines of at most `width` columns, broken between words; a word wider than a line (a long
    identifier, a name in Japanese or Chinese, which has no spaces) is cut between characters."""
    rows: list[str] = []
    current = ""
    for word in text.split():
        while display_width(word) > width:
            if current:
                rows.append(current)
                current = ""
            cut = _fit(word, width)
            rows.append(word[:cut])
            word = word[cut:]
        if not current:
            current = word
        elif display_width(current) + 1 + display_width(word) <= width:
            current += " " + word
        else:
            rows.append(current)
            current = word
    if current:
        rows.append(current)
    return rows


def _fit(word: str, width: int) -> int:
    used = 0
    for index, ch in enumerate(word):
        used += display_width(ch)
        if used > width:
            return max(index, 1)
    return len(word)


__all__ = ["LINE_BREAKS", "LINE_BREAK_ERROR", "display_width", "has_line_break", "humanize", "single_line", "wrap"]
