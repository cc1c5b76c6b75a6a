"""A kind's list page: one page of elements, filtered and sorted, with its relationships loaded in one go (no
N+1), and the choices its filters offer.

Given the scenario in view, the rows show the values it holds of its own, and choice filters and sorting on
per-scenario fields use those values too: the scenario's values are joined into the page's query (no query more,
unless they point at objects the page did not load)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.services.catalog import decision_status, fuzzy
from app.services.catalog.fields import Kind, snapshot_loaders
from app.services.catalog.scenario_view import with_values
from models import Channel, Element, Scenario, ScenarioValue, Tag, element_channels, scenario_members

PAGE_SIZE = 100

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

    items: list[Any]  # elements, or InScenario rows when a scenario is in view
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


def filter_options(session: Session, engagement_id: int, spec: Kind) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(param, label, options) for each filter the kind offers."""
    options = []
    for name in CHOICE_FILTERS.get(spec.kind, ()):
        f = spec.field(name)
        options.append((name, f.title, list(f.choices.items())))
    if spec.kind in CHANNEL_FILTER:
        channels = session.execute(
            select(Channel.id, Channel.name).where(Channel.engagement_id == engagement_id).order_by(Channel.name_key)
        ).all()
        options.append(("channel", "Channel", [(str(c.id), c.name) for c in channels]))
    if spec.in_scenarios:
        scenarios = session.execute(
            select(Scenario.id, Scenario.name).where(Scenario.engagement_id == engagement_id).order_by(Scenario.id)
        ).all()
        options.append(("scenario", "Scenario", [(str(s.id), s.name) for s in scenarios]))
    tags = session.scalars(
        select(Tag.tag)
        .join(Element, Element.id == Tag.element_id)
        .where(Element.engagement_id == engagement_id, Element.kind == spec.kind)
        .distinct()
        .order_by(Tag.tag)
    ).all()
    if tags:
        options.append(("tag", "Tag", [(t, t) for t in tags]))
    return options


def list_page(
    session: Session,
    engagement_id: int,
    spec: Kind,
    *,
    q: str = "",
    choices: dict[str, str] | None = None,
    channel_id: int | None = None,
    scenario_id: int | None = None,
    tag: str = "",
    sort: str = "",
    descending: bool = False,
    offset: int = 0,
    in_scenario: Scenario | None = None,
    limit: int = PAGE_SIZE,
    whole: bool = False,
) -> Listing:
    """One page of the kind's elements in the engagement: filters the kind does not offer, choice values it does
    not know and unsortable columns are ignored; the listing says which controls were applied. With
    `in_scenario`, rows, choice filters and sorting use the values that scenario holds. `limit`: rows per page;
    `whole`: also load everything a snapshot of each row reads (the API shows every field)."""
    model = spec.model
    choices = choices or {}
    filters = {"q": q}
    stmt = select(model).where(model.engagement_id == engagement_id)
    own = None
    if in_scenario is not None and spec.in_scenarios:
        own = aliased(ScenarioValue)
        stmt = stmt.outerjoin(own, and_(own.element_id == model.id, own.scenario_id == in_scenario.id))
    if filters["q"]:
        like = f"%{filters['q'].casefold()}%"
        close = fuzzy.closest_ids(session, engagement_id, filters["q"], kinds=[spec.kind], limit=200)
        stmt = stmt.where(or_(func.lower(model.name).like(like), func.lower(model.ref).like(like), model.id.in_(close)))
    for name in CHOICE_FILTERS.get(spec.kind, ()):
        value = choices.get(name) or ""
        if value in (spec.field(name).choices or {}):
            filters[name] = value
            if spec.kind == "decision" and name == "status":  # as the rows show it: superseded since, or not
                stmt = stmt.where(decision_status.status_is(session, engagement_id, value))
            else:
                stmt = stmt.where(_value(spec, name, own) == value)
    if channel_id and spec.kind in CHANNEL_FILTER:
        filters["channel"] = str(channel_id)
        stmt = stmt.where(
            model.id.in_(select(element_channels.c.element_id).where(element_channels.c.channel_id == channel_id))
        )
    if scenario_id and spec.in_scenarios:
        filters["scenario"] = str(scenario_id)
        stmt = stmt.where(
            model.id.in_(select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id))
        )
    if tag:
        filters["tag"] = tag
        stmt = stmt.where(model.id.in_(select(Tag.element_id).where(Tag.tag == tag)))

    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    sort, order = _order(session, engagement_id, spec, sort, descending, own)
    stmt = stmt.order_by(*order).offset(offset).limit(limit)
    for rel in EAGER.get(spec.kind, ()):
        stmt = stmt.options(selectinload(getattr(model, rel)))
    if spec.kind == "flow":
        stmt = stmt.options(selectinload(model.entities))
    stmt = stmt.options(selectinload(model.scenarios), selectinload(model.tag_rows))
    if whole:
        stmt = stmt.options(*snapshot_loaders(spec))
    if own is None:
        items = list(session.scalars(stmt))
    else:  # the scenario's own values come with the rows: no query more
        items = with_values(session, in_scenario, [(e, v) for e, v in session.execute(stmt.add_columns(own.values))])
    next_offset = offset + limit if offset + limit < total else None
    return Listing(items, total, offset, next_offset, sort, descending, filters)


def _value(spec: Kind, name: str, own):
    """A field's column, or — for a per-scenario field with a scenario in view — its value in that scenario."""
    f = spec.field(name)
    column = getattr(spec.model, f.attr or name)
    if own is None or not f.per_scenario or f.type in ("ref", "refs"):
        return column
    path = own.values[name]
    return func.coalesce(path.as_float() if f.type == "float" else path.as_string(), column)


def _order(session: Session, engagement_id: int, spec: Kind, sort: str, descending: bool,
           own=None) -> tuple[str, list]:
    model = spec.model
    allowed = {f.name for f in spec.fields if f.type in SORTABLE_TYPES} | {"name", "ref"}
    if sort not in allowed:
        sort = "ref" if spec.ref_prefix else "name"
    if sort == "ref":
        column = model.number
    elif sort in ("name", "title"):
        column = model.name_key if spec.named else func.lower(model.name)
    elif spec.kind == "decision" and sort == "status":
        column = decision_status.status_order(session, engagement_id)
    else:
        column = _value(spec, sort, own)
    primary = column.desc() if descending else column.asc()
    return sort, [primary, model.id]
