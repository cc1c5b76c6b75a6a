"""What each kind's list shows and how it filters, sorts and pages — one query per page, no N+1."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.services.catalog.fields import Field, Kind
from models import Channel, Element, Scenario, Tag, element_channels, scenario_members

PAGE_SIZE = 100

# Columns after the name: (field, editable inline).
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    "system": (("category", True), ("vendor", True), ("lifecycle", True), ("owner_id", True), ("channel_ids", False)),
    "channel": (("customer_facing", True), ("description", True)),
    "entity": (("time_critical", True), ("description", True)),
    "stakeholder": (("role", True), ("team", True), ("area", True), ("influence", True), ("interest", True)),
    "flow": (
        ("pattern", True),
        ("latency_seconds", True),
        ("worst_latency_seconds", True),
        ("via_id", True),
        ("direction", True),
    ),
    "ownership": (("system_id", False), ("role", True), ("entity_id", False)),
    "requirement": (("type", True), ("priority", True), ("status", True), ("source_id", True), ("channel_ids", False)),
    "decision": (("status", True), ("decided_on", True), ("scenario_id", True)),
    "generic": (("archimate_type", True), ("documentation", False)),
}
# Relationships each list page needs, loaded in one go.
EAGER = {
    "system": ("owner", "channels"),
    "flow": ("source", "target", "via", "entities"),
    "ownership": ("system", "entity"),
    "requirement": ("source", "channels"),
    "decision": ("scenario",),
}
# Filters: query parameter -> the choice field it filters on.
CHOICE_FILTERS = {
    "system": ("category", "lifecycle", "hosting"),
    "flow": ("pattern", "direction"),
    "ownership": ("role",),
    "requirement": ("priority", "status", "type"),
    "decision": ("status",),
    "generic": ("archimate_type",),
    "stakeholder": ("area", "influence"),
}
CHANNEL_FILTER = {"system", "requirement"}
SORTABLE_TYPES = {"text", "longtext", "choice", "float", "date", "bool", "email"}


@dataclass
class Listing:
    """One page of a kind's list and the state of its controls."""

    items: list[Element]
    total: int
    offset: int
    next_offset: int | None
    sort: str
    descending: bool
    filters: dict[str, str]

    def query_string(self, **overrides) -> dict[str, str]:
        """Current controls as URL parameters, with some replaced."""
        params = {k: v for k, v in self.filters.items() if v}
        params.update({"sort": self.sort, "dir": "desc" if self.descending else "asc"})
        params.update({k: v for k, v in overrides.items() if v is not None})
        return params


def columns(spec: Kind) -> list[tuple[Field, bool]]:
    """The list's columns after the name, with whether each is edited inline."""
    return [(spec.field(name), editable) for name, editable in COLUMNS[spec.kind]]


def inline_fields(spec: Kind) -> tuple[str, ...]:
    """Fields edited in the row: the name (or title) and the editable columns."""
    lead = () if spec.kind in ("flow", "ownership") else (spec.fields[0].name,)
    return lead + tuple(name for name, editable in COLUMNS[spec.kind] if editable)


def filter_options(session: Session, engagement, spec: Kind) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(param, label, options) for each filter the kind offers."""
    options = []
    for name in CHOICE_FILTERS.get(spec.kind, ()):
        f = spec.field(name)
        options.append((name, f.title, list(f.choices.items())))
    if spec.kind in CHANNEL_FILTER:
        channels = session.execute(
            select(Channel.id, Channel.name).where(Channel.engagement_id == engagement.id).order_by(Channel.name_key)
        ).all()
        options.append(("channel", "Channel", [(str(c.id), c.name) for c in channels]))
    if spec.in_scenarios:
        scenarios = session.execute(
            select(Scenario.id, Scenario.name).where(Scenario.engagement_id == engagement.id).order_by(Scenario.id)
        ).all()
        options.append(("scenario", "Scenario", [(str(s.id), s.name) for s in scenarios]))
    tags = session.scalars(
        select(Tag.tag)
        .join(Element, Element.id == Tag.element_id)
        .where(Element.engagement_id == engagement.id, Element.kind == spec.kind)
        .distinct()
        .order_by(Tag.tag)
    ).all()
    if tags:
        options.append(("tag", "Tag", [(t, t) for t in tags]))
    return options


def list_page(session: Session, engagement, spec: Kind) -> Listing:
    """Read filters, sort and offset from the request and load one page."""
    model = spec.model
    args = request.args
    filters = {"q": (args.get("q") or "").strip()[:200]}
    stmt = select(model).where(model.engagement_id == engagement.id)
    if filters["q"]:
        like = f"%{filters['q'].casefold()}%"
        stmt = stmt.where(or_(func.lower(model.name).like(like), func.lower(model.ref).like(like)))
    for name in CHOICE_FILTERS.get(spec.kind, ()):
        value = args.get(name) or ""
        if value in (spec.field(name).choices or {}):
            filters[name] = value
            stmt = stmt.where(getattr(model, name) == value)
    channel_id = _int(args.get("channel"))
    if channel_id and spec.kind in CHANNEL_FILTER:
        filters["channel"] = str(channel_id)
        stmt = stmt.where(
            model.id.in_(select(element_channels.c.element_id).where(element_channels.c.channel_id == channel_id))
        )
    scenario_id = _int(args.get("scenario"))
    if scenario_id and spec.in_scenarios:
        filters["scenario"] = str(scenario_id)
        stmt = stmt.where(
            model.id.in_(select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id))
        )
    tag = (args.get("tag") or "").strip()
    if tag:
        filters["tag"] = tag
        stmt = stmt.where(model.id.in_(select(Tag.element_id).where(Tag.tag == tag)))

    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    sort, descending, order = _order(spec, args)
    offset = max(_int(args.get("offset")) or 0, 0)
    stmt = stmt.order_by(*order).offset(offset).limit(PAGE_SIZE)
    for rel in EAGER.get(spec.kind, ()):
        stmt = stmt.options(selectinload(getattr(model, rel)))
    if spec.kind == "flow":
        stmt = stmt.options(selectinload(model.entities))
    stmt = stmt.options(selectinload(model.scenarios), selectinload(model.tag_rows))
    items = list(session.scalars(stmt))
    next_offset = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return Listing(items, total, offset, next_offset, sort, descending, filters)


def _order(spec: Kind, args) -> tuple[str, bool, list]:
    model = spec.model
    sort = args.get("sort") or ""
    descending = args.get("dir") == "desc"
    allowed = {f.name for f in spec.fields if f.type in SORTABLE_TYPES} | {"name", "ref"}
    if sort not in allowed:
        sort = "ref" if spec.ref_prefix else "name"
    if sort == "ref":
        column = model.number
    elif sort in ("name", "title"):
        column = model.name_key if spec.named else func.lower(model.name)
    else:
        column = getattr(model, spec.field(sort).attr or sort)
    primary = column.desc() if descending else column.asc()
    return sort, descending, [primary, model.id]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
