"""resolve(): prepare, match (rules then Splink), cluster, golden records and the consultant's figures."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from .base import Contribution, Options, Pair, Result
from .clusters import components, duplicate_rates, golden_records, overlap, quality
from .model import probabilistic_pairs
from .normalise import prepare
from .rules import decision_key, deterministic_pairs

# Share of the run each stage takes (measured on a million generated records), for the progress callback.
STAGES = {"prepare": (0.0, 0.2), "rules": (0.2, 0.25), "model": (0.25, 0.8), "clusters": (0.8, 0.85),
          "golden": (0.85, 0.97), "figures": (0.97, 1.0)}


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
    rule_pairs = deterministic_pairs(active, options.rules)
    tracker.stage("rules")(1.0)
    if options.probabilistic:
        model_pairs, rules_used, facts = probabilistic_pairs(active, options, tracker.stage("model"))
    else:
        model_pairs, rules_used, facts = [], [], {"trained": False, "reason": "Probabilistic matching off."}
    tracker.stage("model")(1.0)
    by_key: dict[tuple[int, int], Pair] = {(p.left, p.right): p for p in model_pairs}
    for p in rule_pairs:  # a rule link keeps the model's explanation when the model scored the pair too
        scored = by_key.get((p.left, p.right))
        if scored is None:
            by_key[(p.left, p.right)] = Pair(p.left, p.right, 1.0, math.inf, p.rule, p.contributions)
        else:
            by_key[(p.left, p.right)] = Pair(p.left, p.right, 1.0, scored.weight, p.rule, None, None,
                                             (_RuleAndModel(scored, p), 0))
    pairs = sorted(by_key.values(), key=attrgetter("left", "right"))
    decisions = {tuple(sorted(k)): v for k, v in options.decisions.items()}
    links, undecided = [], []
    for p in pairs:
        decision = decisions.get(decision_key(prepared[p.left], prepared[p.right])) if decisions else None
        if decision == "reject":
            continue
        if decision == "accept" or p.rule or (p.probability >= options.threshold and not p.held):
            links.append((p.left, p.right))
        else:
            undecided.append(p)
    index = {r.key: r.index for r in prepared} if decisions else {}
    for (a, b), decision in decisions.items():  # an accepted pair joins even when this run did not score it
        if decision == "accept" and a in index and b in index:
            links.append((index[a], index[b]))
    roots = components(len(prepared), links)
    tracker.stage("clusters")(0.5)
    cluster_of_root: dict[int, int] = {}
    cluster_of: list[int] = []
    clusters: list[list[int]] = []
    for i, root in enumerate(roots):
        number = cluster_of_root.get(root)
        if number is None:
            number = cluster_of_root[root] = len(clusters)
            clusters.append([])
        cluster_of.append(number)
        clusters[number].append(i)
    if options.exclude_test_records:  # test records are reported, never counted as customers
        tests = [r.test for r in prepared]
        if any(tests):
            clusters = [c for c in clusters if not all(tests[i] for i in c)]
            cluster_of = [-1] * len(prepared)
            for number, members in enumerate(clusters):
                for i in members:
                    cluster_of[i] = number
    review = sorted((p for p in undecided if cluster_of[p.left] != cluster_of[p.right]),
                    key=lambda p: -p.probability)
    tracker.stage("clusters")(1.0)
    systems = list(dict.fromkeys(r.system for r in prepared))
    priority = list(options.source_priority) + [s for s in systems if s not in options.source_priority]
    golden = golden_records(prepared, clusters, priority, options.survivorship, tracker.stage("golden"))
    tracker.stage("golden")(1.0)
    record_systems = [r.system for r in prepared]
    result = Result(prepared, pairs, cluster_of, clusters, golden, review, quality(prepared, systems),
                    overlap([{record_systems[i] for i in c} for c in clusters], systems),
                    duplicate_rates(prepared, cluster_of, systems), normalised, rules_used, facts, options)
    tracker.report(1.0)
    return result
