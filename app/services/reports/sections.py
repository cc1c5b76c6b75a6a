"""The report's inventory sections, built from the database as plain formatted tables and items.

Systems, integrations, ownership, freshness, requirements, traceability and decisions, how a finding is told,
and the appendix text (glossary and method).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.graph.decision_status import effective_statuses
from app.graph.units import format_duration
from app.services.analysis import scenario as svc
from app.services.catalog import ownership_matrix as ownership_matrix
from app.services.catalog import traceability as traceability
from app.services.catalog.scenario_values import in_scenario
from app.services.review import signoffs as signoffs
from exports.report.model import DecisionItem, FindingItem, HeatCell, Heatmap, RequirementItem
from exports.report_model import Table
from models import DataFlow, Decision, Element, Engagement, Requirement, Scenario, System, TraceLink
from models.vocab import FLOW_PATTERNS, HOSTING, LIFECYCLE, OWNERSHIP_ROLES, PRIORITIES, SYSTEM_CATEGORIES

# Past these sizes a printed page stops being readable (and WeasyPrint spends seconds per page of tables):
# the report summarises and says where the full lists are.
MAX_FLOW_ROWS = 120
DETAILED_FINDINGS = 15
MAX_FINDING_ROWS = 60
DETAILED_REQUIREMENTS = 25
MAX_NAMES = 12  # systems named in one ownership cell before "and N more"


def _names(snap, ids: Iterable[int]) -> str:
    return ", ".join(snap.name_of(i) for i in ids)


def finding_item(snap, f) -> FindingItem:
    """A finding as the report tells it, naming the systems, entities, flows and path it concerns."""
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


def _members(scenario: Scenario):
    from models import scenario_members

    return select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario.id)


def systems_table(session: Session, scenario: Scenario) -> Table:
    """The scenario's systems by category, with vendor, hosting, lifecycle, owner and channels."""
    systems = session.scalars(
        select(System).where(System.id.in_(_members(scenario)))
        .options(selectinload(System.owner), selectinload(System.channels))
    ).all()
    systems = in_scenario(session, scenario, list(systems))
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


def integrations_table(session: Session, scenario: Scenario) -> tuple[Table, str]:
    """The scenario's data flows (the most telling ones when there are many) and a remark on any cut."""
    flows = session.scalars(
        select(DataFlow).where(DataFlow.id.in_(_members(scenario)))
        .options(selectinload(DataFlow.source), selectinload(DataFlow.target), selectinload(DataFlow.via),
                 selectinload(DataFlow.entities))
    ).all()
    flows = in_scenario(session, scenario, list(flows))
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


def ownership_table(session: Session, engagement: Engagement, scenario: Scenario) -> tuple[Table, tuple[str, ...]]:
    """Who holds each entity (system of record first) and notes on entities without exactly one."""
    m = ownership_matrix.build(session, engagement, scenario, every_column=True)
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


def freshness_heatmap(main: svc.Analysis) -> tuple[Heatmap, tuple[str, ...]]:
    """Worst-case data age per channel and entity, with notes on the unknown cells."""
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


def requirement_items(session, engagement, scenarios, analysis_of) -> tuple[RequirementItem, ...]:
    """Every requirement with its verdict in each scenario; the first few Must-haves in detail."""
    reqs = session.scalars(select(Requirement).where(Requirement.engagement_id == engagement.id)
                           .order_by(Requirement.number)).all()
    verdicts = {s.id: {q.requirement_id: q.status for q in analysis_of(s).criteria().requirements}
                for s in scenarios}
    detailed = {r.id for r in sorted(reqs, key=lambda r: (r.priority != "must", r.number))[:DETAILED_REQUIREMENTS]}
    signed = signoffs.statuses(session, engagement.id)
    return tuple(
        RequirementItem(r.ref or f"REQ-{r.number}", r.name, r.text or "", PRIORITIES.get(r.priority, r.priority),
                        r.status, r.acceptance or "",
                        tuple(verdicts[s.id].get(r.id) or "" for s in scenarios), detailed=r.id in detailed,
                        **_signoff(signed.get(r.id)))
        for r in reqs
    )


def _signoff(status: signoffs.Status | None) -> dict[str, str]:
    """A report item's sign-off fields: empty when nobody signed off."""
    return {"signoff": status.overall, "signoff_detail": status.summary} if status else {}


def _links(session: Session, engagement: Engagement) -> list[TraceLink]:
    return list(session.scalars(select(TraceLink).where(TraceLink.engagement_id == engagement.id)
                                .order_by(TraceLink.id)))


def traceability_table(session: Session, engagement: Engagement) -> tuple[Table, tuple[str, ...]]:
    """Each requirement with the decisions addressing it and the elements they affect, and coverage notes."""
    reqs = session.scalars(select(Requirement).where(Requirement.engagement_id == engagement.id)
                           .order_by(Requirement.number)).all()
    decisions = {d.id: d for d in session.scalars(select(Decision).where(Decision.engagement_id == engagement.id))}
    statuses = effective_statuses(decisions.values())
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
                     ", ".join(f"{d.ref} ({statuses[d.id].text()})" for d in ds) or "none",
                     ", ".join(systems) or "—"))
    cov = traceability.coverage(session, engagement)
    notes = [f"{cov.without_decision} of {cov.requirements} requirements have no decision addressing them; "
             f"{cov.must_unaddressed} must-have{'s' if cov.must_unaddressed != 1 else ''} "
             f"{'have' if cov.must_unaddressed != 1 else 'has'} no accepted decision."]
    if cov.suspect_links:
        notes.append(f"{cov.suspect_links} trace link{'s' if cov.suspect_links != 1 else ''} changed since "
                     "last reviewed (suspect).")
    return Table(("Ref", "Requirement", "Priority", "Addressed by", "Affects"), tuple(rows)), tuple(notes)


def decision_items(session: Session, engagement: Engagement) -> tuple[DecisionItem, ...]:
    """Every decision as an ADR, with its effective status and what it addresses, affects and supersedes."""
    decisions = session.scalars(
        select(Decision).where(Decision.engagement_id == engagement.id).order_by(Decision.number)
        .options(selectinload(Decision.participants), selectinload(Decision.scenario),
                 selectinload(Decision.supersedes))
    ).all()
    statuses = effective_statuses(decisions)
    signed = signoffs.statuses(session, engagement.id)
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
            ref=d.ref or f"ADR-{d.number}", title=d.name, status=statuses[d.id].status,
            superseded_by=statuses[d.id].by or "",
            decided_on=d.decided_on.isoformat() if d.decided_on else "",
            scenario=d.scenario.name if d.scenario else "", context=d.context or "", options=d.options or "",
            outcome=d.outcome or "", consequences=d.consequences or "",
            addresses=", ".join(sorted(addresses.get(d.id, []), key=_ref_key)),
            affects=", ".join(sorted(affects.get(d.id, []), key=str.casefold)),
            deciders=", ".join(s.name for s in d.stakeholders_in("decider")),
            supersedes=(d.supersedes.ref or "") if d.supersedes else "",
            **_signoff(signed.get(d.id)),
        )
        for d in decisions
    )


def _ref_key(ref: str) -> tuple[str, int]:
    head, _, tail = ref.partition("-")
    return (head, int(tail) if tail.isdigit() else 0)


# The appendix: the terms the report uses, and how its figures were arrived at.
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
