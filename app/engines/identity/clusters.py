"""Clusters (connected components of the links), golden records by survivorship, overlap, duplicate rates and
per-system data quality."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from .base import DEFAULT_SURVIVORSHIP, GOLDEN_FIELDS, Prepared


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


def components(n: int, links: Iterable[tuple[int, int]]) -> list[int]:
    """The component root of each of n items joined by links (union-find)."""
    found = _Components(n)
    for a, b in links:
        found.union(a, b)
    return [found.find(i) for i in range(n)]


def golden_records(records: Sequence[Prepared], clusters: Sequence[Sequence[int]], priority: Sequence[str],
                   survivorship: Mapping[str, str],
                   progress: Callable[[float], None] | None = None) -> list[dict[str, Any]]:
    """A golden record per cluster; a one-record customer is its own record (no rule to apply)."""
    out = []
    step = max(1, len(clusters) // 20)
    for number, members in enumerate(clusters):
        if len(members) == 1:
            r = records[members[0]]
            display, key = r.display, r.key
            golden = {"customer": number + 1, "records": [key], "systems": [r.system],
                      "sources": {name: key for name in GOLDEN_FIELDS if display.get(name)}}
            golden.update((name, display.get(name) or None) for name in GOLDEN_FIELDS)
            out.append(golden)
        else:
            out.append(golden_record([records[i] for i in members], priority, survivorship, number))
        if progress and number % step == 0:
            progress(number / len(clusters))
    return out


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
    """Per system: records, fill rate per field, invalid emails/phones/dates and test records (one pass)."""
    rows: Counter = Counter()
    filled: dict[str, Counter] = {s: Counter() for s in systems}
    issues: dict[str, Counter] = {s: Counter() for s in systems}
    tests: dict[str, list[str]] = {s: [] for s in systems}
    wanted = set(GOLDEN_FIELDS)
    for r in records:
        rows[r.system] += 1
        filled[r.system].update(f for f, v in r.display.items() if v and f in wanted)
        if r.issues:
            issues[r.system].update(r.issues)
            # an invalid email/phone/date was filled in, just not usable
            filled[r.system].update(i[8:] for i in r.issues if i[8:] in wanted and not r.display.get(i[8:]))
        if r.test:
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
            "test_records": len(tests[system]),
            "test_examples": tests[system][:5],
        }
    return out


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
    counted: Counter = Counter()
    customers: dict[str, set[int]] = {s: set() for s in systems}
    for r in records:
        cluster = cluster_of[r.index]
        if cluster >= 0:
            counted[r.system] += 1
            customers[r.system].add(cluster)
    return {s: round(1 - len(customers[s]) / counted[s], 4) if counted[s] else 0.0 for s in systems}
