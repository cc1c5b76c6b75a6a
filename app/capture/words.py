"""The capture grammar's words: pattern, priority, ownership, frequency and unit words -> codes, and text helpers.

Codes are plain strings (FLOW_PATTERNS, PRIORITIES, OWNERSHIP_ROLES of models.vocab); the tests check they agree.
"""

from __future__ import annotations

from app.durations import format_duration

# Pattern words and phrases (case-insensitive) -> FLOW_PATTERNS code.
PATTERN_WORDS: dict[str, str] = {
    "api": "api",
    "apis": "api",
    "rest": "api",
    "rest api": "api",
    "event": "event",
    "events": "event",
    "stream": "event",
    "streaming": "event",
    "webhook": "webhook",
    "webhooks": "webhook",
    "batch": "batch",
    "batch file": "batch",
    "file": "batch",
    "files": "batch",
    "sftp": "batch",
    "db link": "db_link",
    "db-link": "db_link",
    "dblink": "db_link",
    "database link": "db_link",
    "manual": "manual",
    "manually": "manual",
}
PATTERN_HELP = "API, event, webhook, batch, file, db link or manual"

# Priority words after REQ -> PRIORITIES code.
PRIORITY_WORDS = {"must": "must", "should": "should", "could": "could", "won't": "wont", "wont": "wont"}

# Requirement type words after REQ -> REQUIREMENT_TYPES code.
TYPE_WORDS = {
    "business": "business",
    "functional": "functional",
    "non-functional": "non_functional",
    "nonfunctional": "non_functional",
    "non_functional": "non_functional",
    "nfr": "non_functional",
    "data": "data",
    "integration": "integration",
}
# Status words after ADR -> DECISION_STATUSES code ("superseded" needs the decision it supersedes: not here).
DECISION_STATUS_WORDS = {
    "proposed": "proposed",
    "accepted": "accepted",
    "rejected": "rejected",
    "deprecated": "deprecated",
}

# Ownership verb phrases -> OWNERSHIP_ROLES code. "for" and "of" are both accepted at the end of "is …" phrases.
_IS_PHRASES = {
    "system of record": "sor",
    "the system of record": "sor",
    "sor": "sor",
    "the sor": "sor",
    "authoritative copy": "authoritative",
    "the authoritative copy": "authoritative",
    "an authoritative copy": "authoritative",
    "authoritative": "authoritative",
    "replica": "replica",
    "a replica": "replica",
    "the replica": "replica",
}
OWNERSHIP_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        [(("owns",), "sor"), (("reads",), "reads"), (("writes",), "writes"), (("replicates",), "replica")]
        + [(("is", *phrase.split(), end), role) for phrase, role in _IS_PHRASES.items() for end in ("for", "of")],
        key=lambda item: -len(item[0]),
    )
)

# Frequency words -> (frequency text, seconds used as the typical latency).
FREQUENCY_WORDS = {
    "hourly": ("hourly", 3600.0),
    "daily": ("daily", 86400.0),
    "nightly": ("nightly", 86400.0),
    "weekly": ("weekly", 604800.0),
}
# Units -> (seconds, short form).
UNITS: dict[str, tuple[float, str]] = {}
for _short, _size, _words in (
    ("ms", 0.001, ("ms", "msec", "millisecond", "milliseconds")),
    ("s", 1.0, ("s", "sec", "secs", "second", "seconds")),
    ("min", 60.0, ("m", "min", "mins", "minute", "minutes")),
    ("h", 3600.0, ("h", "hr", "hrs", "hour", "hours")),
    ("d", 86400.0, ("d", "day", "days")),
    ("w", 604800.0, ("w", "wk", "week", "weeks")),
):
    for _word in _words:
        UNITS[_word] = (_size, _short)
# "every hour", "every night": a unit alone means one of it.
BARE_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0, "night": 86400.0, "week": 604800.0}

FLOW_KEYWORDS = frozenset({"via", "as", "every", "worst", "latency", *FREQUENCY_WORDS})


def fold(text: str) -> str:
    """Case- and space-insensitive key; the same rule as models.base.name_key."""
    return " ".join(text.split()).casefold()


def describe_seconds(value: float) -> str:
    """5 s, 15 min, 2 h, 24 h 15 min — as the rest of the app shows latencies (app/durations.py)."""
    return format_duration(value)
