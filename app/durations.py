"""Durations people type and read: one parser and one formatter for every form, inline editor, page and export.

Pure Python (no Flask, no ORM), so the graph analysis, the renderers, the services and the templates all share it.

    parse_duration("30s") == 30          parse_duration("1h30") == 5400       parse_duration("90") == 90 (seconds)
    format_duration(1455 * 60) == "24 h 15 min"     format_duration(86400 * 3) == "3 d"

The printed style: at most two units, the larger first, rounded to the smaller one — ms below a second, s below a
minute, min [s] below an hour, h [min] below two days (so a day and a quarter reads "30 h", not "1 d 6 h"), then
d [h]. A zero second unit is left out ("5 min", not "5 min 0 s").
"""

from __future__ import annotations

import math
import re

# Unit spellings -> seconds (case-insensitive).
UNITS: dict[str, float] = {}
for _size, _words in (
    (0.001, ("ms", "msec", "millisecond", "milliseconds")),
    (1.0, ("s", "sec", "secs", "second", "seconds")),
    (60.0, ("m", "min", "mins", "minute", "minutes")),
    (3600.0, ("h", "hr", "hrs", "hour", "hours")),
    (86400.0, ("d", "day", "days")),
    (604800.0, ("w", "wk", "wks", "week", "weeks")),
):
    for _word in _words:
        UNITS[_word] = _size

_PART = re.compile(r"\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*([a-zA-Zµ]*)\s*")
EXAMPLES = "30s, 5 min, 1h, 1h30, 1 d or a number of seconds"


def parse_duration(text: str) -> float:
    """Seconds in `text` ("30s", "5 min", "1h", "1 d", "1h30", "2 h 15 min", "90" = 90 s); ValueError saying why."""
    raw = " ".join(str(text).split())
    if not raw:
        raise ValueError(f"Write a duration, e.g. {EXAMPLES}.")
    total, pos, previous = 0.0, 0, None
    while pos < len(raw):
        match = _PART.match(raw, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"“{raw}” is not a duration: write e.g. {EXAMPLES}.")
        number, unit = float(match.group(1).replace(",", ".")), match.group(2).casefold()
        if not unit:
            # "1h30": a bare number after hours means minutes, after minutes seconds; alone, seconds.
            if previous is None and match.end() == len(raw):
                size = 1.0
            elif previous in (3600.0, 60.0) and match.end() == len(raw):
                size = previous / 60
            else:
                raise ValueError(f"Add a unit to “{match.group(1)}” in “{raw}”: s, min, h or d.")
        elif unit in UNITS:
            size = UNITS[unit]
        else:
            raise ValueError(f"Unknown unit “{match.group(2)}” in “{raw}”: use ms, s, min, h, d or w.")
        if previous is not None and size >= previous:
            raise ValueError(f"Write the larger unit first in “{raw}”, e.g. 1 h 30 min.")
        total, pos, previous = total + number * size, match.end(), size
    if math.isinf(total) or math.isnan(total):
        raise ValueError(f"“{raw}” is not a duration: write e.g. {EXAMPLES}.")
    return total


def format_duration(seconds: float | None, unknown: str = "unknown") -> str:
    """`24 h 15 min`, `5 min 30 s`, `3 d 2 h`, `200 ms` — the one way durations are printed; `unknown` for None."""
    if seconds is None or math.isnan(seconds):
        return unknown
    if seconds < 0:
        return "−" + format_duration(-seconds)
    if seconds == 0:
        return "0 s"
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 10:
        return f"{seconds:.3g} s"
    if round(seconds) < 60:
        return f"{round(seconds)} s"
    for big, small, limit, big_unit, small_unit in (
        (60, 1, 3600, "min", "s"),
        (3600, 60, 2 * 86400, "h", "min"),
        (86400, 3600, math.inf, "d", "h"),
    ):
        if seconds < limit:
            count = round(seconds / small)
            if count * small >= limit:
                continue  # rounding carried it into the next range (59 min 59.6 s -> 1 h)
            whole, rest = divmod(count, big // small)
            return f"{whole} {big_unit}" + (f" {rest} {small_unit}" if rest else "")
    raise AssertionError("unreachable")  # the last range has no limit
