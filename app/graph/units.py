"""Durations: the units criteria accept and a short human form for explanations."""

from __future__ import annotations

# Unit spellings -> seconds. Criteria document s, min, h and d; the long forms are accepted too.
UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip


def format_duration(seconds: float | None) -> str:
    """`24 h`, `15 min`, `0.5 s`, or `unknown`: the largest unit that divides the value exactly."""
    if seconds is None:
        return "unknown"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"
