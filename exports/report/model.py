"""The report's input: one engagement's discovery as plain, already-formatted data (no Flask, no ORM).

`app.services.reports.build_input` fills it from the database; `exports.report.render_html` turns it into HTML.
Every string is user or computed text and is escaped by the templates; the only markup is `Figure.svg`,
which comes from our own generators (Graphviz, `exports.charts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exports.report_model import Branding, EngineResult, Figure, Table

# Section keys in report order, with their titles. "cover" and "toc" have no numbered heading.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("cover", "Cover"),
    ("toc", "Contents"),
    ("summary", "Executive summary"),
    ("landscape", "Landscape"),
    ("systems", "System inventory"),
    ("integrations", "Integration inventory"),
    ("ownership", "Data ownership"),
    ("findings", "Findings"),
    ("freshness", "Data freshness"),
    ("requirements", "Requirements"),
    ("traceability", "Traceability"),
    ("decisions", "Decision log"),
    ("comparison", "Scenario comparison"),
    ("engines", "Engine results"),
    ("appendix", "Appendix"),
)
SECTION_KEYS = tuple(key for key, _ in SECTIONS)
SECTION_TITLES = dict(SECTIONS)


@dataclass(frozen=True)
class FindingItem:
    """One finding as the report words it."""

    severity: str
    title: str
    explanation: str
    remedy: str
    rule: str = ""
    objects: str = ""  # "Systems: SAP ECC, Fluent OMS · Entities: Inventory"


@dataclass(frozen=True)
class HeatCell:
    """One channel × entity cell: the formatted worst latency and its staleness level."""

    text: str
    level: str  # "fresh" | "minutes" | "hours" | "stale" | "unknown" | "none"
    note: str = ""


@dataclass(frozen=True)
class Heatmap:
    """Rows are channels, columns entities."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[HeatCell, ...]], ...]
    legend: tuple[tuple[str, str], ...] = ()  # (level, label)


@dataclass(frozen=True)
class Recommendation:
    """The scenario the report recommends and why, in words."""

    scenario: str
    reason: str
    ranking: Table | None = None


@dataclass(frozen=True)
class Summary:
    """The executive summary's figures."""

    finding_counts: tuple[tuple[str, int], ...]  # (severity, count), most severe first
    key_findings: tuple[FindingItem, ...]
    coverage: tuple[tuple[str, str], ...]  # (label, formatted value)
    headline: tuple[tuple[str, str], ...]  # model figures: systems, flows, …
    engines: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (engine result title, headline)
    recommendation: Recommendation | None = None
    coverage_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequirementItem:
    """A requirement with its verdict per scenario."""

    ref: str
    title: str
    text: str
    priority: str
    status: str
    acceptance: str
    verdicts: tuple[str, ...]  # one per `ReportInput.scenarios`: pass, fail, unknown or "" (no criteria)
    detailed: bool = True  # shown again below the table with its text and acceptance criteria
    signoff: str = ""  # approved, rejected, stale, or "" when nobody signed off
    signoff_detail: str = ""  # each reviewer's verdict: "Approved by Rae on 2026-12-07 (version 2)"


@dataclass(frozen=True)
class DecisionItem:
    """An architecture decision record in full; `status` is the effective one."""

    ref: str
    title: str
    status: str
    decided_on: str
    scenario: str
    context: str
    options: str
    outcome: str
    consequences: str
    addresses: str = ""  # "REQ-1, REQ-3"
    affects: str = ""
    deciders: str = ""
    supersedes: str = ""
    superseded_by: str = ""  # the accepted ADR that superseded it (then `status` is "superseded")
    signoff: str = ""  # as RequirementItem.signoff
    signoff_detail: str = ""


@dataclass(frozen=True)
class Comparison:
    """Scenario B against scenario A: what changes in the model, findings and criteria."""

    before: str
    after: str
    metrics: Table
    model: Table
    resolved: tuple[FindingItem, ...]
    introduced: tuple[FindingItem, ...]
    criteria: Table
    diagram: Figure | None = None
    note: str = ""
    resolved_total: int = 0  # the lists above may hold only the most severe
    introduced_total: int = 0


@dataclass(frozen=True)
class ReviewNote:
    """A review comment thread chosen for the report: what it is on, who wrote it, and its replies."""

    anchor: str  # "Decision: ADR-2 Publish stock as events"
    author: str
    date: str
    body: str
    resolved: bool = False
    replies: tuple[tuple[str, str], ...] = ()  # (author, text)


@dataclass(frozen=True)
class ReportInput:
    """Everything one report shows; sections not selected may be left empty."""

    engagement: str
    client: str
    date: str
    version: str
    scenario: str  # the scenario the inventory sections describe
    sections: tuple[str, ...]
    branding: Branding = field(default_factory=Branding)
    prepared_by: str = ""
    description: str = ""
    summary: Summary | None = None
    diagrams: tuple[Figure, ...] = ()
    systems: Table | None = None
    integrations: Table | None = None
    ownership: Table | None = None
    ownership_notes: tuple[str, ...] = ()
    findings: tuple[FindingItem, ...] = ()
    freshness: Heatmap | None = None
    freshness_notes: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()  # columns of the requirement verdicts
    requirements: tuple[RequirementItem, ...] = ()
    traceability: Table | None = None
    coverage_notes: tuple[str, ...] = ()
    decisions: tuple[DecisionItem, ...] = ()
    comparison: Comparison | None = None
    engines: tuple[EngineResult, ...] = ()
    glossary: tuple[tuple[str, str], ...] = ()
    method: tuple[tuple[str, str], ...] = ()  # (heading, paragraph)
    notes: dict[str, str] = field(default_factory=dict)  # section key -> a sentence shown when it has no content
    remarks: dict[str, str] = field(default_factory=dict)  # section key -> a sentence shown under its heading
    more_findings: Table | None = None  # findings past the detailed ones, one line each
    labels: Mapping[str, str] = field(default_factory=dict)  # code -> label, for `label(code)` in the template
    review_notes: tuple[ReviewNote, ...] = ()  # only threads chosen for the report, in the appendix
