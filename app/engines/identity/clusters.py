"""Clusters (connected components of the links), golden records by survivorship, overlap, duplicate rates and
per-system data quality.

A million-record run has ~400,000 customers: these are one pass each over records or clusters, with the
per-field work of a golden record done only for customers of several records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from itertools import chain, combinations, compress
from operator import attrgetter
from typing import Any

import numpy as np

from .base import DEFAULT_SURVIVORSHIP, GOLDEN_FIELDS, Prepared


def component_numbers(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The connected component of each of n items joined by links (left[k], right[k]), numbered 0, 1, … in
    the order of each component's first (lowest) item."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    number = np.empty(count, dtype=np.int64)
    number[np.argsort(first, kind="stable")] = np.arange(count, dtype=np.int64)
    return number[labels]


def components(n: int, links: Iterable[tuple[int, int]]) -> list[int]:
    """The component root (its lowest item) of each of n items joined by links."""
    pairs = np.array(list(links), dtype=np.int64).reshape(-1, 2)
    numbers = component_numbers(n, pairs[:, 0], pairs[:, 1])
    if n == 0:
        return []
    first = np.full(int(numbers.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, numbers, np.arange(n, dtype=np.int64))
    return first[numbers].tolist()


def _rules(survivorship: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, survivorship.get(name, DEFAULT_SURVIVORSHIP.get(name, "source_priority")))
                 for name in GOLDEN_FIELDS)


class GoldenRecords(Sequence):
    """The golden records of a run's clusters, each built when it is read: golden[i] is
    golden_records(...)[i]. A million-record run has ~400,000 customers (~0.5 GB of dicts); a stored run keeps
    the first 20,000 and exports read them once, so none is held that is not used."""

    def __init__(self, records: Sequence[Prepared], clusters: Sequence[Sequence[int]], priority: Sequence[str],
                 survivorship: Mapping[str, str]) -> None:
        self._records, self._clusters = records, clusters
        self._rules = _rules(survivorship)
        self._rank = {s: i for i, s in enumerate(priority)}

    def __len__(self) -> int:
        return len(self._clusters)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._golden(k) for k in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("golden record index out of range")
        return self._golden(index % len(self))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._golden, range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # compares by content, like a list

    def __repr__(self) -> str:
        return f"GoldenRecords({len(self)} customers)"

    def _golden(self, number: int) -> dict[str, Any]:
        members = self._clusters[number]
        if len(members) == 1:
            r = self._records[members[0]]
            display, key = r.display, r.key
            golden = {"customer": number + 1, "records": [key], "systems": [r.system],
                      "sources": {name: key for name in GOLDEN_FIELDS if display.get(name)}}
            golden.update((name, display.get(name) or None) for name in GOLDEN_FIELDS)
            return golden
        chosen = [self._records[i] for i in members]
        rank, unranked = self._rank, len(self._rank)
        by_priority = sorted(chosen, key=lambda r: (rank.get(r.system, unranked), r.index))
        # Records from prepare() hold only filled-in display values: then the rules are dict merges.
        if all(map(all, map(dict.values, map(attrgetter("display"), chosen)))):
            return _golden_by_merging(chosen, by_priority, self._rules, number)
        return _golden(chosen, by_priority, self._rules, number)


def golden_records(records: Sequence[Prepared], clusters: Sequence[Sequence[int]], priority: Sequence[str],
                   survivorship: Mapping[str, str],
                   progress: Callable[[float], None] | None = None) -> list[dict[str, Any]]:
    """A golden record per cluster; a one-record customer is its own record (no rule to apply)."""
    golden = GoldenRecords(records, clusters, priority, survivorship)
    out = []
    step = max(1, len(clusters) // 20)
    for number, record in enumerate(golden):
        out.append(record)
        if progress and number % step == 0:
            progress(number / len(clusters))
    return out


def golden_record(members: Sequence[Prepared], priority: Sequence[str], survivorship: Mapping[str, str],
                  number: int = 0) -> dict[str, Any]:
    """One customer from its records: per field, the surviving value by rule; `sources` says which record."""
    rank = {s: i for i, s in enumerate(priority)}
    by_priority = sorted(members, key=lambda r: (rank.get(r.system, len(rank)), r.index))
    return _golden(members, by_priority, _rules(survivorship), number)


def _golden(members: Sequence[Prepared], by_priority: Sequence[Prepared], rules: Sequence[tuple[str, str]],
            number: int) -> dict[str, Any]:
    """The survivorship rules as written: per field, the candidates (records with a value) and the rule's pick."""
    out, sources = _customer(members, number)
    for name, rule in rules:
        candidates = [r for r in by_priority if r.display.get(name)]
        if not candidates:
            out[name] = None
            continue
        chosen = _pick(candidates, name, rule)
        out[name] = chosen.display[name]
        sources[name] = chosen.key
    return out


def _customer(members: Sequence[Prepared], number: int) -> tuple[dict[str, Any], dict[str, str]]:
    """A golden record's head (number, records, systems) and its `sources`, which the rules fill in."""
    sources: dict[str, str] = {}
    return {"customer": number + 1, "records": [r.key for r in members],
            "systems": sorted({r.system for r in members}), "sources": sources}, sources


def _pick(candidates: Sequence[Prepared], name: str, rule: str) -> Prepared:
    """The surviving record among the candidates (in priority order) by one rule."""
    if len(candidates) == 1:  # every rule keeps the only value
        return candidates[0]
    if rule == "most_recent":
        return max(candidates, key=attrgetter("recency"))  # max keeps the first (by priority) on ties
    if rule == "most_complete":
        return max(candidates, key=lambda r: len(r.values.get(name) or ""))
    if rule == "most_common":
        counts = Counter(r.values.get(name) for r in candidates)
        return max(candidates, key=lambda r: counts[r.values.get(name)])
    return candidates[0]


def _first_with_value(ordered: Sequence[Prepared]) -> tuple[dict[str, Any], dict[str, str]]:
    """(value, record key) per field of the first record in `ordered` with that field (display dicts hold only
    filled-in values): the dicts merged from the last record to the first, so earlier records win."""
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for r in reversed(ordered):
        values.update(r.display)
        keys.update(dict.fromkeys(r.display, r.key))
    return values, keys


def _golden_by_merging(members: Sequence[Prepared], by_priority: Sequence[Prepared],
                       rules: Sequence[tuple[str, str]], number: int) -> dict[str, Any]:
    """_golden for records whose display dicts hold only filled-in values. source_priority is the first record
    with a value in priority order; most_recent the first in recency order (newest first, priority order among
    equals: what max() over the candidates keeps); the other rules pick among the candidates as _golden does."""
    first = _first_with_value(by_priority)
    recent = _first_with_value(sorted(by_priority, key=attrgetter("recency"), reverse=True))  # stable
    out, sources = _customer(members, number)
    for name, rule in rules:
        if rule == "most_recent" or rule == "source_priority":
            values, keys = recent if rule == "most_recent" else first
            out[name] = values.get(name)
            if name in keys:
                sources[name] = keys[name]
            continue
        candidates = [r for r in by_priority if name in r.display]
        if not candidates:
            out[name] = None
            continue
        chosen = _pick(candidates, name, rule)
        out[name] = chosen.display[name]
        sources[name] = chosen.key
    return out


def quality(records: Sequence[Prepared], systems: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per system: records, fill rate per field, invalid emails/phones/dates and test records."""
    filled: dict[str, Counter] = {s: Counter() for s in systems}
    issues: dict[str, Counter] = {s: Counter() for s in systems}
    tests: dict[str, list[str]] = {s: [] for s in systems}
    wanted = set(GOLDEN_FIELDS)
    record_systems = list(map(attrgetter("system"), records))
    displays = list(map(attrgetter("display"), records))
    rows = Counter(record_systems)
    only_values = all(map(all, map(dict.values, displays)))  # prepare keeps only filled-in values
    for system in systems:
        mine = compress(displays, map(system.__eq__, record_systems))
        # a filled-in field is a key of the display dict (counted at C speed), else a non-empty value
        filled[system].update(chain.from_iterable(mine) if only_values else
                              (f for d in mine for f, v in d.items() if v))
    for r in compress(records, map(attrgetter("issues"), records)):  # the few records with issues
        issues[r.system].update(r.issues)
        # an invalid email/phone/date was filled in, just not usable
        filled[r.system].update(i[8:] for i in r.issues if i[8:] in wanted and not r.display.get(i[8:]))
    for r in compress(records, map(attrgetter("test"), records)):
        tests[r.system].append(r.source_record_id)
    out = {}
    for system in systems:
        n = rows[system] or 1
        out[system] = {
            "records": rows[system],
            "fill_rate": {f: round(filled[system][f] / n, 4) for f in GOLDEN_FIELDS},
            "invalid_email": issues[system]["invalid_email"],
            "invalid_phone": issues[system]["invalid_phone"],
            "invalid_birth_date": issues[system]["invalid_birth_date"],
            # an email, phone or loyalty id held by so many records it was set aside as a placeholder
            "shared_identifier": sum(issues[system][f"shared_{name}"] for name in ("email", "phone", "loyalty_id")),
            "test_records": len(tests[system]),
            "test_examples": tests[system][:5],
        }
    return out


def overlap(cluster_systems: Iterable[Set[str]], systems: Sequence[str]) -> dict[str, Any]:
    """How many customers are in 1, 2, 3… systems, and in each pair of systems (diagonal: in that system)."""
    by_count: Counter = Counter()
    matrix = {a: dict.fromkeys(systems, 0) for a in systems}
    exactly: Counter = Counter()
    # A few distinct combinations of systems (at most 2^systems) however many customers: count those first.
    for present, times in Counter(map(frozenset, cluster_systems)).items():
        by_count[len(present)] += times
        exactly[" + ".join(sorted(present))] += times
        for a in present:
            matrix[a][a] += times
        for a, b in combinations(sorted(present), 2):
            matrix[a][b] += times
            matrix[b][a] += times
    return {"systems": list(systems), "by_count": {str(k): by_count[k] for k in sorted(by_count)},
            "matrix": matrix, "combinations": dict(exactly.most_common())}


def duplicate_rates(records: Sequence[Prepared], cluster_of: Sequence[int], systems: Sequence[str]) -> dict[
        str, float]:
    """Per system: share of its (non-test) records that duplicate another record of the same system."""
    code = {s: i for i, s in enumerate(dict.fromkeys([*systems, *map(attrgetter("system"), records)]))}
    codes = np.fromiter(map(code.__getitem__, map(attrgetter("system"), records)), dtype=np.int64, count=len(records))
    clusters = np.fromiter(map(cluster_of.__getitem__, map(attrgetter("index"), records)), dtype=np.int64,
                           count=len(records))
    counted_in = clusters >= 0
    codes, clusters = codes[counted_in], clusters[counted_in]
    counted = np.bincount(codes, minlength=len(code))
    customers = np.bincount(np.unique(clusters * len(code) + codes) % len(code), minlength=len(code))  # distinct
    return {s: round(1 - int(customers[code[s]]) / int(counted[code[s]]), 4) if counted[code[s]] else 0.0
            for s in systems}
