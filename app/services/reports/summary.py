"""The report's executive summary: headline counts, key findings, coverage, and the scenario ranking that
recommends one scenario (most Must criteria passing, then fewest critical and high-severity findings)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from app.services.analysis import scenario as svc
from app.services.catalog import traceability as traceability
from app.services.reports.sections import finding_item
from exports.report.model import Recommendation, Summary
from exports.report_model import Table
from models import Decision, Scenario

KEY_FINDINGS = 6


def rank_scenarios(scenarios: Sequence[Scenario], analysis_of) -> list[tuple[Scenario, int, int, int, int]]:
    """(scenario, Must requirements passing, Must requirements with criteria, high+critical findings, all findings)
    best first: most Must criteria passing, then fewest high-severity findings."""
    rows = []
    for scenario in scenarios:
        a = analysis_of(scenario)
        musts = {r.id for r in a.snapshot.requirements if r.priority == "must" and r.status != "dropped"}
        criteria = a.criteria()
        judged = [r for r in criteria.requirements if r.requirement_id in musts]
        passing = sum(1 for r in judged if r.status == "pass")
        counts = a.findings().counts
        severe = counts.get("critical", 0) + counts.get("high", 0)
        rows.append((scenario, passing, len(judged), severe, sum(counts.values())))
    rows.sort(key=lambda r: (-r[1], r[3], r[4], not r[0].is_baseline, r[0].id))
    return rows


def _recommendation(ranking, baseline: Scenario) -> Recommendation | None:
    if not ranking:
        return None

    def plural(n: int) -> str:
        return f"{n} critical or high-severity finding{'s' if n != 1 else ''}"

    best, passing, judged, severe, total = ranking[0]
    sentences = [f"{best.name} passes {passing} of the {judged} Must requirements that have executable acceptance "
                 f"criteria and has {plural(severe)} ({total} findings in all)."]
    base = next((r for r in ranking if r[0].id == baseline.id), None)
    if base is not None and base[0].id != best.id:
        sentences.append(f"Today's landscape ({base[0].name}) passes {base[1]} of {base[2]} with {plural(base[3])}.")
    runner = next((r for r in ranking[1:] if base is None or r[0].id != base[0].id), None)
    if runner is not None:
        if (runner[1], runner[3]) == (passing, severe):
            sentences.append(f"{runner[0].name} is level on both counts and comes second on the total of findings.")
        else:
            sentences.append(f"The next best, {runner[0].name}, passes {runner[1]} of {runner[2]} with "
                             f"{plural(runner[3])}.")
    sentences.append("Scenarios are ranked on Must requirements passed, then on fewest critical and high-severity "
                     "findings.")
    table = Table(("Scenario", "Must criteria passed", "Critical + high findings", "All findings"),
                  tuple((s.name + (" (current state)" if s.is_baseline else ""), f"{p} of {j}", str(sev), str(t))
                        for s, p, j, sev, t in ranking), numeric=(1, 2, 3))
    return Recommendation(best.name, " ".join(sentences), table)


def summary_section(session, engagement, main: svc.Analysis, findings, ranking, baseline, analysis_of) -> Summary:
    """The executive summary: headline counts, finding counts, key findings, coverage, recommendation."""
    snap = main.snapshot
    cov = traceability.coverage(session, engagement)
    headline = (
        ("systems", str(len(snap.systems))),
        ("data flows", str(len(snap.flows))),
        ("channels", str(len(snap.channels))),
        ("data entities", str(len(snap.entities))),
        ("requirements", str(cov.requirements)),
        ("decisions", str(session.scalar(select(func.count(Decision.id))
                                         .where(Decision.engagement_id == engagement.id)) or 0)),
    )
    coverage = (
        ("Requirements (not dropped)", str(cov.requirements)),
        ("… with no decision addressing them", str(cov.without_decision)),
        ("Must-haves with no accepted decision", str(cov.must_unaddressed)),
        ("Decisions with no requirement", str(cov.decisions_without_requirement)),
        ("Suspect trace links (changed since review)", str(cov.suspect_links)),
    )
    notes = ()
    if cov.must_unaddressed_first:
        refs = ", ".join(r.ref for r in cov.must_unaddressed_first[:12])
        notes = (f"Must-haves still without an accepted decision: {refs}"
                 f"{' …' if cov.must_unaddressed > 12 else ''}.",)
    return Summary(
        finding_counts=tuple(findings.counts.items()),
        key_findings=tuple(finding_item(snap, f) for f in findings.findings[:KEY_FINDINGS]),
        coverage=coverage, headline=headline, coverage_notes=notes,
        recommendation=_recommendation(ranking, baseline),
    )
