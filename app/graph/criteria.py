"""Evaluate acceptance criteria against a scenario: pass, fail or unknown, with the evidence."""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from app.graph.criteria_syntax import Criterion, CriterionSyntaxError, Name, is_criterion, parse
from app.graph.freshness import REASONS, channel_freshness
from app.graph.model import ScenarioGraph
from app.graph.names import match_name
from app.graph.paths import Path, fewest_steps
from app.graph.returns import return_access
from app.graph.snapshot import Requirement
from app.graph.units import format_duration

PASS, FAIL, UNKNOWN, ERROR = "pass", "fail", "unknown", "error"
# Verdicts from best to worst. A malformed line is worst: until it is fixed the requirement cannot be judged,
# and a card that said "fail" or "unknown" would hide that its own text is broken.
SEVERITY = (PASS, UNKNOWN, FAIL, ERROR)
NO_TARGET = "no_target"
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip


@dataclass(frozen=True)
class CriterionResult:
    """The verdict on one criterion line, with what was measured and the path or systems behind it.

    `status` is pass, fail, unknown (the model cannot tell: `reason` is the code) or error (a malformed
    criterion or a name that matches nothing: `message` says what, `column` where).
    """

    line: int
    text: str
    status: str
    message: str
    function: str | None = None
    actual: float | None = None
    expected: str = ""
    reason: str | None = None
    column: int | None = None
    path: Path | None = None
    systems: tuple[int, ...] = ()
    flows: tuple[int, ...] = ()


@dataclass(frozen=True)
class RequirementCriteria:
    """A requirement's executable criteria and their results; prose lines are kept aside, unevaluated."""

    requirement_id: int
    ref: str
    results: tuple[CriterionResult, ...]
    prose: tuple[str, ...] = ()

    @property
    def status(self) -> str | None:
        """The worst verdict of its lines (error, then fail, unknown, pass); None when it has no criteria."""
        if not self.results:
            return None
        return max((r.status for r in self.results), key=SEVERITY.index)


@dataclass(frozen=True)
class CriteriaReport:
    """Results for every requirement with at least one executable criterion."""

    requirements: tuple[RequirementCriteria, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Criteria per status (pass, fail, unknown, error)."""
        tally = Counter(r.status for req in self.requirements for r in req.results)
        return {s: tally.get(s, 0) for s in (PASS, FAIL, UNKNOWN, ERROR)}

    def status_of(self, requirement_id: int) -> str | None:
        """The overall status of one requirement (None when it has no executable criteria)."""
        for req in self.requirements:
            if req.requirement_id == requirement_id:
                return req.status
        return None


def evaluate_all(graph: ScenarioGraph, requirements: Iterable[Requirement] | None = None) -> CriteriaReport:
    """Evaluate the criteria of every requirement (or the given ones) that has executable lines."""
    reqs = graph.snapshot.requirements if requirements is None else requirements
    out = [evaluate_requirement(graph, r) for r in reqs]
    return CriteriaReport(tuple(r for r in out if r.results))


def evaluate_requirement(graph: ScenarioGraph, requirement: Requirement) -> RequirementCriteria:
    """Evaluate each criterion line of a requirement's acceptance text; other lines are prose."""
    results, prose = [], []
    for number, raw in enumerate(requirement.acceptance.splitlines(), start=1):
        if not raw.strip():
            continue
        if is_criterion(raw):
            results.append(evaluate_criterion(graph, raw, number))
        else:
            prose.append(raw.strip())
    return RequirementCriteria(requirement.id, requirement.ref, tuple(results), tuple(prose))


def evaluate_criterion(graph: ScenarioGraph, text: str, line: int = 1) -> CriterionResult:
    """Parse and evaluate one criterion; never raises for bad input (the result has status error)."""
    try:
        criterion = parse(text)
    except CriterionSyntaxError as exc:
        return CriterionResult(line, text.strip(), ERROR, f"column {exc.column}: {exc.message}", column=exc.column)
    try:
        return _EVALUATORS[criterion.function](graph, criterion, line)
    except _NameError as exc:
        return CriterionResult(
            line, criterion.text, ERROR, f"column {exc.column}: {exc.message}", criterion.function, column=exc.column
        )


class _NameError(Exception):
    def __init__(self, column: int, message: str):
        self.column, self.message = column, message


def _resolve(graph: ScenarioGraph, name: Name, what: str, options: Callable[[], Iterable[tuple[Hashable, str]]]):
    # Thousands of requirements repeat a few names: each (kind, name) is matched once per graph.
    match = graph.memo(("name", what, name.text.casefold()), lambda: match_name(name.text, options()))
    if not match.ok:
        raise _NameError(name.column, match.message(what))
    return match.key


def _entity(graph: ScenarioGraph, name: Name) -> int:
    return _resolve(graph, name, "entity", lambda: ((e.id, e.name) for e in graph.snapshot.entities))


def _channel(graph: ScenarioGraph, name: Name) -> int:
    return _resolve(graph, name, "channel", lambda: ((c.id, c.name) for c in graph.snapshot.channels))


def _labels(graph: ScenarioGraph, kind: str) -> dict[str, str]:
    """Codes -> labels of system categories or flow patterns: the vocabulary plus any code in use."""

    def build() -> dict[str, str]:
        snap = graph.snapshot
        if kind == "category":
            labels = dict(snap.vocabulary.categories)
            labels.update({s.category: labels.get(s.category, s.category) for s in snap.systems})
        else:
            labels = dict(snap.vocabulary.patterns)
            labels.update({f.pattern: labels.get(f.pattern, f.pattern) for f in snap.flows})
        return labels

    return graph.memo(("labels", kind), build)


def _code_options(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, code) for code in labels] + [(code, label) for code, label in labels.items()]


def _expected(c: Criterion, duration: bool) -> str:
    return f"{c.op} {format_duration(c.value) if duration else int(c.value)}"


def _result(c: Criterion, line: int, ok: bool, message: str, **evidence) -> CriterionResult:
    return CriterionResult(line, c.text, PASS if ok else FAIL, message, c.function, **evidence)


def _freshness(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    entity, channel = _entity(graph, c.names[0]), _channel(graph, c.names[1])
    fresh = channel_freshness(graph, entity, channel)
    expected = _expected(c, duration=True)
    path = fresh.path
    holders = tuple(h.system_id for h in fresh.holders)
    evidence = {
        "expected": expected,
        "path": path,
        "systems": path.systems if path else (holders if holders else fresh.sors),
        "flows": path.flow_ids if path else (),
    }
    if not fresh.known:
        return CriterionResult(line, c.text, UNKNOWN, f"unknown: {fresh.explanation}", c.function,
                               reason=fresh.reason, **evidence)
    actual = fresh.worst_latency
    ok = _COMPARE[c.op](actual, c.value)
    return _result(c, line, ok, f"worst latency {format_duration(actual)} over {path.hop_count} hop(s), "
                   f"expected {expected}", actual=actual, **evidence)


def _max_hops(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    entity, channel = _entity(graph, c.names[0]), _channel(graph, c.names[1])
    fresh = channel_freshness(graph, entity, channel)
    expected = _expected(c, duration=False)
    if fresh.path is None:
        return CriterionResult(line, c.text, UNKNOWN, f"unknown: {REASONS[fresh.reason]}", c.function,
                               expected=expected, reason=fresh.reason, systems=fresh.sors)
    hops = fresh.path.hop_count
    return _result(c, line, _COMPARE[c.op](hops, c.value), f"{hops} hop(s) on the freshest path, expected {expected}",
                   actual=float(hops), expected=expected, path=fresh.path, systems=fresh.path.systems,
                   flows=fresh.path.flow_ids)


def _sor_count(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    entity = _entity(graph, c.names[0])
    sors = graph.sors(entity)
    expected = _expected(c, duration=False)
    listed = ", ".join(graph.snapshot.name_of(s) for s in sors) or "none"
    return _result(c, line, _COMPARE[c.op](len(sors), c.value),
                   f"{len(sors)} system(s) of record ({listed}), expected {expected}",
                   actual=float(len(sors)), expected=expected, systems=sors)


def _reachable(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    entity, channel = _entity(graph, c.names[0]), _channel(graph, c.names[1])
    targets, label = _targets(graph, c.names[2])
    expected = f"a path to {label}"
    sources = graph.channel_systems(channel)
    if not sources:
        return CriterionResult(line, c.text, UNKNOWN, f"unknown: {REASONS['no_channel_systems']}", c.function,
                               expected=expected, reason="no_channel_systems")
    if not targets:
        return _result(c, line, False, f"no system of the scenario is {label}", expected=expected,
                       reason=NO_TARGET, systems=sources)
    path = graph.memo(("reachable", entity, channel, targets),
                      lambda: fewest_steps(graph.out_steps(entity), sources, targets.__contains__))
    if path is None:
        return _result(c, line, False, f"no flow path carries it from the channel's systems to {label}",
                       expected=expected, systems=sources)
    route = " → ".join(graph.snapshot.name_of(s) for s in path.systems)
    return _result(c, line, True, f"reached over {path.hop_count} hop(s): {route}", actual=float(path.hop_count),
                   expected=expected, path=path, systems=path.systems, flows=path.flow_ids)


def _targets(graph: ScenarioGraph, name: Name) -> tuple[frozenset[int], str]:
    # A category (code or label) first, e.g. OMS; otherwise a system by name.
    snap = graph.snapshot
    labels = _labels(graph, "category")
    match = graph.memo(("name", "category", name.text.casefold()),
                       lambda: match_name(name.text, _code_options(labels)))
    if match.ok:
        members = graph.memo(("category", match.key),
                             lambda: frozenset(s.id for s in snap.systems if s.category == match.key))
        return members, f"a {labels[match.key]} system"
    system = _resolve(graph, name, "category or system", lambda: ((s.id, s.name) for s in snap.systems))
    return frozenset({system}), snap.system_by_id[system].name


def _no_pattern(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    entity = _entity(graph, c.names[0])
    snap = graph.snapshot
    labels = _labels(graph, "pattern")
    pattern = _resolve(graph, c.names[1], "pattern", lambda: _code_options(labels))
    offending = _flows_by_pattern(graph).get((entity, pattern), ())
    label = labels[pattern].lower()
    expected = f"no {label} flow"
    if not offending:
        return _result(c, line, True, f"no flow carries it as {label}", expected=expected)
    listed = "; ".join(snap.flow_label(f) for f in offending[:5]) + ("…" if len(offending) > 5 else "")
    return _result(c, line, False, f"{len(offending)} {label} flow(s): {listed}",
                   actual=float(len(offending)), expected=expected, flows=tuple(f.id for f in offending),
                   systems=tuple(sorted({s for f in offending for s in (f.source, f.target)})))


def _flows_by_pattern(graph: ScenarioGraph) -> dict[tuple[int, str], list]:
    def build() -> dict[tuple[int, str], list]:
        found: dict[tuple[int, str], list] = defaultdict(list)
        for flow in graph.flows:
            for entity in flow.entity_ids:
                found[(entity, flow.pattern)].append(flow)
        return found

    return graph.memo("flows_by_pattern", build)


def _returns(graph: ScenarioGraph, c: Criterion, line: int) -> CriterionResult:
    origin, returning = _channel(graph, c.names[0]), _channel(graph, c.names[1])
    access = return_access(graph, origin, returning)
    if c.function == "returnable":
        ok, why, path = access.order.ok and access.customer.ok, access.order.reason or access.customer.reason, \
            access.order.path
        expected = "the returning channel can look up the order and the customer"
    else:
        ok, why, path = access.refund, access.blocked, access.order.path
        expected = "a refund to the original tender"
    if not ok:
        return _result(c, line, False, why, expected=expected, systems=graph.channel_systems(returning))
    route = " → ".join(graph.snapshot.name_of(s) for s in path.systems) if path else "one system serves both"
    return _result(c, line, True, f"order found over {route}", expected=expected, path=path,
                   systems=path.systems if path else (), flows=path.flow_ids if path else ())


_EVALUATORS = {
    "freshness": _freshness,
    "max_hops": _max_hops,
    "sor_count": _sor_count,
    "reachable": _reachable,
    "no_pattern": _no_pattern,
    "returnable": _returns,
    "refund_path": _returns,
}
