"""Constants, options and result types of the identity engine (pure: no Flask, no ORM)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .backends import Backend

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
              "mickey mouse", "donald duck", "john doe", "jane doe",
              # anonymous till sales, no person to resolve (folded: 'Walk-in' -> 'walk in'); never a real name part
              "walk in", "walkin", "anonymous", "unknown", "noname", "customer"}
# Anonymous only as the whole name: 'Guest' alone is a till sale, 'John Guest' is a person.
ANONYMOUS_NAMES = {"guest", "guest customer", "cash customer", "cash sale", "no name", "n a", "walk in customer",
                   "unknown customer", "anonymous customer"}
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
    household_guard: bool = True  # different first names, no same birth date or loyalty id: review, never auto-merge
    # Never merge records that contradict each other (conflicts.py): such links are held for review and clusters
    # are split at their weakest links until no two members conflict (splitting.py).
    conflicts: bool = True
    # An email, phone or loyalty id on more records than this is a placeholder (a store's own address, a dummy
    # number keyed at the till), not a person: it neither links records nor counts as agreement.
    max_shared_identifier: int = 10
    source_priority: tuple[str, ...] = ()  # systems, most trusted first (default: order of appearance)
    survivorship: Mapping[str, str] = field(default_factory=dict)  # field -> one of SURVIVORSHIP_RULES
    decisions: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (key, key) sorted -> accept/reject
    max_u_pairs: int = 150_000  # u from random pairs: each costs every comparison (~10 µs); estimates settle early
    max_training_records: int = 100_000  # the model trains on a seeded sample of this many records at most
    # Blocking rules are taken strongest first while the pairs they generate together stay within
    # max(min_block_comparisons, block_comparisons_per_record × records); a rule that would exceed it is left out.
    block_comparisons_per_record: float = 8.0
    min_block_comparisons: int = 2_000_000
    # DuckDB's memory cap (it spills to a temporary directory beyond it). At a million records 1,536 MiB put the
    # run's peak over 4 GiB; 896 MiB scored no slower (bench/bench_identity_stages.py).
    duckdb_memory_mib: int = 896
    seed: int = 42
    backend: Backend = Backend()  # where Splink runs (backends.py): set from configuration, not per run

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1 or not 0 < self.review_low <= 1:
            raise ValueError("Thresholds are probabilities in (0, 1].")
        if self.max_shared_identifier < 2:
            raise ValueError("max_shared_identifier must be at least 2 (two records sharing a value).")
        if unknown := set(self.rules) - set(RULES):
            raise ValueError(f"Unknown rule(s): {', '.join(sorted(unknown))}; use {', '.join(RULES)}.")
        for name, rule in self.survivorship.items():
            if rule not in SURVIVORSHIP_RULES:
                raise ValueError(f"Unknown survivorship rule {rule!r} for {name}.")


@dataclass(slots=True)  # a million of them: no per-instance __dict__
class Prepared:
    """One record after preparation: matching values (normalised), display values and what was wrong."""

    index: int
    key: str  # "system:source_record_id", stable across runs (review decisions are kept by it)
    system: str
    source_record_id: str
    values: dict[str, str | None]  # normalised, for matching; only the fields present (use .get)
    display: dict[str, str | None]  # cleaned for people (golden records); only the fields present
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


class Pair:
    """Two records scored as possibly the same customer.

    A model pair computes its explanation (`contributions`) on first access: a million-record run scores
    hundreds of thousands of pairs, and only the few shown or stored are ever explained.
    """

    __slots__ = ("left", "right", "probability", "weight", "rule", "held", "_contributions", "_source")

    def __init__(self, left: int, right: int, probability: float, weight: float, rule: str | None = None,
                 contributions: tuple[Contribution, ...] | None = (), held: str | None = None,
                 source: tuple[Any, int] | None = None) -> None:
        self.left, self.right, self.probability, self.weight = left, right, probability, weight
        self.rule = rule  # the deterministic rule that linked them, if any
        self.held = held  # why a pair above the threshold is not merged without review
        self._contributions = contributions
        self._source = source  # (scored table, row) that explains the pair lazily

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        """Each field's part in the match weight (the prior first), then the rule's, if any."""
        if self._contributions is None:
            table, row = self._source  # type: ignore[misc]
            self._contributions = table.contributions(row)
            self._source = None
        return self._contributions

    def _key(self) -> tuple:
        return (self.left, self.right, self.probability, self.weight, self.rule, self.contributions, self.held)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pair) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.left, self.right, self.rule))

    def __repr__(self) -> str:
        return (f"Pair({self.left}, {self.right}, probability={self.probability:.4f}, weight={self.weight:.3f}, "
                f"rule={self.rule!r}, held={self.held!r})")


@dataclass
class Result:
    """A run's outcome (see `summary()` for the JSON document)."""

    records: list[Prepared]
    pairs: list[Pair]
    cluster_of: list[int]
    clusters: list[list[int]]
    golden: Sequence[dict[str, Any]]  # clusters.GoldenRecords: each built when read
    review: list[Pair]
    quality: dict[str, dict[str, Any]]
    overlap: dict[str, Any]
    duplicate_rate: dict[str, float]
    normalised: dict[str, int]
    blocking_rules: list[str]
    model: dict[str, Any]
    options: Options
    placeholders: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> {value: records}, set aside
    # The customer count if the pairs held only because nothing but the name (and city) agrees were merged where
    # the conflict splitting lets them: the low end of the range whose high end is real_customers.
    customers_if_names_merged: int | None = None

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
            # low: held name-only pairs merged where they would merge; high: as counted (docs/identity.md)
            "customers_range": {"low": self.real_customers if self.customers_if_names_merged is None
                                else min(self.customers_if_names_merged, self.real_customers),
                                "high": self.real_customers},
            "duplicate_rate": self.duplicate_rate,
            "overlap": self.overlap,
            "quality": self.quality,
            "normalised": self.normalised,
            "pairs": len(self.pairs),
            "links": sum(1 for p in self.pairs if (p.rule or p.probability >= self.options.threshold)
                         and not p.held),
            "review": len(self.review),
            "blocking_rules": self.blocking_rules,
            "model": self.model,
            "threshold": self.options.threshold,
            "review_low": self.options.review_low,
            "placeholders": {name: [[value, count] for value, count in list(values.items())[:10]]
                             for name, values in self.placeholders.items()},
        }


