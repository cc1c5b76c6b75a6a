"""Plain JSON-ready dicts of the analysis results, every id paired with its name (docs/analysis-cli.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.graph.compare import Comparison, Metrics
from app.graph.criteria import CriteriaReport, CriterionResult
from app.graph.findings import Finding, FindingsReport, RuleSetting
from app.graph.freshness import ChannelFreshness
from app.graph.impact import Impact, ImpactedSystem
from app.graph.paths import Path
from app.graph.rules import RULES
from app.graph.snapshot import ScenarioSnapshot

Json = dict[str, Any]


def ref(snap: ScenarioSnapshot, element_id: int) -> Json:
    """`{"id": …, "name": …}` for any element."""
    return {"id": element_id, "name": snap.name_of(element_id)}


def refs(snap: ScenarioSnapshot, ids: Iterable[int]) -> list[Json]:
    """`ref` for each id."""
    return [ref(snap, i) for i in ids]


def scenario(snap: ScenarioSnapshot) -> Json:
    """The scenario a result belongs to."""
    return {"id": snap.scenario_id, "name": snap.scenario_name}


def path(snap: ScenarioSnapshot, p: Path | None) -> Json | None:
    """A path: systems in order, each hop with its flow, pattern and latencies, and the sums."""
    if p is None:
        return None
    return {
        "systems": refs(snap, p.systems),
        "hops": [
            {"source": h.source, "target": h.target, "flow_id": h.flow_id, "pattern": h.pattern,
             "latency_seconds": h.latency, "worst_latency_seconds": h.worst_latency, "leg": h.leg}
            for h in p.hops
        ],
        "hop_count": p.hop_count,
        "latency_seconds": p.latency,
        "worst_latency_seconds": p.worst_latency,
    }


def finding(snap: ScenarioSnapshot, f: Finding) -> Json:
    """One finding with named objects."""
    objects = {
        kind: refs(snap, getattr(f, kind))
        for kind in ("systems", "flows", "entities", "channels", "requirements", "decisions")
        if getattr(f, kind)
    }
    return {
        "rule_id": f.rule_id,
        "severity": f.severity,
        "key": f.key,
        "title": f.title,
        "explanation": f.explanation,
        "remedy": f.remedy,
        "objects": objects,
        "path": refs(snap, f.path),
        "metrics": dict(f.metrics),
    }


def findings(snap: ScenarioSnapshot, report: FindingsReport) -> Json:
    """The `analysis findings` document."""
    return {
        "scenario": scenario(snap),
        "counts": report.counts,
        "disabled_rules": list(report.disabled),
        "findings": [finding(snap, f) for f in report.findings],
    }


def rules(settings: Mapping[str, RuleSetting]) -> list[Json]:
    """The `analysis rules` document: every rule with its default and effective setting."""
    return [
        {"id": r.id, "title": r.title, "description": r.description, "default_severity": r.severity,
         "severity": settings[r.id].severity, "enabled": settings[r.id].enabled}
        for r in sorted(RULES.values(), key=lambda r: r.id)
    ]


def freshness_row(snap: ScenarioSnapshot, row: ChannelFreshness) -> Json:
    """One entity × channel freshness result."""
    return {
        "entity": ref(snap, row.entity_id),
        "channel": ref(snap, row.channel_id),
        "status": "known" if row.known else "unknown",
        "reason": row.reason,
        "explanation": row.explanation,
        "latency_seconds": row.latency,
        "worst_latency_seconds": row.worst_latency,
        "systems_of_record": refs(snap, row.sors),
        "path": path(snap, row.path),
        "holders": [
            {"system": ref(snap, h.system_id), "latency_seconds": h.latency,
             "worst_latency_seconds": h.worst_latency, "reached": h.path is not None,
             "path": [s for s in h.path.systems] if h.path else None}
            for h in row.holders
        ],
    }


def freshness(snap: ScenarioSnapshot, rows: Iterable[ChannelFreshness]) -> Json:
    """The `analysis freshness` document."""
    return {"scenario": scenario(snap), "rows": [freshness_row(snap, r) for r in rows]}


def criterion(snap: ScenarioSnapshot, r: CriterionResult) -> Json:
    """One criterion verdict with its evidence."""
    return {
        "line": r.line,
        "text": r.text,
        "status": r.status,
        "message": r.message,
        "function": r.function,
        "actual": r.actual,
        "expected": r.expected,
        "reason": r.reason,
        "column": r.column,
        "path": path(snap, r.path),
        "systems": refs(snap, r.systems),
        "flows": refs(snap, r.flows),
    }


def criteria(snap: ScenarioSnapshot, report: CriteriaReport) -> Json:
    """The `analysis criteria` document."""
    return {
        "scenario": scenario(snap),
        "counts": report.counts,
        "requirements": [
            {"requirement": ref(snap, req.requirement_id), "ref": req.ref, "status": req.status,
             "criteria": [criterion(snap, r) for r in req.results], "prose": list(req.prose)}
            for req in report.requirements
        ],
    }


def _impacted(snap: ScenarioSnapshot, item: ImpactedSystem) -> Json:
    return {
        "system": ref(snap, item.system_id),
        "distance": item.distance,
        "entities": refs(snap, item.entities),
        "flows": [f for f in item.flows],
        "relay_only": item.relay_only,
    }


def impact(snap: ScenarioSnapshot, result: Impact) -> Json:
    """The `analysis impact` document."""
    return {
        "scenario": scenario(snap),
        "origin": {"kind": result.origin_kind, **ref(snap, result.origin_id)},
        "depth": result.depth,
        "entities": refs(snap, result.entity_ids),
        "upstream": [_impacted(snap, i) for i in result.upstream],
        "downstream": [_impacted(snap, i) for i in result.downstream],
        "flows": refs(snap, result.flows),
        "channels": refs(snap, result.channels),
        "requirements": refs(snap, result.requirements),
        "decisions": refs(snap, result.decisions),
    }


def _metrics(snap: ScenarioSnapshot, m: Metrics) -> Json:
    return {
        "systems": m.systems,
        "flows": m.flows,
        "integrations": m.integrations,
        "point_to_point": m.point_to_point,
        "sor_conflicts": m.sor_conflicts,
        "sor_missing": m.sor_missing,
        "findings": dict(m.findings),
        "inventory_worst_freshness_seconds": {snap.name_of(c): s for c, s in m.inventory_freshness.items()},
    }


def comparison(a: ScenarioSnapshot, b: ScenarioSnapshot, c: Comparison) -> Json:
    """The `analysis compare` document; names come from whichever scenario holds the element."""
    both = _Merged(a, b)

    def members(m) -> Json:
        return {"added": refs(both, m.added), "removed": refs(both, m.removed)}

    def replaced(items) -> list[Json]:
        return [{"before": ref(both, r.before), "after": ref(both, r.after), "changed": list(r.changed)}
                for r in items]

    return {
        "a": scenario(a),
        "b": scenario(b),
        "model": {
            "systems": members(c.model.systems),
            "flows": {**members(c.model.flows), "changed": replaced(c.model.flow_changes)},
            "ownerships": {**members(c.model.ownerships), "changed": replaced(c.model.ownership_changes)},
        },
        "findings": {
            "resolved": [finding(a, f) for f in c.findings.resolved],
            "introduced": [finding(b, f) for f in c.findings.introduced],
            "persisting": [
                {"key": fb.key, "title": fb.title, "severity_a": fa.severity, "severity_b": fb.severity}
                for fa, fb in c.findings.persisting
            ],
        },
        "criteria": {
            "to_pass": [x.ref for x in c.criteria.to_pass],
            "to_fail": [x.ref for x in c.criteria.to_fail],
            "changes": [{"requirement": ref(both, x.requirement_id), "ref": x.ref, "a": x.before, "b": x.after}
                        for x in c.criteria.changes],
        },
        "metrics": {"a": _metrics(a, c.metrics_a), "b": _metrics(b, c.metrics_b)},
    }


class _Merged:
    # Names for the diff: an element removed in B is only in A's snapshot, an added one only in B's.
    def __init__(self, a: ScenarioSnapshot, b: ScenarioSnapshot):
        self.a, self.b = a, b

    def name_of(self, element_id: int) -> str:
        name = self.b.name_of(element_id)
        return self.a.name_of(element_id) if name.startswith("#") else name
