"""One builder per kind of capture line: the preview items it shows and the function that creates them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.capture.grammar import (
    DecisionLine,
    FlowLine,
    OwnershipLine,
    RequirementLine,
    StakeholderLine,
    describe_seconds,
)
from app.services.catalog.acceptance import acceptance_errors
from app.services.catalog.capture_flow_update import update_existing_flow
from app.services.catalog.capture_preview import Item, Preview
from app.services.catalog.capture_resolve import _Resolver, _too_long
from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from app.services.catalog.trace import add_link
from app.services.errors import ValidationError
from models import DataFlow, Element, Engagement, Ownership
from models.vocab import (
    DECISION_STATUSES,
    FLOW_DIRECTIONS,
    FLOW_PATTERNS,
    OWNERSHIP_ROLES,
    PRIORITIES,
    REQUIREMENT_TYPES,
)

DEFAULT_PATTERN = "api"


def _create(
    session: Session, engagement: Engagement, kind: str, data: dict[str, Any], label: str, user_id: int | None,
    scenario_id: int | None = None,
) -> Element:
    """save_element without committing; its field errors come back named after the item. A new system, flow or
    ownership joins `scenario_id` when given (the scenario in view), else the current state."""
    if scenario_id is not None and KINDS[kind].in_scenarios:
        data = {**data, "scenario_ids": [scenario_id]}
    try:
        return save_element(session, engagement, kind, data, user_id=user_id, commit=False)
    except ValidationError as exc:
        raise ValidationError({label: [m for messages in exc.errors.values() for m in messages]}) from None


def _ensure(session: Session, engagement: Engagement, item: Item, user_id: int | None, created: list[Element],
            scenario_id: int | None = None) -> int:
    """Id of the element an item names, creating it first when it is new (systems, stakeholders)."""
    if not item.new:
        assert item.element_id is not None
        return item.element_id
    data: dict[str, Any] = {"name": item.label}
    if item.kind == "system":
        data["category"] = item.category
    element = _create(session, engagement, item.kind, data, item.label, user_id, scenario_id)
    created.append(element)
    return element.id


def _flow(r: _Resolver, p: FlowLine, result: Preview) -> None:
    r.prefetch("system", [p.source, p.target, *([p.via] if p.via else [])])
    r.prefetch("entity", p.entities, plurals=True)
    source = r.system(p.source, "source system")
    target = r.system(p.target, "target system")
    via = r.system(p.via, "middleware", default_category="ipaas") if p.via else None
    entities: list[Item] = []
    for name in p.entities:
        item = r.existing("entity", name, "entity")
        if item.element_id is None or all(e.element_id != item.element_id for e in entities):
            entities.append(item)
    pattern = p.pattern or DEFAULT_PATTERN
    details = [
        ("Pattern", FLOW_PATTERNS[pattern] + ("" if p.pattern else " (default — say “via batch”, “as event”…)")),
        ("Direction", FLOW_DIRECTIONS["two_way" if p.two_way else "one_way"]),
    ]
    if via is not None:
        details.append(("Via", via.label))
    if p.frequency:
        details.append(("Frequency", p.frequency))
    if p.latency_seconds is not None:
        details.append(("Typical latency", describe_seconds(p.latency_seconds)))
    if p.worst_latency_seconds is not None:
        details.append(("Worst latency", describe_seconds(p.worst_latency_seconds)))
    details.append(("Scenario", r.baseline()))
    arrow = "↔" if p.two_way else "→"
    flow = Item(
        "flow",
        "data flow",
        f"{source.label} {arrow} {target.label}: {', '.join(e.label for e in entities)}",
        new=True,
        details=details,
    )
    if source.element_id and target.element_id:
        existing = r.session.scalar(
            select(func.count())
            .select_from(DataFlow)
            .where(
                or_(
                    and_(DataFlow.source_id == source.element_id, DataFlow.target_id == target.element_id),
                    and_(DataFlow.source_id == target.element_id, DataFlow.target_id == source.element_id),
                )
            )
        )
        if existing:
            flow.notes.append(
                f"{existing} flow{'s' if existing > 1 else ''} already run between these two systems; "
                "make sure this is not a duplicate."
            )
    items = [source, target, *([via] if via else []), *entities]
    if update_existing_flow(r, p, items, source, target, via, entities, result, _ensure):
        return  # the scenario in view has this flow already: the line changes it there
    result.items = [*items, flow]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        sid = r.choices.scenario_id
        ids = [_ensure(session, engagement, item, user_id, created, sid) for item in (source, target)]
        via_id = _ensure(session, engagement, via, user_id, created, sid) if via else None
        data = {
            "source_id": ids[0],
            "target_id": ids[1],
            "via_id": via_id,
            "entity_ids": [e.element_id for e in entities],
            "pattern": pattern,
            "direction": "two_way" if p.two_way else "one_way",
            "frequency": p.frequency,
            "latency_seconds": p.latency_seconds,
            "worst_latency_seconds": p.worst_latency_seconds,
        }
        created.append(_create(session, engagement, "flow", data, flow.label, user_id, sid))
        return created

    result.build = build


def _ownership(r: _Resolver, p: OwnershipLine, result: Preview) -> None:
    r.prefetch("entity", p.entities, plurals=True)
    system = r.system(p.system, "system")
    entities = [r.existing("entity", name, "entity") for name in p.entities]
    known = [e.element_id for e in entities if e.element_id is not None]
    role_label = OWNERSHIP_ROLES[p.role]
    already: set[int] = set()
    others: dict[int, list[str]] = {}
    if known and system.element_id is not None:
        already = set(
            r.session.scalars(
                select(Ownership.entity_id).where(
                    Ownership.system_id == system.element_id, Ownership.role == p.role, Ownership.entity_id.in_(known)
                )
            )
        )
    if known and p.role == "sor":
        rows = r.session.execute(
            select(Ownership.entity_id, Ownership.system_id).where(
                Ownership.role == "sor",
                Ownership.entity_id.in_(known),
                Ownership.system_id != (system.element_id or -1),
            )
        ).all()
        system_ids = {system_id for _entity_id, system_id in rows}
        system_names = dict(r.session.execute(select(Element.id, Element.name).where(Element.id.in_(system_ids))).all())
        for entity_id, system_id in rows:
            others.setdefault(entity_id, []).append(system_names.get(system_id, "another system"))
        for names in others.values():
            names.sort(key=str.casefold)
    ownerships: list[tuple[Item, int]] = []
    for entity in entities:
        if entity.element_id is None or any(entity.element_id == entity_id for _i, entity_id in ownerships):
            continue
        item = Item(
            "ownership",
            "ownership",
            f"{system.label} — {role_label} — {entity.label}",
            new=True,
            details=[("Role", role_label), ("Scenario", r.baseline())],
        )
        if entity.element_id in already:
            item.error = f"{system.label} is already {role_label.lower()} for {entity.label}."
        if entity.element_id in others:
            names = " and ".join(others[entity.element_id])
            item.notes.append(
                f"{names} {'is' if len(others[entity.element_id]) == 1 else 'are'} already "
                f"system of record for {entity.label}: two systems of record is worth a question."
            )
        ownerships.append((item, entity.element_id))
    result.items = [system, *entities, *(item for item, _entity_id in ownerships)]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        sid = r.choices.scenario_id
        system_id = _ensure(session, engagement, system, user_id, created, sid)
        for item, entity_id in ownerships:
            data = {"system_id": system_id, "entity_id": entity_id, "role": p.role}
            created.append(_create(session, engagement, "ownership", data, item.label, user_id, sid))
        return created

    result.build = build


def _requirement(r: _Resolver, p: RequirementLine, result: Preview) -> None:
    r.prefetch("channel", p.channels, plurals=True)
    source = r.stakeholder(p.source, "source stakeholder") if p.source else None
    channels: list[Item] = []
    for name in p.channels:
        item = r.existing("channel", name, "channel")
        if item.element_id is None or all(c.element_id != item.element_id for c in channels):
            channels.append(item)
    requirement = Item(
        "requirement",
        "requirement",
        p.title,
        new=True,
        column=p.title_column,
        details=[
            ("Ref", f"REQ-{r.engagement.next_requirement_number}"),
            ("Priority", PRIORITIES[p.priority] + ("" if p.priority_given else " (default)")),
            ("Source", source.label if source else "—"),
            ("Channels", ", ".join(c.label for c in channels) or "—"),
            ("Type", REQUIREMENT_TYPES[p.type] + ("" if p.type_given else " (default)")),
            ("Status", "Draft"),
            *(("Acceptance", criterion) for criterion in p.acceptance),
        ],
        error=_too_long("requirement", "title", p.title),
    )
    acceptance = "\n".join(p.acceptance)
    if acceptance and not requirement.error:
        problems = acceptance_errors(r.session, r.eid, acceptance)
        requirement.error = " ".join(problems) or None
    result.items = [*([source] if source else []), *channels, requirement]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        source_id = _ensure(session, engagement, source, user_id, created) if source else None
        data = {
            "title": p.title,
            "priority": p.priority,
            "source_id": source_id,
            "channel_ids": [c.element_id for c in channels],
            "type": p.type,
            "acceptance": acceptance,
        }
        created.append(_create(session, engagement, "requirement", data, requirement.label, user_id))
        return created

    result.build = build


def _decision(r: _Resolver, p: DecisionLine, result: Preview) -> None:
    ref = f"ADR-{r.engagement.next_decision_number}"
    decision = Item(
        "decision",
        "decision",
        p.title,
        new=True,
        column=p.title_column,
        details=[("Ref", ref), ("Status", DECISION_STATUSES[p.status] + ("" if p.status_given else " (default)"))],
        error=_too_long("decision", "title", p.title),
    )
    if r.choices.scenario_id is not None:
        decision.details.append(("Scenario", r.baseline()))
    wanted = [req.ref for req in p.requirements]
    found = {}
    if wanted:
        found = {
            row.ref: row
            for row in r.session.execute(
                select(Element.id, Element.ref, Element.name).where(
                    Element.engagement_id == r.eid, Element.kind == "requirement", Element.ref.in_(wanted)
                )
            )
        }
    links: list[Item] = []
    for req in p.requirements:
        row = found.get(req.ref)
        if row is None:
            links.append(
                Item(
                    "link",
                    "addressed by",
                    req.ref,
                    column=req.column,
                    error=f"There is no {req.ref} in this engagement.",
                )
            )
        else:
            links.append(
                Item(
                    "link",
                    "addressed by",
                    f"{row.ref} {row.name}",
                    new=True,
                    element_id=row.id,
                    column=req.column,
                    details=[("Link", f"{row.ref} is addressed by {ref}")],
                )
            )
    result.items = [decision, *links]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        data = {"title": p.title, "status": p.status, "scenario_id": r.choices.scenario_id}
        element = _create(session, engagement, "decision", data, decision.label, user_id)
        for link in links:
            assert link.element_id is not None
            add_link(session, engagement, "addresses", link.element_id, element.id, user_id=user_id, commit=False)
        return [element]

    result.build = build


def _stakeholder(r: _Resolver, p: StakeholderLine, result: Preview) -> None:
    item = r.stakeholder(p.name, "stakeholder", must_be_new=True)
    if p.role:
        item.details.append(("Role", p.role))
    if p.team:
        item.details.append(("Team", p.team))
    item.error = item.error or _too_long("stakeholder", "role", p.role) or _too_long("stakeholder", "team", p.team)
    result.items = [item]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        data = {"name": p.name.text, "role": p.role, "team": p.team}
        return [_create(session, engagement, "stakeholder", data, item.label, user_id)]

    result.build = build


_BUILDERS: dict[type, Callable[[_Resolver, Any, Preview], None]] = {
    FlowLine: _flow,
    OwnershipLine: _ownership,
    RequirementLine: _requirement,
    DecisionLine: _decision,
    StakeholderLine: _stakeholder,
}
