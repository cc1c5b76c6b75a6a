"""Preparation: normalise emails, phones, names, postcodes and dates; flag invalid values and test records.

`prepare` works column by column on the distinct values of each field (extracts repeat names, cities, dates and
the same phone in several formats), so a million records cost a few seconds rather than a per-record loop.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import compress
from operator import methodcaller
from typing import Any

import phonenumbers

from .base import COUNTRY_REGIONS, EMAIL, FIELDS, FOLD, MONTHS, TEST_DOMAINS, TEST_NAMES, TITLES, Options, Prepared


@lru_cache(maxsize=500_000)
def fold(text: str | None) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: 'Zoë  O'Brien-Smith' -> 'zoe obrien smith'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text).casefold().translate(FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`´]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


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
    """Obvious test records: test domains or names like 'Test', 'Mickey Mouse', 'asdf'."""
    email = values.get("email") or ""
    if email.rpartition("@")[2] in TEST_DOMAINS or email.split("@")[0] in ("test", "noreply", "no-reply"):
        return True
    first, last = values.get("first_name") or "", values.get("last_name") or ""
    full = f"{first} {last}".strip()
    return bool(full) and (full in TEST_NAMES or first in TEST_NAMES or last in TEST_NAMES)


PHONE_CHARS = re.compile(r"[\d\s()+.\-/]+")


def _text(value: Any) -> str:
    return "" if value is None or value == "" else str(value).strip()


def _distinct(values: Sequence[Any], function: Callable[[Any], Any]) -> list[Any]:
    """function(value) for every value, computed once per distinct value."""
    mapped = {v: function(v) for v in set(values)}
    return list(map(mapped.__getitem__, values))  # C-level loop: this runs ~30 times per million records


def _column(records: Sequence[Mapping[str, Any]], name: str) -> list[str]:
    """One field of every record as trimmed text ('' when empty), converted once per distinct cell value."""
    cells = list(map(methodcaller("get", name), records))
    try:
        return _distinct(cells, _text)
    except TypeError:  # an unhashable cell (a list…): convert one by one
        return [_text(v) for v in cells]


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


def _valid_national(nsn: str, regions: Sequence[str]) -> bool:
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


def _fast_phone(key: str, region: str) -> str | None:
    """E.164 of a number written with digits only ('+4479…' or national '079…'), when it is valid; None means
    "ask phonenumbers" (also for anything unusual), never "invalid"."""
    if key.startswith("+"):
        digits = key[1:]
        if not digits.isdigit() or digits.startswith("0"):
            return None
        for size in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
            if regions:
                nsn = digits[size:]
                return key if nsn and _valid_national(nsn, regions) else None
        return None
    rules = _phone_rules(region)
    if rules is None or not key.isdigit():
        return None
    code, prefix, regions = rules
    nsn = key
    if prefix is not None and (match := prefix.match(key)) and match.end():
        nsn = key[match.end():]
        if not _valid_national(nsn, regions):
            return None  # the unstripped reading might be the valid one: phonenumbers decides
    elif not _valid_national(nsn, regions):
        return None
    return f"+{code}{nsn}"


def _phones(raw: Sequence[str], regions: Sequence[str]) -> list[tuple[str | None, bool]]:
    """normalise_phone for a column, once per distinct value: digits-and-punctuation numbers are read from
    phonenumbers' metadata patterns directly (a full parse costs ~0.1 ms, a million of them minutes); anything
    the fast reading does not accept goes through phonenumbers itself."""
    out: dict[tuple[str, str], tuple[str | None, bool]] = {}
    for text, region in set(zip(raw, regions, strict=True)):
        if text and PHONE_CHARS.fullmatch(text) and not text.startswith("+0"):
            key = re.sub(r"[^\d+]", "", text)
            if key.startswith("00"):
                key = "+" + key[2:]
            if key.count("+") <= 1 and 6 <= len(key) <= 17 and (fast := _fast_phone(key, region)):
                out[(text, region)] = (fast, True)
                continue
        out[(text, region)] = normalise_phone(text, region)
    return [out[(t, r)] for t, r in zip(raw, regions, strict=True)]


def prepare(records: Sequence[Mapping[str, Any]], options: Options | None = None,
            progress: Callable[[float], None] | None = None) -> tuple[list[Prepared], dict[str, int]]:
    """Normalise every record; returns the prepared records and how many values each field had changed.

    Works per column on distinct values; `progress` (optional) receives fractions 0..1 of this stage.
    """
    options = options or Options()
    report = progress or (lambda _fraction: None)
    raw = {f: _column(records, f) for f in FIELDS}
    systems = [_text(r.get("system")) or "unknown" for r in records]
    ids = [str(r.get("source_record_id") or i) for i, r in enumerate(records)]  # keys must not change
    report(0.15)
    firsts, lasts = raw["first_name"], raw["last_name"]
    for i in (i for i, full in enumerate(raw["full_name"]) if full and not (firsts[i] and lasts[i])):
        first_split, last_split = split_full_name(raw["full_name"][i])
        firsts[i], lasts[i] = firsts[i] or first_split or "", lasts[i] or last_split or ""
    values: dict[str, list[Any]] = {}
    display: dict[str, list[Any]] = {}
    for name, column in (("first_name", firsts), ("last_name", lasts)):
        values[name] = _distinct(column, normalise_name)
        display[name] = _distinct(column, lambda t: " ".join(t.split()) or None)
    provider = options.email_provider_rules
    emails = _distinct(raw["email"], lambda t: normalise_email(t, provider))
    values["email"] = display["email"] = [e for e, _ in emails]
    report(0.35)
    regions = _distinct(raw["country"], lambda t: region_for(t, options.default_region))
    phones = _phones(raw["phone"], regions)
    values["phone"] = display["phone"] = [p for p, _ in phones]
    report(0.6)

    def birth(text: str) -> tuple[str | None, str | None, bool]:
        born = parse_date(text, options.day_first)
        # Matched as YYYYMMDD; an 8-digit value that is not a date (a typo) is still compared character-wise.
        digits = re.sub(r"\D", "", text)
        value = born.strftime("%Y%m%d") if born else (digits if len(digits) == 8 else None)
        return value, born.isoformat() if born else None, bool(text) and born is None

    births = _distinct(raw["birth_date"], birth)
    values["birth_date"] = [b[0] for b in births]
    display["birth_date"] = [b[1] for b in births]
    values["street"] = _distinct(raw["street"], _street)
    display["street"] = _distinct(raw["street"], lambda t: " ".join(t.split()) or None)
    values["house_number"] = _distinct(raw["house_number"], lambda t: fold(t).replace(" ", "") or None)
    display["house_number"] = [t or None for t in raw["house_number"]]
    values["city"] = _distinct(raw["city"], lambda t: fold(t) or None)
    display["city"] = _distinct(raw["city"], lambda t: " ".join(t.split()) or None)
    values["postal_code"] = _distinct(raw["postal_code"], normalise_postcode)
    display["postal_code"] = _distinct(raw["postal_code"], lambda t: " ".join(t.upper().split()) or None)
    values["country"] = _distinct(raw["country"], lambda t: region_for(t, "") or None)
    display["country"] = [v or (t or None) for v, t in zip(values["country"], raw["country"], strict=True)]
    values["loyalty_id"] = display["loyalty_id"] = _distinct(raw["loyalty_id"],
                                                             lambda t: re.sub(r"\s+", "", t).upper() or None)
    stamps = _distinct([u or c for u, c in zip(raw["updated_at"], raw["created_at"], strict=True)],
                       lambda t: (d.isoformat() if (d := parse_date(t, options.day_first)) else ""))
    report(0.75)
    # "What was normalised": changes beyond case and spacing (accents, titles, formats, punctuation).
    changed: Counter = Counter()
    for name, before in (("first_name", firsts), ("last_name", lasts), ("email", raw["email"]),
                         ("phone", raw["phone"]), ("birth_date", raw["birth_date"]),
                         ("postal_code", raw["postal_code"])):
        for (text, value), count in Counter(zip(before, values[name], strict=True)).items():
            plain = " ".join(text.casefold().split())
            if name == "postal_code":
                plain = plain.replace(" ", "").upper()
            if text and value and value != plain:
                changed[name] += count
    nick = options.nicknames
    variants = _distinct(values["first_name"], lambda f: name_variants(f) if nick else ((f.split()[0],) if f else ()))
    invalid_email = [bool(t) and not ok for t, (_, ok) in zip(raw["email"], emails, strict=True)]
    invalid_phone = [not ok for _, ok in phones]
    invalid_birth = [b[2] for b in births]
    tests = _test_flags(values)
    report(0.85)
    names = list(values)
    value_rows = zip(*(values[f] for f in names), strict=True)
    display_rows = zip(*(display[f] for f in names), strict=True)
    # Issue names per combination of flags, worked out once (a record's list is its own copy).
    flags = list(zip(invalid_email, invalid_phone, invalid_birth, strict=True))
    issue_lists = {f: [issue for issue, on in zip(("invalid_email", "invalid_phone", "invalid_birth_date"), f,
                                                  strict=True) if on] for f in set(flags)}
    out = []
    for i, (system, source_id, vrow, drow, flag) in enumerate(zip(systems, ids, value_rows, display_rows, flags,
                                                                  strict=True)):
        # Only the fields a record has (absent = None through .get): a dict of ten keys or fewer is half the
        # size of one of eleven, which is a gigabyte over a million records and two dicts each. compress()
        # keeps the present (non-empty) values at C speed.
        out.append(Prepared(i, f"{system}:{source_id}", system, source_id,
                            dict(compress(zip(names, vrow, strict=True), vrow)),
                            dict(compress(zip(names, drow, strict=True), drow)),
                            variants[i], stamps[i], list(issue_lists[flag]) if any(flag) else [], tests[i]))
    report(1.0)
    return out, dict(changed)


def _test_flags(values: Mapping[str, Sequence[str | None]]) -> list[bool]:
    """is_test_record for every record, once per distinct (email, first name, last name)."""
    rows = list(zip(values["email"], values["first_name"], values["last_name"], strict=True))
    return _distinct(rows, lambda row: is_test_record({"email": row[0], "first_name": row[1], "last_name": row[2]}))

STREET_WORDS = {"street": "st", "strasse": "str", "straße": "str", "road": "rd", "avenue": "ave", "lane": "ln",
                "drive": "dr", "place": "pl", "court": "ct", "crescent": "cres", "close": "cl", "square": "sq"}


def _street(text: str) -> str | None:
    words = [STREET_WORDS.get(w, w) for w in fold(text).split()]
    return " ".join(words) or None

