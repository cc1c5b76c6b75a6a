"""Single-line text: the rule every title and name follows, shared by the services (validation of typed
input) and by every importer and writer (ReqIF, MADR, workbook, diagrams).

A title is one line. Typed input that holds a line break is refused (`has_line_break`); text read from a file
has its line breaks turned into spaces (`single_line`) and the importer reports that it did so.
"""

from __future__ import annotations

import re

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


__all__ = ["LINE_BREAKS", "LINE_BREAK_ERROR", "has_line_break", "single_line"]
