"""Customer identity resolution across systems: preparation, deterministic rules, Splink, clusters, golden records.

Pure: plain records in (dicts with `system`, `source_record_id` and any customer field), plain results out;
no Flask, no ORM. The probabilistic model is Splink (Fellegi-Sunter, trained unsupervised per run with EM) on
its embedded DuckDB backend; everything runs offline.

Pipeline:
1. prepare — normalise emails (case, spaces; provider dots/plus-tags as an option), phones to E.164 (with a
   default region, or the record's country), names (accents, case, punctuation, titles; nickname variants from
   the `nicknames` package), postcodes, dates in several formats; flag invalid values and test records.
2. deterministic rules — records sharing a loyalty id, normalised email or phone link outright (configurable),
   unless both carry first names that are not compatible (a household sharing an email is not one person).
3. probabilistic — Splink with blocking rules and comparisons chosen from the fields present, term-frequency
   adjustments for names and cities.
4. clusters (connected components at the threshold, review decisions applied) and golden records by
   survivorship rule per field (source_priority, most_recent, most_complete, most_common).
5. what a consultant shows: real customers vs records, duplicate rate per system, overlap between systems,
   per-system data quality, a review queue and explanations (each field's match weight; they sum to the pair's).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import Any

import phonenumbers

FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "birth_date", "street", "house_number",
          "city", "postal_code", "country", "loyalty_id", "created_at", "updated_at")
RULES = ("loyalty_id", "email", "phone")
SURVIVORSHIP_RULES = ("source_priority", "most_recent", "most_complete", "most_common")
GOLDEN_FIELDS = ("first_name", "last_name", "email", "phone", "birth_date", "street", "house_number", "city",
                 "postal_code", "country", "loyalty_id")
DEFAULT_SURVIVORSHIP = {
    "first_name": "most_complete", "last_name": "most_recent", "email": "most_recent", "phone": "most_recent",
    "birth_date": "most_common", "street": "most_recent", "house_number": "most_recent", "city": "most_recent",
    "postal_code": "most_recent", "country": "most_recent", "loyalty_id": "source_priority",
}
LABELS = {"first_name": "First name", "last_name": "Last name", "email": "Email", "phone": "Phone",
          "birth_date": "Date of birth", "street": "Street", "house_number": "House number", "city": "City",
          "postal_code": "Address", "loyalty_id": "Loyalty id"}
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle", "m"}
TEST_DOMAINS = {"example.com", "example.org", "example.net", "test.com", "test.de", "mailinator.com",
                "invalid.com", "noemail.com", "none.com"}
TEST_NAMES = {"test", "testing", "tester", "dummy", "asdf", "qwerty", "xxx", "abc", "foo", "bar", "sample",
              "mickey mouse", "donald duck", "john doe", "jane doe"}
COUNTRY_REGIONS = {"uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
                   "wales": "GB", "ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR",
                   "spain": "ES", "italy": "IT", "netherlands": "NL", "belgium": "BE", "usa": "US",
                   "united states": "US", "austria": "AT", "switzerland": "CH"}
EMAIL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                         "nov", "dec"))}


# --- options and results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """How a run prepares, matches and merges; the defaults work on a typical retail extract untuned."""

    default_region: str = "GB"  # phones without a country code (and records without a country)
    threshold: float = 0.9  # match probability at or above which a pair is the same customer
    review_low: float = 0.5  # pairs between review_low and threshold go to the review queue
    rules: tuple[str, ...] = RULES  # deterministic rules: a subset of RULES
    email_provider_rules: bool = False  # drop +tags everywhere and dots for Gmail
    nicknames: bool = True
    day_first: bool = True  # 03/04/1985 is 3 April (switched automatically when a part is > 12)
    probabilistic: bool = True
    exclude_test_records: bool = True
    household_guard: bool = True  # different first names and no same birth date: review, never auto-merge
    source_priority: tuple[str, ...] = ()  # systems, most trusted first (default: order of appearance)
    survivorship: Mapping[str, str] = field(default_factory=dict)  # field -> one of SURVIVORSHIP_RULES
    decisions: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (key, key) sorted -> accept/reject
    max_u_pairs: int = 200_000  # u estimates from random pairs (more: slower, barely different here)
    seed: int = 42

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1 or not 0 < self.review_low <= 1:
            raise ValueError("Thresholds are probabilities in (0, 1].")
        if unknown := set(self.rules) - set(RULES):
            raise ValueError(f"Unknown rule(s): {', '.join(sorted(unknown))}; use {', '.join(RULES)}.")
        for name, rule in self.survivorship.items():
            if rule not in SURVIVORSHIP_RULES:
                raise ValueError(f"Unknown survivorship rule {rule!r} for {name}.")


@dataclass
class Prepared:
    """One record after preparation: matching values (normalised), display values and what was wrong."""

    index: int
    key: str  # "system:source_record_id", stable across runs (review decisions are kept by it)
    system: str
    source_record_id: str
    values: dict[str, str | None]  # normalised, for matching
    display: dict[str, str | None]  # cleaned for people (golden records)
    variants: tuple[str, ...] = ()  # first name and its nickname canonicals
    recency: str = ""  # ISO date of updated_at (else created_at)
    issues: list[str] = field(default_factory=list)
    test: bool = False


@dataclass(frozen=True)
class Contribution:
    """One field's part in a pair's match weight."""

    field: str
    left: str | None
    right: str | None
    level: str
    weight: float

    @property
    def words(self) -> str:
        """E.g. "Email: exact match (+10.2)"."""
        label = LABELS.get(self.field, self.field)
        if self.field == "prior":
            return f"Starting point (how likely two random records match): {self.weight:+.1f}"
        return f"{label}: {self.level} ({self.weight:+.1f})"


@dataclass(frozen=True)
class Pair:
    """Two records scored as possibly the same customer."""

    left: int
    right: int
    probability: float
    weight: float
    rule: str | None = None  # the deterministic rule that linked them, if any
    contributions: tuple[Contribution, ...] = ()
    held: str | None = None  # why a pair above the threshold is not merged without review


@dataclass
class Result:
    """A run's outcome (see `summary()` for the JSON document)."""

    records: list[Prepared]
    pairs: list[Pair]
    cluster_of: list[int]
    clusters: list[list[int]]
    golden: list[dict[str, Any]]
    review: list[Pair]
    quality: dict[str, dict[str, Any]]
    overlap: dict[str, Any]
    duplicate_rate: dict[str, float]
    normalised: dict[str, int]
    blocking_rules: list[str]
    model: dict[str, Any]
    options: Options

    @property
    def real_customers(self) -> int:
        return len(self.clusters)

    def pair(self, a: str, b: str) -> Pair | None:
        """The scored pair of two record keys, if it was compared."""
        index = {r.key: r.index for r in self.records}
        i, j = sorted((index.get(a, -1), index.get(b, -1)))
        return next((p for p in self.pairs if (p.left, p.right) == (i, j)), None)

    def summary(self) -> dict[str, Any]:
        """JSON-ready headline figures."""
        return {
            "records": len(self.records),
            "matched_records": sum(1 for r in self.records if not (r.test and self.options.exclude_test_records)),
            "real_customers": self.real_customers,
            "duplicate_rate": self.duplicate_rate,
            "overlap": self.overlap,
            "quality": self.quality,
            "normalised": self.normalised,
            "pairs": len(self.pairs),
            "links": sum(1 for p in self.pairs if p.rule or (p.probability >= self.options.threshold
                                                             and not p.held)),
            "review": len(self.review),
            "blocking_rules": self.blocking_rules,
            "model": self.model,
            "threshold": self.options.threshold,
            "review_low": self.options.review_low,
        }


# --- preparation ---------------------------------------------------------------------------------------


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


def prepare(records: Sequence[Mapping[str, Any]], options: Options | None = None) -> tuple[list[Prepared],
                                                                                            dict[str, int]]:
    """Normalise every record; returns the prepared records and how many values each field had changed."""
    options = options or Options()
    out: list[Prepared] = []
    changed: Counter = Counter()
    for index, record in enumerate(records):
        raw = {f: (str(record.get(f)).strip() if record.get(f) not in (None, "") else "") for f in FIELDS}
        system = str(record.get("system") or "").strip() or "unknown"
        source_id = str(record.get("source_record_id") or index)
        issues: list[str] = []
        first_raw, last_raw = raw["first_name"], raw["last_name"]
        if raw["full_name"] and not (first_raw and last_raw):
            first_split, last_split = split_full_name(raw["full_name"])
            first_raw, last_raw = first_raw or first_split or "", last_raw or last_split or ""
        values: dict[str, str | None] = {}
        display: dict[str, str | None] = {}
        for name, text in (("first_name", first_raw), ("last_name", last_raw)):
            values[name] = normalise_name(text)
            display[name] = " ".join(text.split()) or None
        email, ok = normalise_email(raw["email"], options.email_provider_rules)
        values["email"] = display["email"] = email
        if not ok:
            issues.append("invalid_email")
        region = region_for(raw["country"], options.default_region)
        phone, ok = normalise_phone(raw["phone"], region)
        values["phone"] = display["phone"] = phone
        if not ok:
            issues.append("invalid_phone")
        born = parse_date(raw["birth_date"], options.day_first)
        display["birth_date"] = born.isoformat() if born else None
        # Matched as YYYYMMDD; an 8-digit value that is not a date (a typo) is still compared character-wise.
        digits = re.sub(r"\D", "", raw["birth_date"])
        values["birth_date"] = born.strftime("%Y%m%d") if born else (digits if len(digits) == 8 else None)
        if raw["birth_date"] and born is None:
            issues.append("invalid_birth_date")
        values["street"] = _street(raw["street"])
        display["street"] = " ".join(raw["street"].split()) or None
        values["house_number"] = fold(raw["house_number"]).replace(" ", "") or None
        display["house_number"] = raw["house_number"] or None
        values["city"] = fold(raw["city"]) or None
        display["city"] = " ".join(raw["city"].split()) or None
        values["postal_code"] = normalise_postcode(raw["postal_code"])
        display["postal_code"] = " ".join(raw["postal_code"].upper().split()) or None
        values["country"] = region_for(raw["country"], "") or None
        display["country"] = values["country"] or (raw["country"] or None)
        values["loyalty_id"] = display["loyalty_id"] = re.sub(r"\s+", "", raw["loyalty_id"]).upper() or None
        stamp = parse_date(raw["updated_at"] or raw["created_at"], options.day_first)
        # "What was normalised": changes beyond case and spacing (accents, titles, formats, punctuation).
        for name, before in (("first_name", first_raw), ("last_name", last_raw), ("email", raw["email"]),
                             ("phone", raw["phone"]), ("birth_date", raw["birth_date"]),
                             ("postal_code", raw["postal_code"])):
            plain = " ".join(before.casefold().split())
            if name == "postal_code":
                plain = plain.replace(" ", "").upper()
            if before and values[name] and values[name] != plain:
                changed[name] += 1
        first = values["first_name"]
        variants = name_variants(first) if options.nicknames else ((first.split()[0],) if first else ())
        prepared = Prepared(index, f"{system}:{source_id}", system, source_id, values, display, variants,
                            stamp.isoformat() if stamp else "", issues)
        prepared.test = is_test_record(values)
        out.append(prepared)
    return out, dict(changed)


STREET_WORDS = {"street": "st", "strasse": "str", "straße": "str", "road": "rd", "avenue": "ave", "lane": "ln",
                "drive": "dr", "place": "pl", "court": "ct", "crescent": "cres", "close": "cl", "square": "sq"}


def _street(text: str) -> str | None:
    words = [STREET_WORDS.get(w, w) for w in fold(text).split()]
    return " ".join(words) or None


# --- matching ------------------------------------------------------------------------------------------


class _Components:
    """Union-find over record indexes."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def compatible_first_names(a: Prepared, b: Prepared) -> bool:
    """True unless both have first names that are neither equal, initials of each other nor nicknames."""
    fa, fb = a.values["first_name"], b.values["first_name"]
    if not fa or not fb:
        return True
    ta, tb = fa.split()[0], fb.split()[0]
    if ta == tb:
        return True
    if len(ta) == 1 or len(tb) == 1:  # an initial: of the name or of a formal name it is short for
        initial, other = (ta, b) if len(ta) == 1 else (tb, a)
        return any(v.startswith(initial) for v in other.variants or (other.values["first_name"],))
    return bool(set(a.variants) & set(b.variants))


def deterministic_pairs(records: Sequence[Prepared], rules: Iterable[str] = RULES) -> list[Pair]:
    """Pairs linked by a rule (same loyalty id / email / phone), chained within each group (O(n))."""
    out: dict[tuple[int, int], Pair] = {}
    for rule in rules:
        groups: dict[str, list[Prepared]] = defaultdict(list)
        for r in records:
            if r.values.get(rule):
                groups[r.values[rule]].append(r)
        for value, members in groups.items():
            if len(members) < 2:
                continue
            heads: list[Prepared] = []  # one representative per compatible first-name group
            for r in members:
                head = next((h for h in heads if compatible_first_names(h, r)), None)
                if head is None:
                    heads.append(r)
                    continue
                key = (min(head.index, r.index), max(head.index, r.index))
                if key not in out:
                    label = LABELS[rule].lower()
                    out[key] = Pair(key[0], key[1], 1.0, math.inf, rule,
                                    (Contribution(rule, value, value, f"same {label} (rule)", math.inf),))
    return sorted(out.values(), key=lambda p: (p.left, p.right))


def _present(records: Sequence[Prepared], name: str) -> bool:
    return sum(1 for r in records if r.values.get(name)) >= 2


def _model_columns(records: Sequence[Prepared]) -> list[str]:
    return [f for f in ("first_name", "last_name", "email", "phone", "birth_date", "street", "house_number",
                        "city", "postal_code", "loyalty_id") if _present(records, f)]


def blocking_rules(columns: Sequence[str]) -> list[tuple[str, ...]]:
    """Blocking rules (columns that must be equal) chosen from the columns present, strongest first."""
    candidates = [("email",), ("phone",), ("loyalty_id",), ("first_name", "last_name"),
                  ("postal_code", "last_name"), ("postal_code", "first_initial"), ("birth_date", "last_name"),
                  ("birth_date", "first_initial"), ("street", "house_number"), ("birth_date", "house_number")]
    have = set(columns) | ({"first_initial"} if "first_name" in columns else set())
    return [c for c in candidates if set(c) <= have]


def _comparisons(columns: Sequence[str]):
    """One comparison per field; with a postcode, the address fields form one comparison (they are not
    independent evidence: counting street, number, city and postcode apart over-weights a shared home)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    address = "postal_code" in columns
    out = []
    for name in columns:
        if name == "first_name":
            out.append(cl.CustomComparison([
                cll.NullLevel("first_name"),
                cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
                cll.ArrayIntersectLevel("first_name_variants", 1).configure(label_for_charts="nickname or short form"),
                cll.JaroWinklerLevel("first_name", 0.92).configure(label_for_charts="nearly the same"),
                cll.JaroWinklerLevel("first_name", 0.8).configure(label_for_charts="similar"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="first_name"))
        elif name == "last_name":
            out.append(cl.NameComparison("last_name", jaro_winkler_thresholds=[0.92, 0.8])
                       .configure(term_frequency_adjustments=True))
        elif name == "email":  # not Splink's EmailComparison: similar usernames (jsmith12/jsmith72) are common
            out.append(cl.CustomComparison([
                cll.NullLevel("email"),
                cll.ExactMatchLevel("email", term_frequency_adjustments=True).configure(label_for_charts="same"),
                cll.DamerauLevenshteinLevel("email", 1).configure(label_for_charts="one typo apart"),
                cll.ExactMatchLevel("email_user").configure(label_for_charts="same username, other provider"),
                cll.ElseLevel().configure(label_for_charts="different"),
            ], output_column_name="email"))
        elif name == "phone":
            out.append(cl.DamerauLevenshteinAtThresholds("phone", [1, 2]))
        elif name == "birth_date":
            out.append(cl.DamerauLevenshteinAtThresholds("birth_date", [1]))
        elif name == "postal_code":
            levels = [cll.NullLevel("postal_code")]
            if "street" in columns and "house_number" in columns:
                levels.append(cll.And(cll.ExactMatchLevel("postal_code"), cll.ExactMatchLevel("house_number"),
                                      cll.ExactMatchLevel("street")).configure(label_for_charts="same address"))
            levels += [
                cll.ExactMatchLevel("postal_code", term_frequency_adjustments=True).configure(
                    label_for_charts="same postcode, other street or number"),
                cll.DamerauLevenshteinLevel("postal_code", 1).configure(label_for_charts="postcode one typo apart"),
            ]
            if "city" in columns:
                levels.append(cll.ExactMatchLevel("city").configure(label_for_charts="same city only"))
            levels.append(cll.ElseLevel().configure(label_for_charts="different address"))
            out.append(cl.CustomComparison(levels, output_column_name="postal_code"))
        elif name in ("street", "house_number", "city") and address:
            continue
        elif name == "street":
            out.append(cl.JaroWinklerAtThresholds("street", [0.92]))
        elif name == "city":
            out.append(cl.ExactMatch("city").configure(term_frequency_adjustments=True))
        else:
            out.append(cl.ExactMatch(name))
    return out


def _table(records: Sequence[Prepared], columns: Sequence[str]):
    import pyarrow as pa

    data: dict[str, list] = {"unique_id": [r.index for r in records]}
    for name in columns:
        data[name] = [r.values.get(name) for r in records]
    if "email" in columns:
        data["email_user"] = [(r.values["email"] or "").rpartition("@")[0] or None for r in records]
    if "first_name" in columns:
        data["first_initial"] = [(r.values["first_name"] or "")[:1] or None for r in records]
        data["first_name_variants"] = [list(r.variants) or None for r in records]
    return pa.table(data)


def probabilistic_pairs(records: Sequence[Prepared], options: Options) -> tuple[list[Pair], list[str],
                                                                                dict[str, Any]]:
    """Splink: train (prior from the identifier rules, u by random sampling, m by EM) and score blocked pairs
    at or above review_low. Returns the pairs, the blocking rules used (as text) and model facts."""
    columns = _model_columns(records)
    rules = blocking_rules(columns)
    if len(records) < 2 or not rules or len(columns) < 2:
        return [], [], {"trained": False, "reason": "Not enough fields or records for a model."}
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    frame = db.register(_table(records, columns))
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(columns),
        blocking_rules_to_generate_predictions=[block_on(*r) for r in rules],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    linker = Linker(frame, settings, log_level=logging.ERROR)
    facts: dict[str, Any] = {"trained": True, "columns": columns, "em_sessions": []}
    identifiers = [r for r in rules if len(r) == 1] or rules[:2]
    try:
        linker.training.estimate_probability_two_random_records_match([block_on(*r) for r in identifiers],
                                                                      recall=0.7)
    except Exception as error:  # noqa: BLE001 - e.g. no pair shares an identifier: keep Splink's default prior
        facts["prior_note"] = str(error)[:200]
    linker.training.estimate_u_using_random_sampling(max_pairs=options.max_u_pairs, seed=options.seed,
                                                     min_count_per_level=None, num_chunks=1)
    # EM sessions: each trains every comparison but its blocking columns, so together they train them all.
    sessions = [identifiers[0]] if identifiers and len(identifiers[0]) == 1 else []
    if ("first_name", "last_name") in rules:
        sessions.append(("first_name", "last_name"))
    sessions += [(c,) for c in ("birth_date", "postal_code") if c in columns][:1]
    for rule in sessions:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
            facts["em_sessions"].append(list(rule))
        except Exception as error:  # noqa: BLE001 - too few pairs in a tiny extract: defaults stay
            facts.setdefault("em_notes", []).append(f"{'+'.join(rule)}: {str(error)[:160]}")
    labels: dict[tuple[str, Any], Any] = {}
    for comparison in linker._settings_obj.comparisons:  # level labels, for explanations
        column = getattr(comparison, "output_column_name", "")
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                labels[(column, level.comparison_vector_value)] = str(level.label_for_charts).lower()
                labels[(column, "top")] = max(labels.get((column, "top"), -1), level.comparison_vector_value)
    facts["prior_probability"] = float(linker._settings_obj._probability_two_random_records_match)
    low = min(options.review_low, options.threshold)
    predictions = linker.inference.predict(threshold_match_probability=low)
    pairs = []
    for row in predictions.as_record_list():
        prior = row["match_weight"]
        contributions = []
        for name in columns:
            if f"mw_{name}" not in row:
                continue
            weight = float(row[f"mw_{name}"] or 0.0) + float(row.get(f"mw_tf_adj_{name}") or 0.0)
            prior -= weight
            gamma = row.get(f"gamma_{name}")
            level = "missing on one side" if gamma == -1 else labels.get((name, gamma), f"level {gamma}")
            contributions.append(Contribution(name, row.get(f"{name}_l"), row.get(f"{name}_r"), level, weight))
        contributions.insert(0, Contribution("prior", None, None, "prior", prior))
        left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        held = None
        if (options.household_guard and row.get("gamma_first_name") == 0
                and row.get("gamma_birth_date", 0) != labels.get(("birth_date", "top"), -9)):
            held = "different first names with shared details (a household?): review before merging"
        pairs.append(Pair(left, right, float(row["match_probability"]), float(row["match_weight"]), None,
                          tuple(contributions), held))
    facts["blocked_pairs"] = len(pairs)
    return pairs, [" and ".join(r) for r in rules], facts


def decision_key(a: Prepared, b: Prepared) -> tuple[str, str]:
    """How a review decision is stored: the two record keys, sorted."""
    return tuple(sorted((a.key, b.key)))  # type: ignore[return-value]


# --- resolution ----------------------------------------------------------------------------------------


def resolve(records: Sequence[Mapping[str, Any]], options: Options | None = None) -> Result:
    """Prepare, match (rules then Splink), cluster, build golden records and the consultant's figures."""
    options = options or Options()
    prepared, normalised = prepare(records, options)
    active = [r for r in prepared if not (options.exclude_test_records and r.test)]
    rule_pairs = deterministic_pairs(active, options.rules)
    model_pairs, rules_used, facts = (probabilistic_pairs(active, options) if options.probabilistic
                                      else ([], [], {"trained": False, "reason": "Probabilistic matching off."}))
    by_key: dict[tuple[int, int], Pair] = {(p.left, p.right): p for p in model_pairs}
    for p in rule_pairs:  # a rule link keeps the model's explanation when the model scored the pair too
        scored = by_key.get((p.left, p.right))
        by_key[(p.left, p.right)] = Pair(p.left, p.right, 1.0, scored.weight if scored else math.inf, p.rule,
                                         (scored.contributions if scored else ()) + p.contributions)
    pairs = sorted(by_key.values(), key=lambda p: (p.left, p.right))
    components = _Components(len(prepared))
    decisions = {tuple(sorted(k)): v for k, v in options.decisions.items()}
    undecided = []
    for p in pairs:
        decision = decisions.get(decision_key(prepared[p.left], prepared[p.right]))
        if decision == "reject":
            continue
        if decision == "accept" or p.rule or (p.probability >= options.threshold and not p.held):
            components.union(p.left, p.right)
        else:
            undecided.append(p)
    index = {r.key: r.index for r in prepared}
    for (a, b), decision in decisions.items():  # an accepted pair joins even when this run did not score it
        if decision == "accept" and a in index and b in index:
            components.union(index[a], index[b])
    cluster_of_root: dict[int, int] = {}
    cluster_of: list[int] = []
    clusters: list[list[int]] = []
    for r in prepared:
        root = components.find(r.index)
        if root not in cluster_of_root:
            cluster_of_root[root] = len(clusters)
            clusters.append([])
        cluster_of.append(cluster_of_root[root])
        clusters[cluster_of_root[root]].append(r.index)
    if options.exclude_test_records:  # test records are reported, never counted as customers
        keep = [c for c in clusters if not all(prepared[i].test for i in c)]
        clusters = keep
        cluster_of = [-1] * len(prepared)
        for number, members in enumerate(clusters):
            for i in members:
                cluster_of[i] = number
    review = sorted((p for p in undecided if cluster_of[p.left] != cluster_of[p.right]),
                    key=lambda p: -p.probability)
    systems = list(dict.fromkeys(r.system for r in prepared))
    priority = list(options.source_priority) + [s for s in systems if s not in options.source_priority]
    golden = [golden_record([prepared[i] for i in members], priority, options.survivorship, number)
              for number, members in enumerate(clusters)]
    return Result(prepared, pairs, cluster_of, clusters, golden, review, quality(prepared, systems),
                  overlap([{prepared[i].system for i in c} for c in clusters], systems),
                  duplicate_rates(prepared, cluster_of, systems), normalised, rules_used, facts, options)


def golden_record(members: Sequence[Prepared], priority: Sequence[str], survivorship: Mapping[str, str],
                  number: int = 0) -> dict[str, Any]:
    """One customer from its records: per field, the surviving value by rule; `sources` says which record."""
    rank = {s: i for i, s in enumerate(priority)}
    by_priority = sorted(members, key=lambda r: (rank.get(r.system, len(rank)), r.index))
    out: dict[str, Any] = {"customer": number + 1, "records": [r.key for r in members],
                           "systems": sorted({r.system for r in members}), "sources": {}}
    for name in GOLDEN_FIELDS:
        rule = survivorship.get(name, DEFAULT_SURVIVORSHIP.get(name, "source_priority"))
        candidates = [r for r in by_priority if r.display.get(name)]
        if not candidates:
            out[name] = None
            continue
        if rule == "most_recent":
            chosen = max(candidates, key=lambda r: r.recency)  # max keeps the first (by priority) on ties
        elif rule == "most_complete":
            chosen = max(candidates, key=lambda r: len(r.values.get(name) or ""))
        elif rule == "most_common":
            counts = Counter(r.values.get(name) for r in candidates)
            chosen = max(candidates, key=lambda r: counts[r.values.get(name)])
        else:
            chosen = candidates[0]
        out[name] = chosen.display[name]
        out["sources"][name] = chosen.key
    return out


def quality(records: Sequence[Prepared], systems: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per system: records, fill rate per field, invalid emails/phones/dates and test records."""
    out = {}
    for system in systems:
        rows = [r for r in records if r.system == system]
        n = len(rows) or 1
        fill = {f: round(sum(1 for r in rows if r.display.get(f) or (f in ("email", "phone", "birth_date")
                                                                      and _issue(r, f))) / n, 4)
                for f in GOLDEN_FIELDS}
        out[system] = {
            "records": len(rows),
            "fill_rate": fill,
            "invalid_email": sum(1 for r in rows if "invalid_email" in r.issues),
            "invalid_phone": sum(1 for r in rows if "invalid_phone" in r.issues),
            "invalid_birth_date": sum(1 for r in rows if "invalid_birth_date" in r.issues),
            "test_records": sum(1 for r in rows if r.test),
            "test_examples": [r.source_record_id for r in rows if r.test][:5],
        }
    return out


def _issue(record: Prepared, name: str) -> bool:
    return f"invalid_{name}" in record.issues


def overlap(cluster_systems: Sequence[set[str]], systems: Sequence[str]) -> dict[str, Any]:
    """How many customers are in 1, 2, 3… systems, and in each pair of systems (diagonal: in that system)."""
    by_count = Counter(len(s) for s in cluster_systems)
    matrix = {a: dict.fromkeys(systems, 0) for a in systems}
    exactly = Counter()
    for present in cluster_systems:
        exactly[" + ".join(sorted(present))] += 1
        for a in present:
            matrix[a][a] += 1
        for a, b in combinations(sorted(present), 2):
            matrix[a][b] += 1
            matrix[b][a] += 1
    return {"systems": list(systems), "by_count": {str(k): by_count[k] for k in sorted(by_count)},
            "matrix": matrix, "combinations": dict(exactly.most_common())}


def duplicate_rates(records: Sequence[Prepared], cluster_of: Sequence[int], systems: Sequence[str]) -> dict[
        str, float]:
    """Per system: share of its (non-test) records that duplicate another record of the same system."""
    out = {}
    for system in systems:
        clustered = [cluster_of[r.index] for r in records if r.system == system and cluster_of[r.index] >= 0]
        out[system] = round(1 - len(set(clustered)) / len(clustered), 4) if clustered else 0.0
    return out


def explain(pair: Pair) -> list[dict[str, Any]]:
    """A pair's explanation: one entry per field (and the prior), weights summing to the pair's match weight."""
    return [{"field": c.field, "label": LABELS.get(c.field, "Prior" if c.field == "prior" else c.field),
             "left": c.left, "right": c.right, "level": c.level,
             "weight": None if math.isinf(c.weight) else round(c.weight, 3), "words": c.words}
            for c in pair.contributions]

