"""Preparation: normalise emails, phones, names, postcodes and dates; flag invalid values and test records.

`prepare` works column by column on the distinct values of each field (extracts repeat names, cities, dates and
the same phone in several formats), converting each once; records come as dicts or as columns. How a million
records are read with few passes over memory: the comment above `prepare`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import compress, repeat
from operator import attrgetter, itemgetter
from typing import Any

import phonenumbers

from .base import (
    ANONYMOUS_NAMES,
    COUNTRY_REGIONS,
    EMAIL,
    FIELDS,
    FOLD,
    MONTHS,
    TEST_DOMAINS,
    TEST_NAMES,
    TITLES,
    Options,
    Prepared,
)


@lru_cache(maxsize=500_000)
def fold(text: str | None) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: 'Zoë  O'Brien-Smith' -> 'zoe obrien smith';
    letters of other scripts are kept ('Иван Петров' -> 'иван петров')."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # most values: casefold is lower, and there is nothing to decompose, combine or translate
        text = text.lower().replace("'", "").replace("`", "")
    else:
        text = unicodedata.normalize("NFKD", text.casefold().translate(FOLD))
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = re.sub(r"['’`´]", "", text)
        # letters of every script stay ('иван', '王伟'): only Latin accents fold away, above
        return " ".join(_NOT_WORD.sub(" ", text).split())
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=500_000)
def normalise_name(text: str | None) -> str | None:
    """A name for matching: folded, titles dropped ('Dr. José' -> 'jose'); None when empty."""
    words = fold(text).split()
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return " ".join(words) or None


def split_full_name(text: str | None) -> tuple[str | None, str | None]:
    """'Smith, John' or 'Mr John A. Smith' -> ('John A.', 'Smith') (display case kept)."""
    text = " ".join(str(text or "").split())
    if not text:
        return None, None
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip() or None, last.strip() or None
    words = text.split()
    while len(words) > 1 and fold(words[0]) in TITLES:
        words = words[1:]
    if len(words) == 1:
        return None, words[0]
    return " ".join(words[:-1]), words[-1]


@lru_cache(maxsize=1)
def _namer():
    try:
        from nicknames import NickNamer
    except ImportError:  # pragma: no cover - the package is a dependency
        return None
    return NickNamer()


@lru_cache(maxsize=100_000)
def name_variants(first: str | None) -> tuple[str, ...]:
    """The (normalised) first name and the formal names it can be short for: 'bill' -> ('bill', 'william', …)."""
    if not first:
        return ()
    token = first.split()[0]
    namer = _namer()
    canon = set(namer.canonicals_of(token)) if namer is not None else set()
    return tuple(sorted({token} | {fold(c) for c in canon}))


def normalise_email(text: str | None, provider_rules: bool = False) -> tuple[str | None, bool]:
    """(normalised email or None, valid): case and spaces; with provider_rules, +tags and Gmail dots go."""
    raw = "".join(str(text or "").split()).casefold().strip(".;,<>")
    if not raw:
        return None, True
    if raw.startswith("mailto:"):
        raw = raw[7:]
    if not EMAIL.match(raw) or ".." in raw:
        return None, False
    local, _, domain = raw.rpartition("@")
    if provider_rules:
        local = local.split("+", 1)[0] or local
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}", True


def region_for(country: str | None, default: str) -> str:
    """A phonenumbers region from a country cell ('UK', 'Germany', 'de') or the default."""
    text = fold(country)
    if not text:
        return default
    if len(text) == 2:
        return "GB" if text == "uk" else text.upper()
    return COUNTRY_REGIONS.get(text, default)


@lru_cache(maxsize=200_000)
def normalise_phone(text: str | None, region: str = "GB") -> tuple[str | None, bool]:
    """(E.164 or None, valid): '07700 900123' (GB) -> '+447700900123'; '0044 …' and '+49 …' work anywhere."""
    raw = str(text or "").strip()
    if not raw or not re.search(r"\d", raw):
        return None, not raw
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None, False
    if not phonenumbers.is_valid_number(number):
        return None, False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True


def normalise_postcode(text: str | None) -> str | None:
    """'ls1 4ab ' -> 'LS14AB' (spaces and punctuation removed, upper case)."""
    out = re.sub(r"[^A-Z0-9]", "", fold(text).upper())
    return out or None


@lru_cache(maxsize=100_000)
def parse_date(text: str | None, day_first: bool = True) -> date | None:
    """A date from ISO ('1985-03-12', with or without time), 12/03/1985, 12.03.1985, 12-03-85, 19850312,
    '12 March 1985', 'Mar 12, 1985'; None when it is not a date."""
    raw = str(text or "").strip()
    if not raw:
        return None
    iso = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$", raw)
    if iso:
        return _date(int(iso[1]), int(iso[2]), int(iso[3]))
    if re.fullmatch(r"\d{8}", raw):
        return _date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    ymd = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", raw)
    if ymd:
        return _date(int(ymd[1]), int(ymd[2]), int(ymd[3]))
    parts = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", raw)
    if parts:
        a, b, year = int(parts[1]), int(parts[2]), int(parts[3])
        if year < 100:
            year += 1900 if year > date.today().year % 100 else 2000
        day, month = (a, b) if day_first else (b, a)
        if month > 12 >= day:
            day, month = month, day
        return _date(year, month, day)
    words = re.findall(r"[a-z]+|\d+", raw.casefold())
    month = next((MONTHS[w[:3]] for w in words if w[:3] in MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    if month and len(numbers) == 2:
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
        return _date(year, month, day)
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def is_test_record(values: Mapping[str, str | None]) -> bool:
    """Obvious test records: test domains or names like 'Test', 'Mickey Mouse', 'asdf'; anonymous till sales
    ('Walk-in Customer', 'Guest')."""
    email = values.get("email") or ""
    if email.rpartition("@")[2] in TEST_DOMAINS or email.split("@")[0] in ("test", "noreply", "no-reply"):
        return True
    first, last = values.get("first_name") or "", values.get("last_name") or ""
    full = f"{first} {last}".strip()
    return bool(full) and (full in FULL_NAMES or first in TEST_NAMES or last in TEST_NAMES)


FULL_NAMES = TEST_NAMES | ANONYMOUS_NAMES  # what a whole name may be to mark a test or anonymous record
PHONE_CHARS = re.compile(r"[\d\s()+.\-/]+")


def _text(value: Any) -> str:
    return "" if value is None or value == "" else str(value).strip()


@lru_cache(maxsize=512)
def _phone_rules(region: str) -> tuple[int, Any, tuple[str, ...]] | None:
    """(country code, national-prefix pattern, regions sharing the code) of a region, or None when its
    national prefix needs a transformation (then only phonenumbers' own parser is right)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper()) if region else None
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    pattern = re.compile(f"(?:{prefix})") if prefix else None
    if pattern is not None and pattern.groups:
        return None
    return metadata.country_code, pattern, tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(
        metadata.country_code, ()))


@lru_cache(maxsize=512)
def _number_patterns(region: str) -> tuple[Any, tuple[Any, ...]] | None:
    """The general pattern of a region's numbers and one pattern per number type (mobile, fixed line, …)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None

    def desc(d):
        if d is None or not d.national_number_pattern:
            return None
        lengths = frozenset(d.possible_length or ())
        return re.compile(d.national_number_pattern), lengths

    kinds = ("mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip", "personal_number", "pager",
             "uan", "voicemail")  # validity is "any type": the common types first
    general = desc(metadata.general_desc)
    types = tuple(t for t in (desc(getattr(metadata, k, None)) for k in kinds) if t is not None)
    return (general, types) if general else None


def _valid_pattern(nsn: str, regions: Sequence[str]) -> bool:
    """phonenumbers' validity (a known number type of one of the regions), by pattern, without parsing."""
    for region in regions:
        patterns = _number_patterns(region)
        if patterns is None:
            continue
        (general, general_lengths), types = patterns
        if general_lengths and len(nsn) not in general_lengths or not general.fullmatch(nsn):
            continue
        for pattern, lengths in types:
            if (not lengths or len(nsn) in lengths or lengths == frozenset((-1,))) and pattern.fullmatch(nsn):
                return True
    return False


def _valid_national(nsn: str, regions: Sequence[str], valid: dict[tuple[str, Any], bool] | None) -> bool:
    """_valid_pattern, remembered in `valid` (when given) per (national number, regions)."""
    if valid is None:
        return _valid_pattern(nsn, regions)
    known = valid.get((nsn, regions))
    if known is None:
        known = valid[(nsn, regions)] = _valid_pattern(nsn, regions)
    return known


def _fast_phone(key: str, region: str, valid: dict[tuple[str, Any], bool] | None = None) -> str | None:
    """E.164 of a number written with digits only ('+4479…' or national '079…'), when it is valid; None means
    "ask phonenumbers" (also for anything unusual), never "invalid". `valid` (optional) keeps validity per
    (national number, regions): '07911 123456' and '+44 7911 123456' are checked once."""
    if key.startswith("+"):
        digits = key[1:]
        if not digits.isdigit() or digits.startswith("0"):
            return None
        for size in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
            if regions:
                nsn = digits[size:]
                return key if nsn and _valid_national(nsn, regions, valid) else None
        return None
    rules = _phone_rules(region)
    if rules is None or not key.isdigit():
        return None
    code, prefix, regions = rules
    nsn = key
    if prefix is not None and (match := prefix.match(key)) and match.end():
        nsn = key[match.end():]
        if not _valid_national(nsn, regions, valid):
            return None  # the unstripped reading might be the valid one: phonenumbers decides
    elif not _valid_national(nsn, regions, valid):
        return None
    return f"+{code}{nsn}"


def _phone(text: str, region: str, fast_cache: dict[tuple[str, str], str | None],
           valid: dict[tuple[str, Any], bool] | None = None) -> tuple[str | None, bool]:
    """normalise_phone of one value: digits-and-punctuation numbers are read from phonenumbers' metadata
    patterns directly (a full parse costs ~0.1 ms, a million of them minutes); anything the fast reading does
    not accept goes through phonenumbers itself. `fast_cache` holds the fast reading per digit string (one
    number is written several ways: '07700 900123', '+44 7700 900123', '(07700) 900-123')."""
    if text and PHONE_CHARS.fullmatch(text) and not text.startswith("+0"):
        key = _NOT_DIGIT_OR_PLUS.sub("", text)
        if key.startswith("00"):
            key = "+" + key[2:]
        if key.count("+") <= 1 and 6 <= len(key) <= 17:
            fast = fast_cache.get((key, region), False)
            if fast is False:
                fast = fast_cache[(key, region)] = _fast_phone(key, region, valid)
            if fast:
                return fast, True
    return normalise_phone.__wrapped__(text, region)  # distinct values already: no need to fill the LRU cache


_NOT_DIGIT_OR_PLUS = re.compile(r"[^\d+]")


def _phones(raw: Sequence[str], regions: Sequence[str]) -> list[tuple[str | None, bool]]:
    """normalise_phone for a column, once per distinct (text, region) (see `_phone`)."""
    fast_cache: dict[tuple[str, str], str | None] = {}
    valid: dict[tuple[str, Any], bool] = {}
    out = {(text, region): _phone(text, region, fast_cache, valid)
           for text, region in set(zip(raw, regions, strict=True))}
    return [out[(t, r)] for t, r in zip(raw, regions, strict=True)]


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
        value, ok = _phone(text, region, fast_cache, valid)
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
    keep("street", _convert(cells["street"], lambda cell: (_street(t := _text(cell)), _squash(t))))
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
    of each: a test email, or a first, last or full name in TEST_NAMES. A full name of two present parts
    ("mickey mouse") can only be one when the first name starts a test name, so only those records are paired."""
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


STREET_WORDS = {"street": "st", "strasse": "str", "straße": "str", "road": "rd", "avenue": "ave", "lane": "ln",
                "drive": "dr", "place": "pl", "court": "ct", "crescent": "cres", "close": "cl", "square": "sq"}


def _street(text: str) -> str | None:
    words = [STREET_WORDS.get(w, w) for w in fold(text).split()]
    return " ".join(words) or None

