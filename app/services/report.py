"""The client report: gather an engagement's discovery into a `ReportInput`, and run report jobs.

`build_input` reads the database once per scenario (analysis snapshots, inventories, requirements, decisions,
engine runs) and formats everything as text; `exports.report` renders it. Jobs (`start_job`, `execute_job`)
record the options and the finished PDF in `report_jobs`, so the web can generate in the background.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.graph.units import format_duration
from app.services import analysis as svc
from app.services import ownership_matrix, traceability
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import list_scenarios
from exports.report import SECTION_KEYS, ReportError, report_pdf
from exports.report.model import (
    Comparison,
    DecisionItem,
    FindingItem,
    HeatCell,
    Heatmap,
    Recommendation,
    ReportInput,
    RequirementItem,
    Summary,
)
from exports.report_model import Branding, Figure, Table
from models import Change, DataFlow, Decision, Element, Engagement, Requirement, Scenario, System, TraceLink, User
from models.base import utcnow
from models.report import ReportJob
from models.vocab import (
    FLOW_PATTERNS,
    HOSTING,
    LIFECYCLE,
    OWNERSHIP_ROLES,
    PRIORITIES,
    SYSTEM_CATEGORIES,
)

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
DIAGRAM_TIMEOUT = 20.0
PDF_TIMEOUT = 120.0
MAX_ENTITY_DIAGRAMS = 4
KEY_FINDINGS = 6
# Past these sizes a printed page stops being readable (and WeasyPrint spends seconds per page of tables):
# the report summarises and says where the full lists are.
DETAILED_LANDSCAPE_UP_TO = 60  # systems; larger landscapes are drawn as categories with flow counts
ENTITY_DIAGRAM_FLOWS_UP_TO = 80
CATEGORY_PAIRS = 30  # lines drawn on a large landscape's category map
DIFF_DIAGRAM_SYSTEMS_UP_TO = 60
MAX_FLOW_ROWS = 120
DETAILED_FINDINGS = 15
MAX_FINDING_ROWS = 60
DETAILED_REQUIREMENTS = 25
MAX_NAMES = 12  # systems named in one ownership cell before "and N more"
MAX_CHANGE_ROWS = 80
COMPARED_FINDINGS = 10  # resolved / introduced findings explained in the comparison
Progress = Callable[[float], None]


@dataclass(frozen=True)
class ReportOptions:
    """What to put in a report: the scenario it describes, the one it compares with, sections, engine runs."""

    scenario: str | int | None = None
    compare: str | int | None = None
    sections: tuple[str, ...] = SECTION_KEYS
    runs: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The options as stored with a job."""
        return {"scenario": self.scenario, "compare": self.compare, "sections": list(self.sections),
                "runs": list(self.runs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportOptions:
        """Options back from a job row."""
        return cls(data.get("scenario"), data.get("compare"), tuple(data.get("sections") or SECTION_KEYS),
                   tuple(int(r) for r in data.get("runs") or ()))


def parse_options(scenario: Any = None, compare: Any = None, sections: Iterable[str] | str | None = None,
                  runs: Iterable[Any] | str | None = None) -> ReportOptions:
    """Options from form or command-line values; ValidationError names an unknown section or a bad run id."""
    if isinstance(sections, str):
        sections = [s for s in sections.replace(" ", "").split(",") if s]
    chosen = [s.strip().lower() for s in (sections or ()) if s and s.strip()]
    unknown = [s for s in chosen if s not in SECTION_KEYS]
    if unknown:
        raise ValidationError({"sections": f"Unknown section(s): {', '.join(unknown)}; "
                                           f"choose from {', '.join(SECTION_KEYS)}."})
    if sections is not None and not chosen:
        raise ValidationError({"sections": "Choose at least one section."})
    if isinstance(runs, str):
        runs = [r for r in runs.replace(" ", "").split(",") if r]
    run_ids: list[int] = []
    for raw in runs or ():
        try:
            run_ids.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError({"runs": f"Run id {raw!r} is not a number."}) from None
    if chosen:
        ordered = tuple(k for k in SECTION_KEYS if k in chosen)
    else:  # every section; engine results only when runs were picked (an empty section reads as a gap)
        ordered = tuple(k for k in SECTION_KEYS if k != "engines" or run_ids)
    return ReportOptions(_blank(scenario), _blank(compare), ordered, tuple(dict.fromkeys(run_ids)))


def _blank(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


# --- building the input ---------------------------------------------------------------------------


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
    ranking = _rank(scenarios, analysis_of) if on & {"summary", "requirements"} else []
    tick(0.25)
    recommended = ranking[0][0] if ranking else None
    data: dict[str, Any] = {"notes": {}, "remarks": {}}
    if "summary" in on:
        data["summary"] = _summary(session, engagement, main, findings, ranking, baseline, analysis_of)
    if "landscape" in on:
        data["diagrams"] = _diagrams(baseline, described, analysis_of)
    tick(0.4)
    if "systems" in on:
        data["systems"] = _systems(session, described)
    if "integrations" in on:
        data["integrations"], remark = _integrations(session, described)
        if remark:
            data.setdefault("remarks", {})["integrations"] = remark
    if "ownership" in on:
        data["ownership"], data["ownership_notes"] = _ownership(session, engagement, described)
    if "findings" in on:
        listed = findings.findings
        data["findings"] = tuple(_finding(main.snapshot, f) for f in listed[:DETAILED_FINDINGS])
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
        data["freshness"], data["freshness_notes"] = _freshness(main)
    tick(0.55)
    if "requirements" in on:
        data["scenarios"] = tuple(s.name for s in scenarios)
        data["requirements"] = _requirements(session, engagement, scenarios, analysis_of)
        if len(data["requirements"]) > DETAILED_REQUIREMENTS:
            data.setdefault("remarks", {})["requirements"] = (
                f"{len(data['requirements']):,} requirements: all are in the table; the details (text and acceptance "
                f"criteria) are given for {DETAILED_REQUIREMENTS}, Must-haves first.")
    if "traceability" in on:
        data["traceability"], data["coverage_notes"] = _traceability(session, engagement)
    if "decisions" in on:
        data["decisions"] = _decisions(session, engagement)
    tick(0.7)
    if "comparison" in on:
        other = _compare_target(session, engagement, options, described, baseline, recommended)
        if other is None:
            data["notes"]["comparison"] = "This engagement has a single scenario: there is nothing to compare with."
        else:
            before, after = (other, described) if other.is_baseline or not described.is_baseline else (described, other)
            data["comparison"] = _comparison(session, engagement, before, after, analysis_of)
    if "engines" in on or "summary" in on:
        engines = _engines(session, engagement, options.runs)
        data["engines"] = tuple(engines) if "engines" in on else ()
        if data.get("summary") is not None and engines:
            from dataclasses import replace

            data["summary"] = replace(data["summary"], engines=tuple((e.title, e.headline[:4]) for e in engines))
    tick(0.85)
    if "appendix" in on:
        data["glossary"], data["method"] = GLOSSARY, METHOD
    return ReportInput(
        engagement=engagement.name, client=engagement.client or "", date=date.today().isoformat(),
        version=_version(session, engagement), scenario=described.name, sections=options.sections,
        branding=branding_of(session, engagement), prepared_by=prepared_by, description=engagement.description or "",
        **data,
    )


def branding_of(session: Session, engagement: Engagement) -> Branding:
    """The engagement's report branding (the defaults until one is saved)."""
    try:
        from app.services.branding import branding_for
    except ImportError:  # the branding service ships separately; the defaults still make a proper report
        return Branding()
    return branding_for(session, engagement)


def _version(session: Session, engagement: Engagement) -> str:
    # The model's version is the number of recorded changes: it moves whenever the content of the report can.
    changes = session.scalar(select(func.count(Change.id)).where(Change.engagement_id == engagement.id)) or 0
    return f"v{changes + 1} — {date.today().isoformat()}"


def _names(snap, ids: Iterable[int]) -> str:
    return ", ".join(snap.name_of(i) for i in ids)


def _finding(snap, f) -> FindingItem:
    parts = []
    for kind, label in (("systems", "Systems"), ("entities", "Entities"), ("channels", "Channels"),
                        ("requirements", "Requirements"), ("decisions", "Decisions")):
        ids = getattr(f, kind)
        if ids:
            parts.append(f"{label}: {_names(snap, ids)}")
    if f.flows:
        parts.append(f"Flows: {', '.join(_flow_label(snap, i) for i in f.flows)}")
    if f.path:
        parts.append(f"Path: {' → '.join(snap.name_of(i) for i in f.path)}")
    return FindingItem(f.severity, f.title, f.explanation, f.remedy, f.rule_id, " · ".join(parts))


def _flow_label(snap, flow_id: int) -> str:
    flow = snap.flow_by_id.get(flow_id)
    if flow is None:
        return f"flow {flow_id}"
    return f"{snap.name_of(flow.source)} → {snap.name_of(flow.target)}"


def _rank(scenarios: Sequence[Scenario], analysis_of) -> list[tuple[Scenario, int, int, int, int]]:
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


def _summary(session, engagement, main: svc.Analysis, findings, ranking, baseline, analysis_of) -> Summary:
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
        key_findings=tuple(_finding(snap, f) for f in findings.findings[:KEY_FINDINGS]),
        coverage=coverage, headline=headline, coverage_notes=notes,
        recommendation=_recommendation(ranking, baseline),
    )


def _svg(dot: str) -> str | None:
    from exports.graphviz_render import DiagramError, render

    try:
        return render(dot, "svg", timeout=DIAGRAM_TIMEOUT).decode("utf-8")
    except DiagramError:
        return None


def _landscape(snap, title: str) -> Figure | None:
    from exports import diagrams

    if len(snap.systems) <= DETAILED_LANDSCAPE_UP_TO:
        svg = _svg(diagrams.landscape(snap, cluster="category"))
        return Figure(svg, f"Figure: {title}, systems grouped by category.") if svg else None
    svg = _svg(category_map(snap))
    return Figure(svg, f"Figure: {title} — {len(snap.systems)} systems drawn as their "
                       f"categories; a line joins the {CATEGORY_PAIRS} busiest pairs of categories and counts the "
                       "data flows between them (both directions).") if svg else None


def category_map(snap) -> str:
    """DOT of a large landscape at category level: one box per category (with its system count) on a circle, and
    a line between two categories for the busiest pairs, as thick as and labelled with the flows between them."""
    from exports.dot import Dot, lines

    index = {code: i for i, code in enumerate(SYSTEM_CATEGORIES)}
    category = {s.id: s.category for s in snap.systems}
    counts: dict[str, int] = defaultdict(int)
    for s in snap.systems:
        counts[s.category] += 1
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for f in snap.flows:
        a, b = category.get(f.source), category.get(f.target)
        if a and b and a != b:  # flows inside a category are in the inventory, not drawn as loops
            pairs[tuple(sorted((a, b), key=lambda c: index.get(c, 99)))] += 1
    busiest = sorted(pairs.items(), key=lambda kv: (-kv[1], index.get(kv[0][0], 99), index.get(kv[0][1], 99)))
    busiest = busiest[:CATEGORY_PAIRS]
    dot = Dot("categories", graph={"layout": "circo", "fontname": "Liberation Sans", "mindist": "1.6"},
              node={"shape": "box", "style": "rounded,filled", "fillcolor": "#eef2f7", "color": "#1f3a5f",
                    "fontname": "Liberation Sans", "fontsize": "12", "margin": "0.15,0.08"},
              edge={"color": "#8a96a3", "fontname": "Liberation Sans", "fontsize": "10", "dir": "none",
                    "fontcolor": "#3c4650"})
    for code in sorted(counts, key=lambda c: index.get(c, 99)):
        n = counts[code]
        dot.node(f"c{index.get(code, 99)}", label=lines(SYSTEM_CATEGORIES.get(code, code),
                                                        f"{n} system{'s' if n != 1 else ''}"))
    top = max((n for _, n in busiest), default=1)
    for (a, b), n in busiest:
        dot.edge(f"c{index.get(a, 99)}", f"c{index.get(b, 99)}", label=str(n), penwidth=f"{0.5 + 4 * n / top:.2f}")
    return dot.source()


def _diagrams(baseline: Scenario, described: Scenario, analysis_of) -> tuple[Figure, ...]:
    from exports import diagrams

    figures = []
    base = analysis_of(baseline)
    figure = _landscape(base.snapshot, f"current-state landscape ({baseline.name})")
    if figure:
        figures.append(figure)
    main = analysis_of(described)
    if described.id != baseline.id:
        figure = _landscape(main.snapshot, f"landscape of {described.name}")
        if figure:
            figures.append(figure)
    snap = main.snapshot
    entities = sorted(snap.entities, key=lambda e: (not e.time_critical, e.name.casefold()))
    carried: dict[int, int] = defaultdict(int)
    for f in snap.flows:
        for e in f.entity_ids:
            carried[e] += 1
    drawable = [e for e in entities if 0 < carried[e.id] <= ENTITY_DIAGRAM_FLOWS_UP_TO]
    for entity in drawable[:MAX_ENTITY_DIAGRAMS]:
        svg = _svg(diagrams.entity_flow(snap, entity.id, graph=main.graph))
        if svg:
            figures.append(Figure(svg, f"Figure: how {entity.name} flows in {described.name}"
                                       f"{' (time-critical)' if entity.time_critical else ''}."))
    return tuple(figures)


def _members(scenario: Scenario):
    from models import scenario_members

    return select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario.id)


def _systems(session: Session, scenario: Scenario) -> Table:
    systems = session.scalars(
        select(System).where(System.id.in_(_members(scenario)))
        .options(selectinload(System.owner), selectinload(System.channels))
    ).all()
    order = {code: i for i, code in enumerate(SYSTEM_CATEGORIES)}
    systems = sorted(systems, key=lambda s: (order.get(s.category, 99), s.name.casefold()))
    rows = tuple(
        (s.name, SYSTEM_CATEGORIES.get(s.category, s.category), " ".join(p for p in (s.vendor, s.product) if p),
         HOSTING.get(s.hosting, s.hosting), LIFECYCLE.get(s.lifecycle, s.lifecycle),
         s.owner.name if s.owner else "—", ", ".join(c.name for c in s.channels))
        for s in systems
    )
    return Table(("System", "Category", "Vendor / product", "Hosting", "Lifecycle", "Owner", "Channels"), rows,
                 caption=f"{len(rows)} systems")


def _latency(typical: float | None, worst: float | None) -> str:
    if typical is None and worst is None:
        return "unknown"
    first = format_duration(typical) if typical is not None else "?"
    return first if worst is None or worst == typical else f"{first} / {format_duration(worst)}"


def _integrations(session: Session, scenario: Scenario) -> tuple[Table, str]:
    flows = session.scalars(
        select(DataFlow).where(DataFlow.id.in_(_members(scenario)))
        .options(selectinload(DataFlow.source), selectinload(DataFlow.target), selectinload(DataFlow.via),
                 selectinload(DataFlow.entities))
    ).all()
    total, remark = len(flows), ""
    if total > MAX_FLOW_ROWS:
        # Keep the flows a client must see: time-critical data first, then slow (batch, manual) feeds.
        flows = sorted(flows, key=lambda f: (not any(e.time_critical for e in f.entities),
                                             f.pattern not in ("batch", "manual"), f.id))[:MAX_FLOW_ROWS]
        remark = (f"Showing {MAX_FLOW_ROWS} of {total:,} data flows: those carrying time-critical data first, then "
                  "batch and manual feeds. The workbook export (flask workbook export) lists every flow.")
    flows = sorted(flows, key=lambda f: (f.source.name.casefold(), f.target.name.casefold(), f.id))
    rows = tuple(
        (f"{f.source.name} {'↔' if f.direction == 'two_way' else '→'} {f.target.name}",
         ", ".join(e.name for e in f.entities), FLOW_PATTERNS.get(f.pattern, f.pattern), f.frequency or "—",
         _latency(f.latency_seconds, f.worst_latency_seconds), f.via.name if f.via else "—")
        for f in flows
    )
    return Table(("Source → target", "Entities", "Pattern", "Frequency", "Latency", "Via"), rows,
                 caption=f"{total:,} data flows"), remark


def _ownership(session: Session, engagement: Engagement, scenario: Scenario) -> tuple[Table, tuple[str, ...]]:
    m = ownership_matrix.build(session, engagement, scenario)
    by_entity: dict[int, list[tuple[str, str]]] = defaultdict(list)
    names = {s.id: s.name for s in m.systems}
    for (entity_id, system_id), owns in m.cells.items():
        for own in owns:
            by_entity[entity_id].append((names.get(system_id) or own.system.name, own.role))
    rows, problems = [], 0
    for entity in m.entities:
        held = sorted(by_entity.get(entity.id, []), key=lambda x: (x[1] != "sor", x[0].casefold()))
        sors = [n for n, role in held if role == "sor"]
        others = [f"{n} ({OWNERSHIP_ROLES.get(role, role).lower()})" for n, role in held if role != "sor"]
        if len(others) > MAX_NAMES:
            others = [*others[:MAX_NAMES], f"and {len(others) - MAX_NAMES} more"]
        problem = m.problem(entity.id) or ""
        problems += bool(problem)
        rows.append((entity.name, ", ".join(sors) or "—", ", ".join(others) or "—", problem or "OK"))
    notes = ()
    if problems:
        notes = (f"{problems} entit{'ies do' if problems != 1 else 'y does'} not have exactly one system of record; "
                 "see the findings for what that causes.",)
    return Table(("Entity", "System of record", "Other systems holding it", "Check"), tuple(rows)), notes


LEVELS = (("fresh", "≤ 1 min"), ("minutes", "≤ 1 h"), ("hours", "≤ 1 day"), ("stale", "> 1 day"),
          ("unknown", "unknown"), ("none", "not used"))


def _level(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds <= 60:
        return "fresh"
    if seconds <= 3600:
        return "minutes"
    return "hours" if seconds <= 86400 else "stale"


def _freshness(main: svc.Analysis) -> tuple[Heatmap, tuple[str, ...]]:
    snap = main.snapshot
    pairs = {(c.channel_id, c.entity_id): c for c in main.freshness()}
    entities = sorted(snap.entities, key=lambda e: (not e.time_critical, e.name.casefold()))
    channels = sorted(snap.channels, key=lambda c: (not c.customer_facing, c.name.casefold()))
    rows, reasons = [], {}
    for channel in channels:
        cells = []
        for entity in entities:
            pair = pairs.get((channel.id, entity.id))
            if pair is None:
                cells.append(HeatCell("—", "none"))
            elif pair.known:
                cells.append(HeatCell(format_duration(pair.worst_latency), _level(pair.worst_latency)))
            else:
                cells.append(HeatCell("?", "unknown", pair.explanation))
                reasons.setdefault(pair.explanation, []).append(f"{entity.name} on {channel.name}")
        rows.append((channel.name, tuple(cells)))
    notes = tuple(f"Unknown ({why}): {', '.join(where[:8])}{' …' if len(where) > 8 else ''}."
                  for why, where in reasons.items() if why)
    columns = tuple(e.name + (" *" if e.time_critical else "") for e in entities)
    if any(e.time_critical for e in entities):
        notes = ("* time-critical entity.", *notes)
    return Heatmap(columns, tuple(rows), LEVELS), notes


def _requirements(session, engagement, scenarios, analysis_of) -> tuple[RequirementItem, ...]:
    reqs = session.scalars(select(Requirement).where(Requirement.engagement_id == engagement.id)
                           .order_by(Requirement.number)).all()
    verdicts = {s.id: {q.requirement_id: q.status for q in analysis_of(s).criteria().requirements}
                for s in scenarios}
    detailed = {r.id for r in sorted(reqs, key=lambda r: (r.priority != "must", r.number))[:DETAILED_REQUIREMENTS]}
    return tuple(
        RequirementItem(r.ref or f"REQ-{r.number}", r.name, r.text or "", PRIORITIES.get(r.priority, r.priority),
                        r.status, r.acceptance or "",
                        tuple(verdicts[s.id].get(r.id) or "" for s in scenarios), detailed=r.id in detailed)
        for r in reqs
    )


def _links(session: Session, engagement: Engagement) -> list[TraceLink]:
    return list(session.scalars(select(TraceLink).where(TraceLink.engagement_id == engagement.id)
                                .order_by(TraceLink.id)))


def _traceability(session: Session, engagement: Engagement) -> tuple[Table, tuple[str, ...]]:
    reqs = session.scalars(select(Requirement).where(Requirement.engagement_id == engagement.id)
                           .order_by(Requirement.number)).all()
    decisions = {d.id: d for d in session.scalars(select(Decision).where(Decision.engagement_id == engagement.id))}
    links = _links(session, engagement)
    names = dict(session.execute(select(Element.id, Element.name).where(Element.engagement_id == engagement.id)).all())
    addressed: dict[int, list[Decision]] = defaultdict(list)
    affects: dict[int, list[str]] = defaultdict(list)
    for link in links:
        if link.kind == "addresses" and link.target_id in decisions:
            addressed[link.source_id].append(decisions[link.target_id])
        elif link.kind == "affects":
            affects[link.source_id].append(names.get(link.target_id, "?"))
    rows = []
    for r in reqs:
        ds = sorted(addressed.get(r.id, []), key=lambda d: d.number)
        systems = sorted({n for d in ds for n in affects.get(d.id, [])}, key=str.casefold)
        rows.append((r.ref, r.name, PRIORITIES.get(r.priority, r.priority),
                     ", ".join(f"{d.ref} ({d.status})" for d in ds) or "none", ", ".join(systems) or "—"))
    cov = traceability.coverage(session, engagement)
    notes = [f"{cov.without_decision} of {cov.requirements} requirements have no decision addressing them; "
             f"{cov.must_unaddressed} must-have{'s' if cov.must_unaddressed != 1 else ''} "
             f"{'have' if cov.must_unaddressed != 1 else 'has'} no accepted decision."]
    if cov.suspect_links:
        notes.append(f"{cov.suspect_links} trace link{'s' if cov.suspect_links != 1 else ''} changed since "
                     "last reviewed (suspect).")
    return Table(("Ref", "Requirement", "Priority", "Addressed by", "Affects"), tuple(rows)), tuple(notes)


def _decisions(session: Session, engagement: Engagement) -> tuple[DecisionItem, ...]:
    decisions = session.scalars(
        select(Decision).where(Decision.engagement_id == engagement.id).order_by(Decision.number)
        .options(selectinload(Decision.participants), selectinload(Decision.scenario),
                 selectinload(Decision.supersedes))
    ).all()
    names = dict(session.execute(select(Element.id, Element.name).where(Element.engagement_id == engagement.id)).all())
    refs = dict(session.execute(select(Element.id, Element.ref).where(Element.engagement_id == engagement.id)).all())
    addresses: dict[int, list[str]] = defaultdict(list)
    affects: dict[int, list[str]] = defaultdict(list)
    for link in _links(session, engagement):
        if link.kind == "addresses":
            addresses[link.target_id].append(refs.get(link.source_id) or names.get(link.source_id, "?"))
        elif link.kind == "affects":
            affects[link.source_id].append(names.get(link.target_id, "?"))
    return tuple(
        DecisionItem(
            ref=d.ref or f"ADR-{d.number}", title=d.name, status=d.status,
            decided_on=d.decided_on.isoformat() if d.decided_on else "",
            scenario=d.scenario.name if d.scenario else "", context=d.context or "", options=d.options or "",
            outcome=d.outcome or "", consequences=d.consequences or "",
            addresses=", ".join(sorted(addresses.get(d.id, []), key=_ref_key)),
            affects=", ".join(sorted(affects.get(d.id, []), key=str.casefold)),
            deciders=", ".join(s.name for s in d.stakeholders_in("decider")),
            supersedes=(d.supersedes.ref or "") if d.supersedes else "",
        )
        for d in decisions
    )


def _ref_key(ref: str) -> tuple[str, int]:
    head, _, tail = ref.partition("-")
    return (head, int(tail) if tail.isdigit() else 0)


def _compare_target(session, engagement, options: ReportOptions, described: Scenario, baseline: Scenario,
                    recommended: Scenario | None) -> Scenario | None:
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


def _comparison(session, engagement, before: Scenario, after: Scenario, analysis_of) -> Comparison:
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
    svg = _svg(diagrams.diff_diagram(snap_a, snap_b)) if small else None
    return Comparison(
        before=before.name, after=after.name,
        metrics=Table(("Measure", before.name, after.name), tuple(metric_rows), numeric=(1, 2)),
        model=Table(("Change", "Kind", "What"), tuple(rows)),
        resolved=tuple(_finding(snap_a, f) for f in _most_severe(diff.findings.resolved)),
        introduced=tuple(_finding(snap_b, f) for f in _most_severe(diff.findings.introduced)),
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


def _engines(session: Session, engagement: Engagement, run_ids: Sequence[int]):
    if not run_ids:
        return []
    from app.services.report_engines import engine_results

    return engine_results(session, engagement, list(run_ids))


GLOSSARY: tuple[tuple[str, str], ...] = (
    ("ATP (available to promise)", "The quantity of a product that can be promised to a customer on a channel: "
     "stock on hand minus reservations, safety stock and buffers, plus eligible stock in transit."),
    ("Channel", "A way customers buy or are served: web shop, app, stores, marketplaces, call centre."),
    ("Data entity", "A kind of business data the systems exchange: product, price, inventory, order, customer…"),
    ("Data flow", "Data moving from one system to another, for given entities, by a pattern (API, event, batch "
     "file…), at a frequency, with a typical and a worst-case latency."),
    ("Freshness", "How old an entity's data can be when a channel shows it: the worst-case latency along the "
     "freshest path from the system of record to a system serving the channel."),
    ("Finding", "A problem the automated review found in a scenario, with its severity, explanation and remedy."),
    ("Oversell", "Accepting an order line the stock cannot fill, because the channel saw stale stock."),
    ("Phantom stock-out", "Refusing an order line although stock was there, because the channel saw stale stock."),
    ("Point-to-point integration", "A direct connection between two systems, not through middleware."),
    ("Scenario", "One version of the landscape: the current state, or a proposed target architecture."),
    ("System of record", "The one system where an entity's truth is created and maintained; all others copy it."),
    ("Trace link", "A recorded relation: a decision addresses a requirement, a decision affects a system or flow."),
    ("ADR", "Architecture decision record: the context, options, outcome and consequences of one decision."),
    ("Acceptance criterion", "A requirement's testable condition, e.g. freshness(inventory, web) <= 60s, "
     "evaluated on each scenario's model."),
)

METHOD: tuple[tuple[str, str], ...] = (
    ("Discovery", "The landscape, flows, ownership, requirements and decisions were captured in workshops with "
     "the client's teams and recorded as a model per scenario; every change is kept in the history."),
    ("Automated review", "Each scenario is checked by a fixed set of rules: systems of record missing or "
     "duplicated, conflicting writers, slow feeds of time-critical data to customer channels, channels without a "
     "path to the data they need, single points of failure, sync cycles, integration sprawl, retiring systems on "
     "critical paths and coverage gaps. Severities follow the engagement's settings."),
    ("Freshness", "For each entity and channel the freshest path from a system of record to a system serving the "
     "channel is found on the flow graph; its worst-case latency is the sum of the worst latencies of its hops."),
    ("Acceptance criteria", "Requirements carry executable criteria evaluated on each scenario's model: pass, "
     "fail, or unknown when the model lacks a figure (such as a latency) to decide."),
    ("Recommendation", "Scenarios are ranked by the number of Must requirements whose criteria pass, then by the "
     "number of critical and high-severity findings, then by all findings."),
    ("Engine results", "Available-to-promise, oversell replay, order routing and identity resolution are run on "
     "the client's own data extracts; the runs shown were chosen by the consultant and are reproducible from "
     "their recorded inputs."),
)


# --- rendering and jobs ---------------------------------------------------------------------------


def make_pdf(session: Session, engagement: Engagement, options: ReportOptions, *, prepared_by: str = "",
             progress: Progress | None = None, timeout: float = PDF_TIMEOUT) -> bytes:
    """The report's PDF bytes (ReportError when rendering fails or overruns)."""
    tick = progress or (lambda _f: None)
    report = build_input(session, engagement, options, prepared_by=prepared_by, progress=lambda f: tick(f * 0.5))
    tick(0.5)
    return report_pdf(report, static_dir=STATIC_DIR, timeout=timeout)


def start_job(session: Session, engagement: Engagement, options: ReportOptions, *,
              user: User | None = None) -> ReportJob:
    """Record a queued job after checking the options resolve (scenarios, runs)."""
    svc.find_scenario(session, engagement, options.scenario)
    if options.compare is not None:
        svc.find_scenario(session, engagement, options.compare)
    if options.runs:
        _engines(session, engagement, options.runs)  # NotFound / ValidationError for runs that cannot be shown
    job = ReportJob(engagement_id=engagement.id, created_by_id=user.id if user is not None else None,
                    status="queued", progress=0.0, options=options.to_json())
    session.add(job)
    session.commit()
    return job


def execute_job(session: Session, job_id: int, *, timeout: float = PDF_TIMEOUT) -> ReportJob:
    """Make a queued job's PDF (status done), or record why it failed; progress is committed as it goes."""
    job = session.get(ReportJob, job_id)
    if job is None:
        raise NotFound(f"No report job {job_id}.")
    job.status, job.progress = "running", 0.02
    session.commit()
    last = [time.monotonic()]

    def progress(fraction: float) -> None:
        if time.monotonic() - last[0] >= 0.3:
            last[0] = time.monotonic()
            job.progress = round(min(max(fraction, 0.0), 0.99), 3)
            session.commit()

    try:
        engagement = session.get(Engagement, job.engagement_id)
        user = session.get(User, job.created_by_id) if job.created_by_id else None
        job.pdf = make_pdf(session, engagement, ReportOptions.from_json(job.options or {}),
                           prepared_by=user.name if user else "", progress=progress, timeout=timeout)
        job.status, job.progress = "done", 1.0
    except (ReportError, ValidationError, NotFound) as exc:
        session.rollback()
        job = session.get(ReportJob, job_id)
        job.status, job.error = "failed", _message(exc)
    except Exception as exc:  # recorded, not lost: the page says what went wrong
        session.rollback()
        job = session.get(ReportJob, job_id)
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    job.finished_at = utcnow()
    session.commit()
    return job


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(" ".join(v) for v in exc.errors.values())[:2000]
    return str(exc)[:2000]


def get_job(session: Session, engagement_id: int, job_id: int) -> ReportJob:
    """One job of the engagement, or NotFound."""
    job = session.scalar(select(ReportJob).where(ReportJob.id == job_id, ReportJob.engagement_id == engagement_id))
    if job is None:
        raise NotFound("No such report in this engagement.")
    return job


def list_jobs(session: Session, engagement_id: int, limit: int = 10) -> list[ReportJob]:
    """The latest jobs, newest first (without loading their PDFs)."""
    from sqlalchemy.orm import defer

    return list(session.scalars(select(ReportJob).where(ReportJob.engagement_id == engagement_id)
                                .options(defer(ReportJob.pdf)).order_by(ReportJob.id.desc()).limit(limit)))


def file_name(engagement: Engagement, job: ReportJob | None = None) -> str:
    """An ASCII download name such as `northwind-living-report-12.pdf`."""
    import re

    stem = re.sub(r"[^a-z0-9]+", "-", engagement.name.lower()).strip("-")[:60].rstrip("-") or "engagement"
    return f"{stem}-report{'-' + str(job.id) if job else ''}.pdf"

