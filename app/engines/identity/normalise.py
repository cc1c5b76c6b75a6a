"""Normalisers for single values: names, emails, phones, postcodes, dates, streets; test and anonymous records.

Each takes one value and is cached; `preparation.prepare` applies them to whole extracts, once per distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

import phonenumbers

from .base import (
    ANONYMOUS_NAMES,
    COUNTRY_REGIONS,
    EMAIL,
    FOLD,
    MONTHS,
    TEST_DOMAINS,
    TEST_NAMES,
    TITLES,
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


# German (and other continental) short forms the `nicknames` package (English names) does not know.
CONTINENTAL_NICKNAMES = {
    "andi": ("andreas",), "basti": ("sebastian",), "matze": ("matthias",), "micha": ("michael",),
    "kathi": ("katharina",), "steffi": ("stefanie", "stephanie"), "susi": ("susanne",), "jenny": ("jennifer",),
    "dani": ("daniel", "daniela"), "chris": ("christian", "christopher", "christina", "christine"),
    "alex": ("alexander", "alexandra"), "flo": ("florian",), "uli": ("ulrich", "ulrike"), "sepp": ("josef",),
    "jupp": ("josef",), "hansi": ("hans", "johannes"), "hannes": ("johannes",), "toni": ("anton", "antonia"),
    "gabi": ("gabriele",), "moni": ("monika",), "biggi": ("birgit",), "conny": ("cornelia",),
    "manu": ("manuel", "manuela"), "caro": ("caroline", "carolin"), "resi": ("theresa", "therese"),
    "wolle": ("wolfgang",), "jochen": ("joachim",), "fritz": ("friedrich",), "klaus": ("nikolaus",),
    "lenchen": ("helene", "magdalena"), "bine": ("sabine",), "tobi": ("tobias",),
    "fabi": ("fabian",), "nico": ("nikolas", "nicolas"), "paco": ("francisco",),
    "pepe": ("jose",), "lulu": ("louise", "luise"), "mia": ("maria",),
}


@lru_cache(maxsize=100_000)
def name_variants(first: str | None) -> tuple[str, ...]:
    """The (normalised) first name and the formal names it can be short for: 'bill' -> ('bill', 'william', …)."""
    if not first:
        return ()
    token = first.split()[0]
    namer = _namer()
    canon = set(namer.canonicals_of(token)) if namer is not None else set()
    canon.update(CONTINENTAL_NICKNAMES.get(token, ()))
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


STREET_WORDS = {"street": "st", "strasse": "str", "straße": "str", "road": "rd", "avenue": "ave", "lane": "ln",
                "drive": "dr", "place": "pl", "court": "ct", "crescent": "cres", "close": "cl", "square": "sq"}


def normalise_street(text: str) -> str | None:
    """A street for matching: folded, common words abbreviated ('Church Road' -> 'church rd')."""
    words = [STREET_WORDS.get(w, w) for w in fold(text).split()]
    return " ".join(words) or None

