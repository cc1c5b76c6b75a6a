"""Compare two scenarios: model membership, findings, criteria verdicts and headline metrics.

Scenarios share elements, so the model diff is membership-based: an element in B and not A was added, in
A and not B removed. Pairs that replace each other are reported as changed instead: a flow removed and a
flow added with the same source, target and entities (a new pattern, latency, middleware or direction),
or an ownership of the same system and entity with another role.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.graph.criteria import FAIL, PASS, CriteriaReport, evaluate_all
from app.graph.findings import Finding, FindingsReport, RuleSetting, run_findings
from app.graph.freshness import channel_freshness
from app.graph.model import ScenarioGraph
from app.graph.names import entity_named
from app.graph.topology import integration_stats

_FLOW_ATTRIBUTES = ("pattern", "latency", "worst_latency", "via", "direction")


@dataclass(frozen=True)
class Membership:
    """Ids in B and not in A (added), in A and not in B (removed)."""

    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()

    def reversed(self) -> Membership:
        """The same difference seen from the other side."""
        return Membership(self.removed, self.added)


@dataclass(frozen=True)
class Replacement:
    """An element of A replaced by one of B: same identity (e.g. source, target, entities), other attributes."""

    before: int
    after: int
    changed: tuple[str, ...]

    def reversed(self) -> Replacement:
        """The same replacement seen from the other side."""
        return Replacement(self.after, self.before, self.changed)


@dataclass(frozen=True)
class ModelDiff:
    """Systems, flows and ownerships added, removed and replaced between two scenarios."""

    systems: Membership
    flows: Membership
    flow_changes: tuple[Replacement, ...]
    ownerships: Membership
    ownership_changes: tuple[Replacement, ...]

    @property
    def empty(self) -> bool:
        """True when both scenarios hold the same model."""
        return not any((self.systems.added, self.systems.removed, self.flows.added, self.flows.removed,
                        self.flow_changes, self.ownerships.added, self.ownerships.removed, self.ownership_changes))

    def reversed(self) -> ModelDiff:
        """The diff from B to A."""
        return ModelDiff(
            self.systems.reversed(),
            self.flows.reversed(),
            _sorted_replacements(r.reversed() for r in self.flow_changes),
            self.ownerships.reversed(),
            _sorted_replacements(r.reversed() for r in self.ownership_changes),
        )


@dataclass(frozen=True)
class FindingsDiff:
    """Findings matched by key: resolved (only in A), introduced (only in B), persisting as (in A, in B) pairs."""

    resolved: tuple[Finding, ...]
    introduced: tuple[Finding, ...]
    persisting: tuple[tuple[Finding, Finding], ...]

    @property
    def empty(self) -> bool:
        """True when no finding was resolved or introduced."""
        return not self.resolved and not self.introduced

    def reversed(self) -> FindingsDiff:
        """The diff from B to A."""
        return FindingsDiff(self.introduced, self.resolved, tuple((b, a) for a, b in self.persisting))


@dataclass(frozen=True)
class CriteriaChange:
    """A requirement whose overall verdict differs between the scenarios (None: no executable criteria)."""

    requirement_id: int
    ref: str
    before: str | None
    after: str | None

    @property
    def flip(self) -> bool:
        """True for pass ↔ fail."""
        return {self.before, self.after} == {PASS, FAIL}

    def reversed(self) -> CriteriaChange:
        """The same change seen from the other side."""
        return CriteriaChange(self.requirement_id, self.ref, self.after, self.before)


@dataclass(frozen=True)
class CriteriaDiff:
    """Every change of verdict; `to_pass` and `to_fail` are the pass ↔ fail flips."""

    changes: tuple[CriteriaChange, ...]

    @property
    def to_pass(self) -> tuple[CriteriaChange, ...]:
        """Requirements that failed in A and pass in B."""
        return tuple(c for c in self.changes if c.before == FAIL and c.after == PASS)

    @property
    def to_fail(self) -> tuple[CriteriaChange, ...]:
        """Requirements that passed in A and fail in B."""
        return tuple(c for c in self.changes if c.before == PASS and c.after == FAIL)

    def reversed(self) -> CriteriaDiff:
        """The diff from B to A."""
        return CriteriaDiff(tuple(c.reversed() for c in self.changes))


@dataclass(frozen=True)
class Metrics:
    """Headline figures of one scenario; freshness maps customer-facing channel id -> worst seconds (None: unknown)."""

    systems: int
    flows: int
    integrations: int
    point_to_point: int
    sor_conflicts: int  # entities with more than one system of record
    sor_missing: int  # entities in use with none
    findings: Mapping[str, int] = field(hash=False)
    inventory_freshness: Mapping[int, float | None] = field(hash=False)


@dataclass(frozen=True)
class Comparison:
    """Scenario A against scenario B."""

    scenario_a: int
    scenario_b: int
    model: ModelDiff
    findings: FindingsDiff
    criteria: CriteriaDiff
    metrics_a: Metrics
    metrics_b: Metrics

    @property
    def empty(self) -> bool:
        """True when nothing differs: same model, same findings, same verdicts."""
        return self.model.empty and self.findings.empty and not self.criteria.changes

    def reversed(self) -> Comparison:
        """B against A."""
        return Comparison(self.scenario_b, self.scenario_a, self.model.reversed(), self.findings.reversed(),
                          self.criteria.reversed(), self.metrics_b, self.metrics_a)


def metrics(graph: ScenarioGraph, findings: FindingsReport | None = None) -> Metrics:
    """Headline figures of a scenario (integration count, SoR problems, worst inventory freshness per channel)."""
    stats = integration_stats(graph)
    report = findings if findings is not None else run_findings(graph)
    in_use = graph.entities_in_use
    sor_counts = [len(graph.sors(e.id)) for e in graph.snapshot.entities]
    inventory = entity_named(graph.snapshot, "inventory")
    freshness: dict[int, float | None] = {}
    if inventory is not None:
        for channel in graph.snapshot.channels:
            if channel.customer_facing:
                freshness[channel.id] = channel_freshness(graph, inventory, channel.id).worst_latency
    return Metrics(
        systems=len(graph.snapshot.systems),
        flows=len(graph.flows),
        integrations=stats.integrations,
        point_to_point=stats.point_to_point,
        sor_conflicts=sum(1 for n in sor_counts if n > 1),
        sor_missing=sum(1 for e in graph.snapshot.entities if e.id in in_use and not graph.sors(e.id)),
        findings=MappingProxyType(report.counts),
        inventory_freshness=MappingProxyType(freshness),
    )


def compare(
    a: ScenarioGraph, b: ScenarioGraph, settings: Mapping[str, RuleSetting] | None = None
) -> Comparison:
    """Compare scenario A (before) with scenario B (after)."""
    findings_a, findings_b = run_findings(a, settings), run_findings(b, settings)
    return Comparison(
        a.snapshot.scenario_id,
        b.snapshot.scenario_id,
        model_diff(a, b),
        findings_diff(findings_a, findings_b),
        criteria_diff(evaluate_all(a), evaluate_all(b)),
        metrics(a, findings_a),
        metrics(b, findings_b),
    )


def model_diff(a: ScenarioGraph, b: ScenarioGraph) -> ModelDiff:
    """Membership differences, with replaced flows and ownerships paired up."""
    sa, sb = a.snapshot, b.snapshot
    flows, flow_changes = _paired(
        {f.id: f for f in sa.flows}, {f.id: f for f in sb.flows},
        identity=lambda f: (f.source, f.target, f.entity_ids), attributes=_FLOW_ATTRIBUTES,
    )
    owns, own_changes = _paired(
        {o.id: o for o in sa.ownerships}, {o.id: o for o in sb.ownerships},
        identity=lambda o: (o.system, o.entity), attributes=("role",),
    )
    return ModelDiff(_membership({s.id for s in sa.systems}, {s.id for s in sb.systems}), flows, flow_changes,
                     owns, own_changes)


def findings_diff(a: FindingsReport, b: FindingsReport) -> FindingsDiff:
    """Resolved, introduced and persisting findings by stable key."""
    in_a = {f.key: f for f in a.findings}
    in_b = {f.key: f for f in b.findings}
    return FindingsDiff(
        tuple(f for f in a.findings if f.key not in in_b),
        tuple(f for f in b.findings if f.key not in in_a),
        tuple((in_a[k], in_b[k]) for k in sorted(in_a.keys() & in_b.keys())),
    )


def criteria_diff(a: CriteriaReport, b: CriteriaReport) -> CriteriaDiff:
    """Requirements whose overall verdict changed, by requirement order."""
    before = {r.requirement_id: r for r in a.requirements}
    after = {r.requirement_id: r for r in b.requirements}
    changes = []
    for rid in sorted(before.keys() | after.keys()):
        old, new = before.get(rid), after.get(rid)
        status_a, status_b = (old.status if old else None), (new.status if new else None)
        if status_a != status_b:
            changes.append(CriteriaChange(rid, (old or new).ref, status_a, status_b))
    return CriteriaDiff(tuple(changes))


def _membership(a: set[int], b: set[int]) -> Membership:
    return Membership(tuple(sorted(b - a)), tuple(sorted(a - b)))


def _paired(
    a: Mapping[int, object], b: Mapping[int, object], identity: Callable[[object], Hashable], attributes: Iterable[str]
) -> tuple[Membership, tuple[Replacement, ...]]:
    # Removed and added elements with the same identity replace each other; several of one identity pair up
    # in id order on both sides, so the pairing is the same whichever scenario comes first.
    removed = defaultdict(list)
    added = defaultdict(list)
    for i in sorted(a.keys() - b.keys()):
        removed[identity(a[i])].append(i)
    for i in sorted(b.keys() - a.keys()):
        added[identity(b[i])].append(i)
    replacements = []
    for key in removed.keys() & added.keys():
        for before, after in zip(removed[key], added[key], strict=False):
            changed = tuple(n for n in attributes if getattr(a[before], n) != getattr(b[after], n))
            replacements.append(Replacement(before, after, changed))
    paired_a = {r.before for r in replacements}
    paired_b = {r.after for r in replacements}
    membership = Membership(
        tuple(sorted(set(b.keys() - a.keys()) - paired_b)), tuple(sorted(set(a.keys() - b.keys()) - paired_a))
    )
    return membership, _sorted_replacements(replacements)


def _sorted_replacements(items: Iterable[Replacement]) -> tuple[Replacement, ...]:
    return tuple(sorted(items, key=lambda r: (min(r.before, r.after), r.before, r.after)))

