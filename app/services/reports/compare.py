"""The report's comparison of two scenarios: which one to compare with, measures, model changes, findings
resolved and introduced, acceptance criteria that change, and a diagram of the differences."""

from __future__ import annotations

from app.graph.units import format_duration
from app.services.analysis import scenario as svc
from app.services.errors import ValidationError
from app.services.reports.diagrams import render_svg
from app.services.reports.options import ReportOptions
from app.services.reports.sections import finding_item
from app.services.scenarios import list_scenarios
from exports.report.model import Comparison
from exports.report_model import Figure, Table
from models import Scenario
from models.vocab import FLOW_PATTERNS, OWNERSHIP_ROLES

DIFF_DIAGRAM_SYSTEMS_UP_TO = 60
MAX_CHANGE_ROWS = 80
COMPARED_FINDINGS = 10  # resolved / introduced findings explained in the comparison


def compare_target(session, engagement, options: ReportOptions, described: Scenario, baseline: Scenario,
                   recommended: Scenario | None) -> Scenario | None:
    """The scenario to compare with: the one asked for, else the baseline, the recommended or another."""
    if options.compare is not None:
        other = svc.find_scenario(session, engagement, options.compare)
        if other.id == described.id:
            raise ValidationError({"compare": "Compare with a different scenario from the one the report describes."})
        return other
    if described.id != baseline.id:
        return baseline
    if recommended is not None and recommended.id != described.id:
        return recommended
    others = [s for s in list_scenarios(session, engagement.id) if s.id != described.id]
    return others[0] if others else None


def comparison_section(session, engagement, before: Scenario, after: Scenario, analysis_of) -> Comparison:
    """What changes from one scenario to another: measures, model, findings, criteria, diagram."""
    from app.graph.compare import compare, metrics
    from exports import diagrams

    a, b = analysis_of(before), analysis_of(after)
    fa, fb = a.findings(), b.findings()
    diff = compare(a.graph, b.graph, a.settings)
    ma, mb = metrics(a.graph, fa), metrics(b.graph, fb)
    snap_a, snap_b = a.snapshot, b.snapshot

    def name(i: int) -> str:
        for snap in (snap_b, snap_a):
            if i in snap.system_by_id or i in snap.entity_by_id or i in snap.channel_by_id:
                return snap.name_of(i)
        return f"#{i}"

    def flow(i: int) -> str:
        snap = snap_b if i in snap_b.flow_by_id else snap_a
        f = snap.flow_by_id.get(i)
        if f is None:
            return f"flow {i}"
        return (f"{name(f.source)} → {name(f.target)} ({', '.join(name(e) for e in sorted(f.entity_ids))}; "
                f"{FLOW_PATTERNS.get(f.pattern, f.pattern)})")

    def ownership(i: int) -> str:
        snap = snap_b if i in snap_b.ownership_by_id else snap_a
        o = snap.ownership_by_id.get(i)
        if o is None:
            return f"ownership {i}"
        return f"{name(o.system)} — {name(o.entity)}: {OWNERSHIP_ROLES.get(o.role, o.role)}"

    m = diff.model
    rows = []
    rows += [("Added", "System", name(i)) for i in m.systems.added]
    rows += [("Removed", "System", name(i)) for i in m.systems.removed]
    rows += [("Added", "Flow", flow(i)) for i in m.flows.added]
    rows += [("Removed", "Flow", flow(i)) for i in m.flows.removed]
    rows += [("Changed", "Flow", f"{flow(r.after)} — {', '.join(r.changed)}") for r in m.flow_changes]
    rows += [("Added", "Ownership", ownership(i)) for i in m.ownerships.added]
    rows += [("Removed", "Ownership", ownership(i)) for i in m.ownerships.removed]
    rows += [("Changed", "Ownership", f"{ownership(r.before)} → {ownership(r.after).split(': ')[-1]}")
             for r in m.ownership_changes]
    note = ""
    if len(rows) > MAX_CHANGE_ROWS:
        note = (f"The model changes list the first {MAX_CHANGE_ROWS} of {len(rows):,} changes; "
                "`flask analysis compare` lists them all.")
        rows = rows[:MAX_CHANGE_ROWS]
    reqs = {r.id: r for r in snap_b.requirements}
    criteria_rows = tuple(
        (c.ref, reqs[c.requirement_id].title if c.requirement_id in reqs else "", c.before or "—", c.after or "—")
        for c in diff.criteria.changes
    )
    customer = [c for c in snap_b.channels if c.customer_facing]

    def fresh(mx, c) -> str:
        value = mx.inventory_freshness.get(c.id)
        return format_duration(value) if value is not None else "unknown"

    metric_rows = [
        ("Systems", str(ma.systems), str(mb.systems)),
        ("Data flows", str(ma.flows), str(mb.flows)),
        ("Integrations (system pairs)", str(ma.integrations), str(mb.integrations)),
        ("Point-to-point integrations", str(ma.point_to_point), str(mb.point_to_point)),
        ("Entities with several systems of record", str(ma.sor_conflicts), str(mb.sor_conflicts)),
        ("Entities in use with no system of record", str(ma.sor_missing), str(mb.sor_missing)),
    ]
    for sev in ("critical", "high", "medium", "info"):
        metric_rows.append((f"Findings: {sev}", str(ma.findings.get(sev, 0)), str(mb.findings.get(sev, 0))))
    for c in customer[:6]:
        metric_rows.append((f"Inventory freshness on {c.name}", fresh(ma, c), fresh(mb, c)))
    small = max(len(snap_a.systems), len(snap_b.systems)) <= DIFF_DIAGRAM_SYSTEMS_UP_TO
    svg = render_svg(diagrams.diff_diagram(snap_a, snap_b)) if small else None
    return Comparison(
        before=before.name, after=after.name,
        metrics=Table(("Measure", before.name, after.name), tuple(metric_rows), numeric=(1, 2)),
        model=Table(("Change", "Kind", "What"), tuple(rows)),
        resolved=tuple(finding_item(snap_a, f) for f in _most_severe(diff.findings.resolved)),
        introduced=tuple(finding_item(snap_b, f) for f in _most_severe(diff.findings.introduced)),
        resolved_total=len(diff.findings.resolved), introduced_total=len(diff.findings.introduced),
        criteria=Table(("Ref", "Requirement", f"In {before.name}", f"In {after.name}"), criteria_rows),
        diagram=Figure(svg, f"Figure: what changes from {before.name} to {after.name} "
                            "(green: added, red: removed).") if svg else None,
        note=note,
    )


def _most_severe(findings) -> list:
    from app.graph.findings import SEVERITIES

    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: rank.get(f.severity, 99))[:COMPARED_FINDINGS]
