"""Building a client report: gather an engagement's discovery into a `ReportInput`, and render it as a PDF.

`build_input` reads the database once per scenario (analysis snapshots, inventories, requirements, decisions,
engine runs) and formats everything as text, calling the section builders of `report_sections`,
`report_summary`, `report_diagrams` and `report_compare`; `exports.report` renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.analysis import scenario as svc
from app.services.errors import NotFound
from app.services.labels import LABELS
from app.services.reports.compare import compare_target, comparison_section
from app.services.reports.diagrams import landscape_figures
from app.services.reports.options import ReportOptions
from app.services.reports.sections import (
    DETAILED_FINDINGS,
    DETAILED_REQUIREMENTS,
    GLOSSARY,
    MAX_FINDING_ROWS,
    METHOD,
    decision_items,
    finding_item,
    freshness_heatmap,
    integrations_table,
    ownership_table,
    requirement_items,
    systems_table,
    traceability_table,
)
from app.services.reports.summary import rank_scenarios, summary_section
from app.services.review.comments import report_threads
from app.services.scenarios import list_scenarios
from exports.report import report_pdf
from exports.report.model import ReportInput, ReviewNote
from exports.report_model import Branding, Table
from models import Change, Engagement, Scenario

STATIC_DIR = Path(__file__).resolve().parents[3] / "static"
PDF_TIMEOUT = 120.0
Progress = Callable[[float], None]


def build_input(session: Session, engagement: Engagement, options: ReportOptions, *,
                prepared_by: str = "", progress: Progress | None = None) -> ReportInput:
    """Everything the selected sections show, as plain formatted data."""
    tick = progress or (lambda _f: None)
    on = set(options.sections)
    scenarios = list_scenarios(session, engagement.id)
    if not scenarios:
        raise NotFound("This engagement has no scenarios.")
    analyses: dict[int, svc.Analysis] = {}

    def analysis_of(scenario: Scenario) -> svc.Analysis:
        if scenario.id not in analyses:
            analyses[scenario.id] = svc.analyse(session, engagement, scenario)
        return analyses[scenario.id]

    described = svc.find_scenario(session, engagement, options.scenario)
    baseline = next((s for s in scenarios if s.is_baseline), scenarios[0])
    main = analysis_of(described)
    findings = main.findings()
    tick(0.1)
    ranking = rank_scenarios(scenarios, analysis_of) if on & {"summary", "requirements"} else []
    tick(0.25)
    recommended = ranking[0][0] if ranking else None
    data: dict[str, Any] = {"notes": {}, "remarks": {}}
    if "summary" in on:
        data["summary"] = summary_section(session, engagement, main, findings, ranking, baseline, analysis_of)
    if "landscape" in on:
        data["diagrams"] = landscape_figures(baseline, described, analysis_of)
    tick(0.4)
    if "systems" in on:
        data["systems"] = systems_table(session, described)
    if "integrations" in on:
        data["integrations"], remark = integrations_table(session, described)
        if remark:
            data.setdefault("remarks", {})["integrations"] = remark
    if "ownership" in on:
        data["ownership"], data["ownership_notes"] = ownership_table(session, engagement, described)
    if "findings" in on:
        listed = findings.findings
        data["findings"] = tuple(finding_item(main.snapshot, f) for f in listed[:DETAILED_FINDINGS])
        rest = listed[DETAILED_FINDINGS:]
        if rest:
            data["more_findings"] = Table(("Severity", "Finding", "Remedy"), tuple(
                (f.severity, f.title, f.remedy) for f in rest[:MAX_FINDING_ROWS]))
            remark = (f"{len(listed):,} findings: the {DETAILED_FINDINGS} most severe are explained in full, "
                      f"{'the next ' + str(MAX_FINDING_ROWS) if len(rest) > MAX_FINDING_ROWS else 'the others'} "
                      "are listed one per line")
            if len(rest) > MAX_FINDING_ROWS:
                remark += "; the analysis page and `flask analysis findings` list them all"
            data.setdefault("remarks", {})["findings"] = remark + "."
    if "freshness" in on:
        data["freshness"], data["freshness_notes"] = freshness_heatmap(main)
    tick(0.55)
    if "requirements" in on:
        data["scenarios"] = tuple(s.name for s in scenarios)
        data["requirements"] = requirement_items(session, engagement, scenarios, analysis_of)
        if len(data["requirements"]) > DETAILED_REQUIREMENTS:
            data.setdefault("remarks", {})["requirements"] = (
                f"{len(data['requirements']):,} requirements: all are in the table; the details (text and acceptance "
                f"criteria) are given for {DETAILED_REQUIREMENTS}, Must-haves first.")
    if "traceability" in on:
        data["traceability"], data["coverage_notes"] = traceability_table(session, engagement)
    if "decisions" in on:
        data["decisions"] = decision_items(session, engagement)
    tick(0.7)
    if "comparison" in on:
        other = compare_target(session, engagement, options, described, baseline, recommended)
        if other is None:
            data["notes"]["comparison"] = "This engagement has a single scenario: there is nothing to compare with."
        else:
            before, after = (other, described) if other.is_baseline or not described.is_baseline else (described, other)
            data["comparison"] = comparison_section(session, engagement, before, after, analysis_of)
    if "engines" in on or "summary" in on:
        engines = selected_engine_results(session, engagement, options.runs)
        data["engines"] = tuple(engines) if "engines" in on else ()
        if data.get("summary") is not None and engines:
            from dataclasses import replace

            data["summary"] = replace(data["summary"], engines=tuple((e.title, e.headline[:4]) for e in engines))
    tick(0.85)
    if "appendix" in on:
        data["glossary"], data["method"] = GLOSSARY, METHOD
        data["review_notes"] = _review_notes(session, engagement)
    return ReportInput(
        engagement=engagement.name, client=engagement.client or "", date=date.today().isoformat(),
        version=_version(session, engagement), scenario=described.name, sections=options.sections,
        branding=branding_of(session, engagement), prepared_by=prepared_by, description=engagement.description or "",
        labels=LABELS, **data,
    )


def _review_notes(session: Session, engagement: Engagement) -> tuple[ReviewNote, ...]:
    """The comment threads chosen for the report (none unless chosen: comments are internal by default)."""
    return tuple(
        ReviewNote(f"{kind}: {label}", c.author_name, c.created_at.date().isoformat(), c.body, not c.is_open,
                   tuple((r.author_name, r.body) for r in c.replies))
        for kind, label, c in report_threads(session, engagement)
    )


def branding_of(session: Session, engagement: Engagement) -> Branding:
    """The engagement's report branding (the defaults until one is saved)."""
    try:
        from app.services.reports.branding import branding_for
    except ImportError:  # the branding service ships separately; the defaults still make a proper report
        return Branding()
    return branding_for(session, engagement)


def _version(session: Session, engagement: Engagement) -> str:
    # The model's version is the number of recorded changes: it moves whenever the content of the report can.
    changes = session.scalar(select(func.count(Change.id)).where(Change.engagement_id == engagement.id)) or 0
    return f"v{changes + 1} — {date.today().isoformat()}"


def selected_engine_results(session: Session, engagement: Engagement, run_ids: Sequence[int]):
    """The results of the chosen engine runs (none when no run was chosen); NotFound for a run not shown."""
    if not run_ids:
        return []
    from app.services.reports.engines import engine_results

    return engine_results(session, engagement, list(run_ids))


def make_pdf(session: Session, engagement: Engagement, options: ReportOptions, *, prepared_by: str = "",
             progress: Progress | None = None, timeout: float = PDF_TIMEOUT) -> bytes:
    """The report's PDF bytes (ReportError when rendering fails or overruns)."""
    tick = progress or (lambda _f: None)
    report = build_input(session, engagement, options, prepared_by=prepared_by, progress=lambda f: tick(f * 0.5))
    tick(0.5)
    return report_pdf(report, static_dir=STATIC_DIR, timeout=timeout)
