"""Quick capture: what a typed line would create (preview), and creating it all or nothing (apply).

`preview` parses the line (app/capture/grammar.py) and resolves every name against the engagement's
catalog: existing elements are used, unknown systems and stakeholders become new ones (with the closest
catalog names offered first), unknown entities, channels and requirement refs are errors. `apply` parses
and resolves the line again — it never trusts the preview the browser saw — and creates everything through
save_element/add_link in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.capture import grammar, suggest
from app.capture.grammar import (
    DecisionLine,
    FlowLine,
    Name,
    OwnershipLine,
    ParseError,
    RequirementLine,
    StakeholderLine,
    describe_seconds,
)
from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from app.services.catalog.trace import add_link
from app.services.errors import ValidationError
from models import DataFlow, Element, Engagement, Ownership, Scenario, System
from models.vocab import FLOW_DIRECTIONS, FLOW_PATTERNS, OWNERSHIP_ROLES, PRIORITIES, SYSTEM_CATEGORIES

DEFAULT_PATTERN = "api"
PAGE_OF = {"entity": "Data entities", "channel": "Channels"}


@dataclass(frozen=True)
class Choices:
    """What the consultant decided in the preview: names confirmed as new despite look-alikes in the catalog
    (keys like "system:shopfy plus"), and categories for new systems (name key -> category code)."""

    confirm_new: frozenset[str] = frozenset()
    categories: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Suggestion:
    """A catalog name close to an unknown one, with the line rewritten to use it."""

    name: str
    line: str
    score: float


@dataclass
class Item:
    """One thing the line refers to or creates."""

    kind: str  # element kind, or "link"
    role: str  # what it is in the line: "source system", "entity", "data flow"…
    label: str
    new: bool = False
    element_id: int | None = None  # existing element (or, for a link, the requirement it starts from)
    column: int | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    confirm_key: str | None = None  # set when the name is new but close to catalog names
    confirmed: bool = False
    category: str | None = None  # new systems: the category they will get
    name_key: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        """New, look-alikes exist, and the consultant has not confirmed it as new yet."""
        return self.confirm_key is not None and not self.confirmed

    @property
    def kind_label(self) -> str:
        """Human name of the kind."""
        return KINDS[self.kind].label if self.kind in KINDS else "Trace link"

    @property
    def element_kind(self) -> str | None:
        """Kind of the element `element_id` points at (links point at their requirement)."""
        if self.element_id is None:
            return None
        return "requirement" if self.kind == "link" else self.kind


Builder = Callable[[Session, Engagement, "int | None"], list[Element]]


@dataclass
class Preview:
    """What a line would do: the parse error, or the items it refers to and creates."""

    line: str
    parsed: grammar.Line | None = None
    error: ParseError | None = None
    items: list[Item] = field(default_factory=list)
    build: Builder | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        """Nothing typed."""
        return not self.line.strip()

    @property
    def kind(self) -> str | None:
        """Kind of line: flow, ownership, requirement, decision, stakeholder."""
        return self.parsed.kind if self.parsed is not None else None

    @property
    def has_errors(self) -> bool:
        """The line cannot be applied as written."""
        return self.error is not None or any(item.error for item in self.items)

    @property
    def pending(self) -> list[Item]:
        """New names that look like catalog names and are not confirmed yet."""
        return [item for item in self.items if item.needs_confirmation and not item.error]

    @property
    def ready(self) -> bool:
        """Confirming would create what the preview shows."""
        return not self.empty and not self.has_errors and bool(self.items) and not self.pending

    @property
    def problems(self) -> list[str]:
        """Everything standing between the line and `ready`, as sentences."""
        if self.empty:
            return ["Type a line to capture."]
        if self.error is not None:
            return [f"Column {self.error.column}: {self.error.message}"]
        messages = [
            (f"Column {item.column}: " if item.column else "") + f"{item.label}: {item.error}"
            for item in self.items
            if item.error
        ]
        messages += [
            f"“{item.label}” would be a new {item.kind_label.lower()} but looks like "
            + " or ".join(f"“{s.name}”" for s in item.suggestions)
            + ": pick a suggestion or confirm it as new."
            for item in self.pending
        ]
        return messages

    @property
    def creates(self) -> str:
        """Summary of what would be created, e.g. "2 systems, 1 data flow"."""
        counts: dict[str, int] = {}
        for item in self.items:
            if item.new and not item.error:
                counts[item.kind] = counts.get(item.kind, 0) + 1
        parts = []
        for kind, count in counts.items():
            spec = KINDS.get(kind)
            singular, plural = (spec.label, spec.plural) if spec else ("trace link", "trace links")
            parts.append(f"{count} {(singular if count == 1 else plural).lower()}")
        return ", ".join(parts)


# --- entry points ---------------------------------------------------------------------------------


def preview(session: Session, engagement: Engagement, line: str, choices: Choices | None = None) -> Preview:
    """Parse a line and resolve it against the engagement, creating nothing."""
    result = Preview(line=line)
    if result.empty:
        return result
    parsed = grammar.parse(line)
    if isinstance(parsed, ParseError):
        result.error = parsed
        return result
    result.parsed = parsed
    resolver = _Resolver(session, engagement, line, choices or Choices())
    _BUILDERS[type(parsed)](resolver, parsed, result)
    return result


def apply(
    session: Session, engagement: Engagement, line: str, user_id: int | None, choices: Choices | None = None
) -> list[Element]:
    """Create what the line describes — every element and link, or none of them. Raise ValidationError with
    the problems when the line is not ready (parse error, unknown entity, unconfirmed look-alike…)."""
    result = preview(session, engagement, line, choices)
    if not result.ready or result.build is None:
        raise ValidationError({"line": result.problems or ["Nothing to capture."]})
    try:
        created = result.build(session, engagement, user_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return created


# --- resolving names ------------------------------------------------------------------------------


class _Row(NamedTuple):
    id: int
    name: str
    name_key: str | None
    category: str | None = None


class _Resolver:
    """Looks names up in one engagement's catalog: exact keys with indexed queries, and the full list of names
    of a kind (for look-alikes) only when some name of that kind is not found."""

    def __init__(self, session: Session, engagement: Engagement, line: str, choices: Choices):
        self.session, self.engagement, self.line, self.choices = session, engagement, line, choices
        self.eid = engagement.id
        self._rows: dict[tuple[str, str], _Row | None] = {}  # (kind, key) -> row, or None when looked up in vain
        self._names: dict[str, list[str]] = {}
        self._baseline: str | None = None

    def prefetch(self, kind: str, names: Iterable[Name], plurals: bool = False) -> None:
        """Look up, in one query, every key these names could match."""
        keys = {key for name in names for key in _keys(name, plurals) if (kind, key) not in self._rows}
        if not keys:
            return
        if kind == "system":
            stmt = select(System.id, System.name, System.name_key, System.category).where(
                System.engagement_id == self.eid, System.kind == "system", System.name_key.in_(keys)
            )
        else:
            stmt = select(Element.id, Element.name, Element.name_key).where(
                Element.engagement_id == self.eid, Element.kind == kind, Element.name_key.in_(keys)
            )
        found = {row.name_key: _Row(*row) for row in self.session.execute(stmt)}
        for key in keys:
            self._rows[(kind, key)] = found.get(key)

    def find(self, kind: str, name: Name, plurals: bool = False) -> _Row | None:
        self.prefetch(kind, [name], plurals)
        for key in _keys(name, plurals):
            row = self._rows.get((kind, key))
            if row is not None:
                return row
        return None

    def names(self, kind: str) -> list[str]:
        if kind not in self._names:
            self._names[kind] = list(
                self.session.scalars(
                    select(Element.name).where(Element.engagement_id == self.eid, Element.kind == kind)
                )
            )
        return self._names[kind]

    def suggestions(self, kind: str, name: Name) -> list[Suggestion]:
        query = name.text.replace("-", " ") if name.hyphens_are_spaces else name.text
        return [
            Suggestion(match.name, grammar.rewrite(self.line, name, match.name), match.score)
            for match in suggest.closest(query, self.names(kind))
        ]

    def baseline(self) -> str:
        if self._baseline is None:
            self._baseline = (
                self.session.scalar(
                    select(Scenario.name).where(Scenario.engagement_id == self.eid, Scenario.is_baseline.is_(True))
                )
                or "—"
            )
        return self._baseline

    def _new(self, kind: str, name: Name, role: str) -> Item:
        item = Item(kind, role, name.text, new=True, column=name.column, name_key=name.key)
        item.suggestions = self.suggestions(kind, name)
        if item.suggestions:
            item.confirm_key = f"{kind}:{name.key}"
            item.confirmed = item.confirm_key in self.choices.confirm_new
        item.error = _too_long(kind, "name", name.text)
        return item

    def system(self, name: Name, role: str, default_category: str = suggest.DEFAULT_CATEGORY) -> Item:
        row = self.find("system", name)
        if row is not None:
            category = SYSTEM_CATEGORIES.get(row.category or "", row.category or "")
            details = [("Category", category)]
            return Item("system", role, row.name, element_id=row.id, column=name.column, details=details)
        item = self._new("system", name, role)
        chosen = self.choices.categories.get(name.key, "")
        # No "Category" detail: the preview shows a choice of category for a new system instead.
        item.category = chosen if chosen in SYSTEM_CATEGORIES else suggest.guess_category(name.text, default_category)
        return item

    def stakeholder(self, name: Name, role: str, must_be_new: bool = False) -> Item:
        row = self.find("stakeholder", name)
        if row is not None:
            item = Item("stakeholder", role, row.name, element_id=row.id, column=name.column)
            if must_be_new:
                item.error = "A stakeholder with this name already exists."
            return item
        return self._new("stakeholder", name, role)

    def existing(self, kind: str, name: Name, role: str) -> Item:
        """An entity or channel: it must be in the catalog (a trailing plural s is forgiven)."""
        row = self.find(kind, name, plurals=True)
        if row is not None:
            return Item(kind, role, row.name, element_id=row.id, column=name.column)
        item = Item(kind, role, name.text, column=name.column)
        item.suggestions = self.suggestions(kind, name)
        label = KINDS[kind].label.lower()
        words = name.text.split()
        if (
            kind == "entity"
            and len(words) > 1
            and all(self.find(kind, Name(w, 0, len(w)), plurals=True) for w in words)
        ):
            item.error = f"No {label} called “{name.text}”. Separate entities with commas: {', '.join(words)}."
        elif item.suggestions:
            item.error = f"No {label} called “{name.text}” in this engagement: pick a suggestion."
        else:
            item.error = (
                f"No {label} called “{name.text}” in this engagement; add it on the {PAGE_OF[kind]} page first."
            )
        return item


def _keys(name: Name, plurals: bool) -> list[str]:
    """Keys a name may be stored under, best first: as written, then (entities, channels) without a plural s."""
    keys = list(name.keys)
    if plurals:
        for key in name.keys:
            keys += [
                stem
                for stem in (key[:-1] if key.endswith("s") else "", key[:-2] if key.endswith("es") else "")
                if stem and stem not in keys
            ]
    return keys


def _too_long(kind: str, field_name: str, value: str) -> str | None:
    limit = KINDS[kind].field(field_name).max_len
    return f"At most {limit} characters." if len(value) > limit else None


def _create(
    session: Session, engagement: Engagement, kind: str, data: dict[str, Any], label: str, user_id: int | None
) -> Element:
    """save_element without committing; its field errors come back named after the item."""
    try:
        return save_element(session, engagement, kind, data, user_id=user_id, commit=False)
    except ValidationError as exc:
        raise ValidationError({label: [m for messages in exc.errors.values() for m in messages]}) from None


def _ensure(session: Session, engagement: Engagement, item: Item, user_id: int | None, created: list[Element]) -> int:
    """Id of the element an item names, creating it first when it is new (systems, stakeholders)."""
    if not item.new:
        assert item.element_id is not None
        return item.element_id
    data: dict[str, Any] = {"name": item.label}
    if item.kind == "system":
        data["category"] = item.category
    element = _create(session, engagement, item.kind, data, item.label, user_id)
    created.append(element)
    return element.id


# --- one builder per kind of line -----------------------------------------------------------------


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
    result.items = [source, target, *([via] if via else []), *entities, flow]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        ids = [_ensure(session, engagement, item, user_id, created) for item in (source, target)]
        via_id = _ensure(session, engagement, via, user_id, created) if via else None
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
        created.append(_create(session, engagement, "flow", data, flow.label, user_id))
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
        system_id = _ensure(session, engagement, system, user_id, created)
        for item, entity_id in ownerships:
            data = {"system_id": system_id, "entity_id": entity_id, "role": p.role}
            created.append(_create(session, engagement, "ownership", data, item.label, user_id))
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
            ("Status", "Draft"),
        ],
        error=_too_long("requirement", "title", p.title),
    )
    result.items = [*([source] if source else []), *channels, requirement]

    def build(session: Session, engagement: Engagement, user_id: int | None) -> list[Element]:
        created: list[Element] = []
        source_id = _ensure(session, engagement, source, user_id, created) if source else None
        data = {
            "title": p.title,
            "priority": p.priority,
            "source_id": source_id,
            "channel_ids": [c.element_id for c in channels],
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
        details=[("Ref", ref), ("Status", "Proposed")],
        error=_too_long("decision", "title", p.title),
    )
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
        element = _create(session, engagement, "decision", {"title": p.title}, decision.label, user_id)
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
