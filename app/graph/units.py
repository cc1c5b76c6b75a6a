"""Durations: the units criteria accept and a short human form for explanations."""

from __future__ import annotations

from app import durations

# Unit spellings -> seconds. Criteria document s, min, h and d; the long forms are accepted too.
UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip


# The one way durations are printed (app/durations.py); re-exported for the analysis that imports it from here.
format_duration = durations.format_duration
