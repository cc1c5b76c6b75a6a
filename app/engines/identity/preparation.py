"""Preparation of an extract: every record's matching and display values, what was normalised, what was wrong.

`prepare` works column by column on the distinct values of each field (extracts repeat names, cities, dates and
the same phone in several formats), converting each once; records come as dicts or as columns. How a million
records are read with few passes over memory: the comment above `prepare`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import attrgetter, itemgetter
from typing import Any

from .base import (
    FIELDS,
    TEST_NAMES,
    Options,
    Prepared,
)
from .normalise import (
    FULL_NAMES,
    fold,
    is_test_record,
    name_variants,
    normalise_email,
    normalise_name,
    normalise_postcode,
    normalise_street,
    parse_date,
    region_for,
    split_full_name,
)
from .phones import read_phone


def _text(value: Any) -> str:
    return "" if value is None or value == "" else str(value).strip()


# --- prepare ------------------------------------------------------------------------------------------------
#
# A million records are a million scattered dicts and several million scattered strings: what costs is touching
# memory (every pass over a column of a million per-record strings is ~0.5 s of cache misses), not converting
# values (extracts repeat names, cities, dates; each distinct value is converted once). So the records are read
# once, record by record (a record's cells sit together in memory), into columns; each column is then read once
# more, through a dict that converts a cell the first time it is seen into an entry (value, display value,
# flags). Entries are created in the order records first show them, so the passes that split them into the
# value and display columns and count the flags read memory in order.

COLUMNS = FIELDS + ("system", "source_record_id")


class _Converted(dict):
    """cell -> function(cell), computed the first time a cell is looked up."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, cell: Any) -> Any:
        self[cell] = result = self.function(cell)
        return result


def _convert(column: Sequence[Any], function: Callable[[Any], Any]) -> list[Any]:
    """function(cell) for every cell, computed once per distinct cell (one C-level pass over the column).
    `function` must accept a cell's text in place of the cell: unhashable cells (a list…) are replaced by it."""
    try:
        return list(map(_Converted(function).__getitem__, column))
    except TypeError:
        return list(map(_Converted(function).__getitem__, [_text(v) for v in column]))


def _part(entries: Sequence[tuple], k: int) -> list[Any]:
    """The k-th item of every entry."""
    return list(map(itemgetter(k), entries))


def _where(flags: Sequence[Any]) -> list[int]:
    """Indexes of the true flags."""
    return list(compress(range(len(flags)), flags))


def _cells(records: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]) -> tuple[int, dict[str, Sequence[Any]]]:
    """(number of records, raw cells per column) from records (dicts) or columns (name -> list of cells)."""
    if isinstance(records, Mapping):
        lengths = {len(records[name]) for name in COLUMNS if name in records}
        if len(lengths) > 1:
            raise ValueError("Every column needs one cell per record (the columns have different lengths).")
        n = lengths.pop() if lengths else 0
        return n, {name: records[name] if name in records else (None,) * n for name in COLUMNS}
    # One pass, record by record, at C speed: every cell of a record while the record is in the CPU cache (one
    # pass per column over a million records took ~1.5 s each), then transposed.
    rows = map(tuple, map(map, map(attrgetter("get"), records), repeat(COLUMNS)))
    columns = list(zip(*rows, strict=True)) or [()] * len(COLUMNS)
    return len(columns[0]), dict(zip(COLUMNS, columns, strict=True))


def _squash(text: str) -> str | None:
    return " ".join(text.split()) or None


def _plain(text: str) -> str:
    """A value with only case and spacing "normalised": changes beyond it count as normalisations."""
    return " ".join(text.casefold().split())


def prepare(records: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]], options: Options | None = None,
            progress: Callable[[float], None] | None = None) -> tuple[list[Prepared], dict[str, int]]:
    """Normalise every record; returns the prepared records and how many values each field had changed.

    `records` are dicts (`system`, `source_record_id` and any of FIELDS) or columns: a mapping of those names to
    sequences of cells, one per record (as a dataset read column-wise gives; an absent column is empty). Works
    per column on distinct values; `progress` (optional) receives fractions 0..1 of this stage.
    """
    options = options or Options()
    report = progress or (lambda _fraction: None)
    n, cells = _cells(records)
    values: dict[str, list[Any]] = {}
    display: dict[str, list[Any]] = {}
    changed: dict[str, int] = {}
    invalid: dict[str, list[int]] = {}

    def keep(name: str, entries: list[tuple], same_display: bool = False, flags: bool = False) -> None:
        """Entries are (value, display value) or, with flags, (value, display value, changed beyond case and
        spacing, invalid)."""
        values[name] = _part(entries, 0)
        display[name] = values[name] if same_display else _part(entries, 1)
        if flags:
            if count := sum(map(itemgetter(2), entries)):
                changed[name] = count
            invalid[name] = _where(_part(entries, 3))

    report(0.15)
    # Names: a record with a full name and no first or last name takes the missing part from it.
    firsts, lasts = cells["first_name"], cells["last_name"]
    fulls = _convert(cells["full_name"], _text)
    if any(fulls):
        firsts, lasts = _convert(firsts, _text), _convert(lasts, _text)
        splits = _Converted(split_full_name)
        for i in compress(range(n), fulls):
            if not (firsts[i] and lasts[i]):
                first_split, last_split = splits[fulls[i]]
                firsts[i], lasts[i] = firsts[i] or first_split or "", lasts[i] or last_split or ""
    del fulls

    def name_entry(cell: Any) -> tuple:
        text = _text(cell)
        value = normalise_name(text)
        return value, _squash(text), bool(text and value and value != _plain(text)), False

    keep("first_name", _convert(firsts, name_entry), flags=True)
    keep("last_name", _convert(lasts, name_entry), flags=True)
    del firsts, lasts

    def email_entry(cell: Any) -> tuple:
        text = _text(cell)
        value, ok = normalise_email(text, options.email_provider_rules)
        return value, value, bool(text and value and value != _plain(text)), bool(text) and not ok

    keep("email", _convert(cells["email"], email_entry), same_display=True, flags=True)
    report(0.35)

    # Phones: the region is the record's country's, else the default; converted per distinct (text, region), or
    # per cell when the extract has one region (the usual case: no million-long zip of pairs).
    def country_entry(cell: Any) -> tuple:
        text = _text(cell)
        value = region_for(text, "") or None
        return value, value or (text or None), region_for(text, options.default_region)

    countries = _convert(cells["country"], country_entry)
    country_values, country_display, regions = _part(countries, 0), _part(countries, 1), _part(countries, 2)
    del countries
    fast_cache: dict[tuple[str, str], str | None] = {}
    valid: dict[tuple[str, Any], bool] = {}

    def phone_entry(text: str, region: str) -> tuple:
        value, ok = read_phone(text, region, fast_cache, valid)
        return value, value, bool(text and value and value != _plain(text)), not ok

    if len(set(regions)) <= 1:
        region = regions[0] if regions else options.default_region
        keep("phone", _convert(cells["phone"], lambda cell: phone_entry(_text(cell), region)), True, True)
    else:
        keys = list(zip(_convert(cells["phone"], _text), regions, strict=True))
        keep("phone", _convert(keys, lambda key: phone_entry(*key)), same_display=True, flags=True)
        del keys
    del regions
    report(0.6)

    def birth_entry(cell: Any) -> tuple:
        text = _text(cell)
        born = parse_date(text, options.day_first)
        # Matched as YYYYMMDD; an 8-digit value that is not a date (a typo) is still compared character-wise.
        digits = re.sub(r"\D", "", text)
        value = born.strftime("%Y%m%d") if born else (digits if len(digits) == 8 else None)
        return (value, born.isoformat() if born else None, bool(text and value and value != _plain(text)),
                bool(text) and born is None)

    keep("birth_date", _convert(cells["birth_date"], birth_entry), flags=True)
    keep("street", _convert(cells["street"], lambda cell: (normalise_street(t := _text(cell)), _squash(t))))
    keep("house_number", _convert(cells["house_number"],
                                  lambda cell: (fold(t := _text(cell)).replace(" ", "") or None, t or None)))
    keep("city", _convert(cells["city"], lambda cell: (fold(t := _text(cell)) or None, _squash(t))))

    def postcode_entry(cell: Any) -> tuple:
        text = _text(cell)
        value = normalise_postcode(text)
        return (value, " ".join(text.upper().split()) or None,
                bool(text and value and value != _plain(text).replace(" ", "").upper()), False)

    keep("postal_code", _convert(cells["postal_code"], postcode_entry), flags=True)
    values["country"], display["country"] = country_values, country_display  # here: the fields' order
    # "".join(split()) drops the same (Unicode) whitespace as re.sub(r"\s+", "", …), faster.
    keep("loyalty_id", _convert(cells["loyalty_id"], lambda cell: ("".join(_text(cell).split()).upper() or None,)),
         same_display=True)
    report(0.75)

    # Recency: updated_at, else created_at, as an ISO date ("" when the one used is not a date).
    def stamp(text: str) -> str:
        return d.isoformat() if (d := parse_date(text, options.day_first)) else ""

    recency = _convert(cells["updated_at"], lambda cell: stamp(text) if (text := _text(cell)) else None)
    if None in recency:
        created = _convert(cells["created_at"], lambda cell: stamp(_text(cell)))
        recency = [u if u is not None else c for u, c in zip(recency, created, strict=True)]
        del created

    # Variants and test flags come from the normalised values (few distinct ones).
    nick = options.nicknames
    variants = _convert(values["first_name"],
                        lambda f: name_variants(f) if nick else ((f.split()[0],) if f else ()))
    tests = _test_flags(values["email"], values["first_name"], values["last_name"])
    issues: list[list[str]] = [[] for _ in range(n)]  # each record's own list
    for name, issue in (("email", "invalid_email"), ("phone", "invalid_phone"), ("birth_date", "invalid_birth_date")):
        for i in invalid[name]:
            issues[i].append(issue)
    report(0.85)

    systems = _convert(cells["system"], lambda cell: _text(cell) or "unknown")
    ids = [str(cell or i) for i, cell in enumerate(cells["source_record_id"])]  # as given: keys must not change
    keys = list(map("{}:{}".format, systems, ids))
    del cells
    names = list(values)
    # Only the fields a record has (absent = None through .get): a dict of ten keys or fewer is half the size of
    # one of eleven, which is a gigabyte over a million records and two dicts each. compress() keeps the present
    # (non-empty) values; every step below is a C-level loop.
    rows = list(zip(*(values.pop(f) for f in names), strict=True))
    value_dicts = list(map(dict, map(compress, map(zip, repeat(names), rows), rows)))
    rows = list(zip(*(display.pop(f) for f in names), strict=True))
    display_dicts = list(map(dict, map(compress, map(zip, repeat(names), rows), rows)))
    del rows
    out = list(map(Prepared, range(n), keys, systems, ids, value_dicts, display_dicts, variants, recency, issues,
                   tests))
    report(1.0)
    return out, changed


def _test_flags(emails: Sequence[str | None], firsts: Sequence[str | None], lasts: Sequence[str | None]) -> list[bool]:
    """is_test_record for every record from its normalised email, first and last name, once per distinct value
    of each: a test email, a first or last name in TEST_NAMES, or a whole name in FULL_NAMES (test and anonymous
    names). A full name of two present parts ("walk in customer") can only be one when the first name starts such
    a name, so only those records are paired."""
    by_email = _convert(emails, lambda e: is_test_record({"email": e}))
    by_first, by_last = _convert(firsts, TEST_NAMES.__contains__), _convert(lasts, TEST_NAMES.__contains__)
    # a whole name of one part: the first or last name alone is the full name
    whole_first, whole_last = _convert(firsts, FULL_NAMES.__contains__), _convert(lasts, FULL_NAMES.__contains__)
    by_first = [t or (w and not last) for t, w, last in zip(by_first, whole_first, lasts, strict=True)]
    by_last = [t or (w and not first) for t, w, first in zip(by_last, whole_last, firsts, strict=True)]
    starts = {f for f in set(firsts) if f and any(name.startswith(f + " ") for name in FULL_NAMES)}
    if not (any(by_email) or any(by_first) or any(by_last) or starts):
        return [False] * len(emails)
    tests = [e or f or last for e, f, last in zip(by_email, by_first, by_last, strict=True)]
    for i in _where(list(map(starts.__contains__, firsts))):
        if lasts[i] and f"{firsts[i]} {lasts[i]}" in FULL_NAMES:
            tests[i] = True
    return tests
