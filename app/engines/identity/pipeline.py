"""resolve(): prepare, match (rules then Splink), cluster, golden records and the consultant's figures."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import attrgetter
from typing import Any

import numpy as np

from .base import Contribution, Options, Pair, Prepared, Result
from .clusters import GoldenRecords, component_numbers, duplicate_rates, overlap, quality
from .conflicts import Columns, conflict_reasons, evidences, judged_pairs
from .model import probabilistic_pairs
from .preparation import prepare
from .rules import deterministic_pairs, set_aside_placeholders
from .splitting import merged_count, split_conflicts

# Share of the run each stage takes (measured on a million generated records), for the progress callback.
# The rules run after the model: their pairs (with explanations) would otherwise sit in memory through the
# model's scoring, the run's high-water mark.
STAGES = {"prepare": (0.0, 0.3), "model": (0.3, 0.82), "rules": (0.82, 0.9), "clusters": (0.9, 0.94),
          "golden": (0.94, 0.95), "figures": (0.95, 1.0)}


class _Progress:
    """Maps each stage's own 0..1 onto the run's 0..1 and never reports a smaller fraction than before."""

    def __init__(self, callback: Callable[[float], None] | None) -> None:
        self.callback, self.last = callback, 0.0

    def stage(self, name: str) -> Callable[[float], None]:
        start, end = STAGES[name]
        return lambda fraction: self.report(start + (end - start) * min(max(fraction, 0.0), 1.0))

    def report(self, fraction: float) -> None:
        if self.callback is not None and fraction >= self.last:
            self.last = fraction
            self.callback(round(fraction, 4))


class _RuleAndModel:
    """A rule link the model scored too: the model's explanation, then the rule's."""

    __slots__ = ("scored", "rule")

    def __init__(self, scored: Pair, rule: Pair) -> None:
        self.scored, self.rule = scored, rule

    def contributions(self, _row: int) -> tuple[Contribution, ...]:
        return self.scored.contributions + self.rule.contributions


def resolve(records: Sequence[Mapping[str, Any]], options: Options | None = None,
            progress: Callable[[float], None] | None = None) -> Result:
    """Prepare, match (rules then Splink), cluster, build golden records and the consultant's figures.

    `progress` (optional) is called with increasing fractions 0..1 at stage boundaries and inside the long
    stages, ending with 1.0.
    """
    # A run allocates millions of small containers (records, pairs): the cyclic collector would rescan them
    # again and again (minutes at a million records); nothing here builds reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _resolve(records, options or Options(), progress)
    finally:
        if collecting:
            gc.enable()


def _resolve(records: Sequence[Mapping[str, Any]], options: Options,
             progress: Callable[[float], None] | None) -> Result:
    tracker = _Progress(progress)
    tracker.report(0.0)
    prepared, normalised = prepare(records, options, tracker.stage("prepare"))
    active = [r for r in prepared if not (options.exclude_test_records and r.test)]
    placeholders = set_aside_placeholders(active, options.max_shared_identifier)
    if options.probabilistic:
        model_pairs, rules_used, facts = probabilistic_pairs(active, options, tracker.stage("model"))
    else:
        model_pairs, rules_used, facts = [], [], {"trained": False, "reason": "Probabilistic matching off."}
    tracker.stage("model")(1.0)
    rule_pairs = deterministic_pairs(active, options.rules)
    del active
    tracker.stage("rules")(1.0)
    pairs, columns = _merge(rule_pairs, model_pairs, len(prepared))
    del rule_pairs, model_pairs  # the merged list holds what is still needed
    left, right = columns["left"], columns["right"]
    record_columns = Columns(prepared) if options.conflicts else None  # swapped names worked out there
    if record_columns is not None:
        _hold_conflicts(record_columns, pairs, columns, options)
    linked, rejected, accepted = _decide(prepared, pairs, columns, options)
    number, fewer = _components(prepared, pairs, columns, linked, rejected, accepted, record_columns)
    del record_columns
    tracker.stage("clusters")(0.5)
    cluster_of_array, clusters = _clusters(number, prepared, options)
    undecided = np.flatnonzero(~linked & ~rejected)
    undecided = undecided[cluster_of_array[left[undecided]] != cluster_of_array[right[undecided]]]
    undecided = undecided[np.argsort(-columns["probability"][undecided], kind="stable")]  # most likely first
    review = list(map(pairs.__getitem__, undecided.tolist()))
    # One int object per cluster number (and -1, the last item), shared by its records rather than one per record.
    numbers = [*range(int(cluster_of_array.max()) + 1 if len(cluster_of_array) else 0), -1]
    cluster_of = list(map(numbers.__getitem__, cluster_of_array.tolist()))
    del numbers
    del columns, left, right, linked, rejected, number, cluster_of_array, undecided
    tracker.stage("clusters")(1.0)
    record_systems = list(map(attrgetter("system"), prepared))
    systems = list(dict.fromkeys(record_systems))
    priority = list(options.source_priority) + [s for s in systems if s not in options.source_priority]
    golden = GoldenRecords(prepared, clusters, priority, options.survivorship)  # built when read
    tracker.stage("golden")(1.0)
    result = Result(prepared, pairs, cluster_of, clusters, golden, review, quality(prepared, systems),
                    overlap(map(frozenset, map(map, repeat(record_systems.__getitem__), clusters)), systems),
                    duplicate_rates(prepared, cluster_of, systems), normalised, rules_used, facts, options,
                    placeholders, max(len(clusters) - fewer, 0))
    tracker.report(1.0)
    return result


def _merge(rule_pairs: Sequence[Pair], model_pairs: Sequence[Pair], n: int) -> tuple[list[Pair], dict[str, np.ndarray]]:
    """The model's pairs and the rule links as one list sorted by (left, right), with their columns as arrays.
    A rule link keeps the model's explanation when the model scored the pair too. Pairs are keyed left·n+right
    (one int64): sorting and matching a million pairs is then numpy's work, not a dict of tuples'."""
    def column(items: Sequence[Pair], name: str, dtype: Any) -> np.ndarray:
        return np.fromiter(map(attrgetter(name), items), dtype=dtype, count=len(items))

    model_keys = column(model_pairs, "left", np.int64) * n + column(model_pairs, "right", np.int64)
    rule_keys = column(rule_pairs, "left", np.int64) * n + column(rule_pairs, "right", np.int64)
    # Each list holds a pair once: Splink's blocking rules exclude the pairs of the rules before them, and the
    # deterministic rules keep their pairs in a dict.
    sorter = np.argsort(model_keys, kind="stable")
    merged = list(model_pairs)
    at = np.minimum(np.searchsorted(model_keys, rule_keys, sorter=sorter), max(len(model_keys) - 1, 0))
    scored_at = sorter[at] if len(model_keys) else np.zeros(len(rule_keys), dtype=np.int64)
    found = model_keys[scored_at] == rule_keys if len(model_keys) else np.zeros(len(rule_keys), dtype=bool)
    for p, was_scored, position in zip(rule_pairs, found.tolist(), scored_at.tolist(), strict=True):
        if was_scored:
            scored = merged[position]
            merged[position] = Pair(p.left, p.right, 1.0, scored.weight, p.rule, None, None,
                                    (_RuleAndModel(scored, p), 0))
        else:
            merged.append(Pair(p.left, p.right, 1.0, math.inf, p.rule, p.contributions))
    order = np.argsort(np.concatenate((model_keys, rule_keys[~found])), kind="stable")
    pairs = list(map(merged.__getitem__, order.tolist()))
    del merged
    return pairs, _columns(pairs)


def _columns(pairs: Sequence[Pair]) -> dict[str, np.ndarray]:
    """left, right, probability, rule (linked by a rule) and held of every pair, as arrays."""
    def column(name: str, dtype: Any, function: Callable[[Any], Any] | None = None) -> np.ndarray:
        values = map(attrgetter(name), pairs)
        return np.fromiter(map(function, values) if function else values, dtype=dtype, count=len(pairs))

    return {"left": column("left", np.int64), "right": column("right", np.int64),
            "probability": column("probability", np.float64), "weight": column("weight", np.float64),
            "rule": column("rule", bool, bool),
            "held": column("held", bool, bool)}


def _hold_conflicts(record_columns: Columns, pairs: Sequence[Pair], columns: dict[str, np.ndarray],
                    options: Options) -> None:
    """Hold (for review) every link whose records conflict (conflicts.py), and every model link on which nothing
    but the name and city agree: a common name is no evidence on its own. Only the pairs that would link are
    checked. The name-only pairs are marked in columns["name_only"]."""
    held = columns["held"]
    would_link = np.flatnonzero((columns["rule"] | (columns["probability"] >= options.threshold)) & ~held)
    left, right = columns["left"][would_link], columns["right"][would_link]
    agree, disagree = judged_pairs(record_columns, left, right)  # once: the evidence below reads it too
    reasons = conflict_reasons(record_columns, left, right, (agree, disagree))
    # evidence is asked only of the model links that no conflict holds already
    unheld = np.fromiter((reason is None for reason in reasons), dtype=bool, count=len(reasons))
    ask = np.flatnonzero(unheld & ~columns["rule"][would_link])
    subset = ({k: v[ask] for k, v in agree.items()}, {k: v[ask] for k, v in disagree.items()})
    bare = ask[~evidences(record_columns, left[ask], right[ask], subset)]
    del agree, disagree, subset
    for k in bare.tolist():
        reasons[k] = "only the name (and city) agree: review before merging"
    name_only = np.zeros(len(pairs), dtype=bool)
    name_only[would_link[bare]] = True
    columns["name_only"] = name_only  # for the customer range (_components)
    for k, reason in zip(would_link.tolist(), reasons, strict=True):
        if reason is not None:
            pairs[k].held = reason + ": review before merging" if "review" not in reason else reason
            held[k] = True


def _components(prepared: Sequence[Prepared], pairs: Sequence[Pair], columns: Mapping[str, np.ndarray],
                linked: np.ndarray, rejected: np.ndarray, accepted: np.ndarray,
                record_columns: Columns | None) -> tuple[np.ndarray, int]:
    """(each record's cluster, how many fewer clusters if the name-only pairs held were links): components of
    the links, split (splitting.py) where two members conflict; a link cut there is held with the reason."""
    left = np.concatenate((columns["left"][linked], accepted[:, 0]))
    right = np.concatenate((columns["right"][linked], accepted[:, 1]))
    number = component_numbers(len(prepared), left, right)
    if record_columns is None:  # conflicts off: nothing is held as name-only
        return number, 0
    cols = record_columns
    positions = np.flatnonzero(linked)
    rule = columns["rule"][positions]
    strength = np.concatenate((np.where(rule, 1e6, 0) + np.nan_to_num(columns["weight"][positions], posinf=1e3),
                               np.full(len(accepted), np.inf)))
    forced = [False] * len(positions) + [True] * len(accepted)

    def conflicting_many(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.fromiter((reason is not None for reason in conflict_reasons(cols, i, j)), dtype=bool,
                           count=len(i))

    split, cut = split_conflicts(number, left, right, strength, None, forced, conflicting_many=conflicting_many)
    # The low end of the customer count: the held name-only pairs (not rejected by a reviewer) merged where the
    # splitting would let them, from the same links before any cut.
    extra = np.flatnonzero(columns.get("name_only", np.zeros(len(pairs), dtype=bool)) & ~linked & ~rejected)
    fewer = merged_count(split, left, right, strength, forced, columns["left"][extra], columns["right"][extra],
                         np.nan_to_num(columns["weight"][extra], posinf=1e3), conflicting_many)
    number = split
    for k in cut.tolist():
        if k < len(positions):
            pairs[int(positions[k])].held = ("cut: the records each side is linked to conflict (a chain of "
                                             "different people?): review before merging")
            linked[positions[k]] = False  # to the review queue
    return number, fewer


def _decide(prepared: Sequence[Prepared], pairs: Sequence[Pair], columns: Mapping[str, np.ndarray],
            options: Options) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(linked, rejected) per pair and the accepted pairs of records (an (m, 2) array, joined even when this run
    did not score them). Linked: a rule, an accepted review decision, or the threshold and not held."""
    linked = (columns["rule"] | (columns["probability"] >= options.threshold)) & ~columns["held"]
    rejected = np.zeros(len(pairs), dtype=bool)
    accepted: list[tuple[int, int]] = []
    decisions = {tuple(sorted(k)): v for k, v in options.decisions.items()}
    if decisions:
        wanted = {key for pair in decisions for key in pair}
        positions: dict[str, list[int]] = {}
        last: dict[str, int] = {}
        for r in prepared:
            if r.key in wanted:
                positions.setdefault(r.key, []).append(r.index)
                last[r.key] = r.index
        n = len(prepared)
        keys = columns["left"] * n + columns["right"]  # sorted: pairs are in (left, right) order
        for (a, b), decision in decisions.items():
            if decision not in ("accept", "reject"):
                continue
            for i in positions.get(a, ()):
                for j in positions.get(b, ()):
                    if i == j:
                        continue
                    key = min(i, j) * n + max(i, j)
                    at = int(np.searchsorted(keys, key))
                    if at < len(keys) and keys[at] == key:
                        linked[at] = decision == "accept"
                        rejected[at] = decision == "reject"
            if decision == "accept" and a in last and b in last:
                accepted.append((last[a], last[b]))
    return linked, rejected, np.array(accepted, dtype=np.int64).reshape(-1, 2)


def _clusters(number: np.ndarray, prepared: Sequence[Prepared], options: Options) -> tuple[np.ndarray, list[list[int]]]:
    """(cluster of each record, the clusters' members): numbered by first member; with exclude_test_records,
    clusters of test records only are left out (their records get -1) and the rest renumbered."""
    count = int(number.max()) + 1 if len(number) else 0
    # Members in record order within each cluster, as the records' own index objects (a million ints shared with
    # the records rather than copied: ~28 MB at the run's high-water mark).
    indexes = list(map(attrgetter("index"), prepared))
    order = list(map(indexes.__getitem__, np.argsort(number, kind="stable").tolist()))
    ends = np.cumsum(np.bincount(number, minlength=count)).tolist()
    clusters = [order[start:end] for start, end in zip([0, *ends][:-1], ends, strict=True)]
    if options.exclude_test_records:  # test records are reported, never counted as customers
        tests = np.fromiter(map(attrgetter("test"), prepared), dtype=bool, count=len(prepared))
        if tests.any():
            kept = np.bincount(number[~tests], minlength=count) > 0
            clusters = list(compress(clusters, kept.tolist()))
            renumbered = np.where(kept, np.cumsum(kept) - 1, -1)
            return renumbered[number], clusters
    return number, clusters
