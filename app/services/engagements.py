"""Engagements: create with seeded vocabularies, find for a user, dashboard figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.services.catalog import fuzzy
from app.services.errors import Forbidden, NotFound, ValidationError
from exports.text import LINE_BREAK_ERROR, has_line_break
from models import (
    Channel,
    DataEntity,
    Element,
    Engagement,
    Membership,
    Scenario,
    User,
    name_key,
    scenario_members,
)
from models.vocab import BASELINE_SCENARIO, DEFAULT_CHANNELS, DEFAULT_ENTITIES, WRITE_ROLES


def create_engagement(
    session: Session,
    name: str,
    *,
    client: str = "",
    description: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    owner: User | None = None,
    seed: bool = True,
    commit: bool = True,
) -> Engagement:
    """Create an engagement with its current-state scenario, default channels and entities."""
    _validate(name, client, start_date, end_date)
    engagement = Engagement(
        name=name.strip(), client=client.strip(), description=description, start_date=start_date, end_date=end_date
    )
    session.add(engagement)
    session.flush()
    session.add(
        Scenario(
            engagement_id=engagement.id,
            name=BASELINE_SCENARIO,
            name_key=name_key(BASELINE_SCENARIO),
            is_baseline=True,
            description="The client's landscape as it is today.",
        )
    )
    if seed:
        for label, facing in DEFAULT_CHANNELS:
            session.add(
                Channel(engagement_id=engagement.id, name=label, name_key=name_key(label), customer_facing=facing)
            )
        for label, critical in DEFAULT_ENTITIES:
            session.add(
                DataEntity(engagement_id=engagement.id, name=label, name_key=name_key(label), time_critical=critical)
            )
    if owner is not None:
        session.add(Membership(user_id=owner.id, engagement_id=engagement.id, role="owner"))
    session.flush()
    if commit:
        session.commit()
    return engagement


def update_engagement(session: Session, engagement: Engagement, **fields) -> Engagement:
    """Change an engagement's name, client, description or dates."""
    merged = {
        "name": engagement.name,
        "client": engagement.client,
        "start_date": engagement.start_date,
        "end_date": engagement.end_date,
        **fields,
    }
    _validate(merged["name"], merged["client"], merged["start_date"], merged["end_date"])
    for key, value in fields.items():
        setattr(engagement, key, value.strip() if key in ("name", "client") else value)
    session.commit()
    return engagement


def delete_engagement(session: Session, engagement: Engagement) -> None:
    """Delete an engagement and everything in it."""
    session.execute(delete(Engagement).where(Engagement.id == engagement.id))
    _forget_deleted(session)
    session.commit()


def _forget_deleted(session: Session) -> None:
    # The database's cascades removed the rows, but the session still holds their objects: a later insert that
    # gets a freed id (SQLite reuses them) would then clash with a ghost in the identity map.
    by_mapper: dict = defaultdict(list)
    for key, obj in list(session.identity_map.items()):
        mapper = inspect(key[0])
        if len(mapper.primary_key) == 1:
            by_mapper[mapper].append((key[1][0], obj))
    for mapper, pairs in by_mapper.items():
        column = mapper.primary_key[0]
        alive = set(session.scalars(select(column).where(column.in_([ident for ident, _ in pairs]))))
        for ident, obj in pairs:
            if ident not in alive:
                session.expunge(obj)


def _validate(name: str, client: str, start: date | None, end: date | None) -> None:
    errors: dict[str, str] = {}
    if not name or not name.strip():
        errors["name"] = "Name is required."
    elif len(name.strip()) > 200:
        errors["name"] = "At most 200 characters."
    elif has_line_break(name.strip()):  # the name is the report's cover title and every file's title
        errors["name"] = LINE_BREAK_ERROR
    if client and len(client.strip()) > 200:
        errors["client"] = "At most 200 characters."
    elif client and has_line_break(client.strip()):
        errors["client"] = LINE_BREAK_ERROR
    if start and end and end < start:
        errors["end_date"] = "The end date is before the start date."
    if errors:
        raise ValidationError(errors)


def memberships_of(session: Session, user: User) -> list[Membership]:
    """The user's memberships with their engagements, most recently changed engagement first."""
    return list(
        session.scalars(
            select(Membership)
            .join(Engagement)
            .where(Membership.user_id == user.id)
            .order_by(Engagement.updated_at.desc(), Engagement.id.desc())
        )
    )


def membership_for(session: Session, user_id: int, engagement_id: int) -> Membership:
    """The user's membership of an engagement; NotFound when there is none (never reveal existence)."""
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.engagement_id == engagement_id)
    )
    if membership is None:
        raise NotFound("No such engagement.")
    return membership


def require_writer(membership: Membership) -> None:
    """Reviewers and viewers read; only owners and editors change things."""
    if membership.role not in WRITE_ROLES:
        raise Forbidden("Your role in this engagement is read-only.")


def all_engagements(session: Session) -> list[Engagement]:
    """Every engagement, by id (administrators' view of the database, for the command line)."""
    return session.scalars(select(Engagement).order_by(Engagement.id)).all()


def resolve(session: Session, ident: str) -> Engagement:
    """Find an engagement by id or by name (case-insensitive) for the command line."""
    if ident.isdigit():
        engagement = session.get(Engagement, int(ident))
        if engagement is not None:
            return engagement
    # casefold in Python: SQLite's lower() only folds ASCII.
    wanted = name_key(ident)
    matches = [e for e in session.scalars(select(Engagement).order_by(Engagement.id)) if name_key(e.name) == wanted]
    if not matches:
        raise NotFound(f"No engagement with id or name {ident!r}.")
    if len(matches) > 1:
        ids = ", ".join(str(e.id) for e in matches)
        raise ValidationError({"engagement": f"Several engagements are called {ident!r} (ids {ids}); use an id."})
    return matches[0]


@dataclass(frozen=True)
class Dashboard:
    """Counts shown on an engagement's dashboard."""

    per_kind: dict[str, int]
    per_scenario: list[tuple[Scenario, dict[str, int]]]


def dashboard(session: Session, engagement: Engagement) -> Dashboard:
    """Element counts per kind, and per scenario for the kinds that live in scenarios."""
    per_kind = dict(
        session.execute(
            select(Element.kind, func.count()).where(Element.engagement_id == engagement.id).group_by(Element.kind)
        ).all()
    )
    rows = session.execute(
        select(scenario_members.c.scenario_id, Element.kind, func.count())
        .join(Element, Element.id == scenario_members.c.element_id)
        .where(Element.engagement_id == engagement.id)
        .group_by(scenario_members.c.scenario_id, Element.kind)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for scenario_id, kind, n in rows:
        counts.setdefault(scenario_id, {})[kind] = n
    scenarios = session.scalars(
        select(Scenario).where(Scenario.engagement_id == engagement.id).order_by(Scenario.id)
    ).all()
    return Dashboard(per_kind=per_kind, per_scenario=[(s, counts.get(s.id, {})) for s in scenarios])


def search(session: Session, engagement: Engagement, q: str, limit: int = 15) -> list[Element]:
    """Elements whose name or ref contains `q` (case-insensitive), exact ref and prefix matches first; then, to fill
    the list, names close to `q` (typos, partial words: "brightperl" finds BrightPearl), closest first."""
    needle = q.strip().casefold()
    if not needle:
        return []
    like = f"%{needle}%"
    rows = session.scalars(
        select(Element)
        .where(
            Element.engagement_id == engagement.id,
            or_(func.lower(Element.name).like(like), func.lower(Element.ref).like(like)),
        )
        .order_by(Element.kind, Element.name)
        .limit(200)
    ).all()

    def rank(element: Element) -> tuple:
        name = element.name.casefold()
        return (
            (element.ref or "").casefold() != needle,
            not name.startswith(needle),
            element.kind in ("flow", "ownership"),  # catalogue objects before the relations between them
            len(name),
            element.id,
        )

    found = sorted(rows, key=rank)[:limit]
    if len(found) < limit:
        seen = {e.id for e in found}
        ids = [i for i in fuzzy.closest_ids(session, engagement.id, q, limit=limit) if i not in seen]
        by_id = {e.id: e for e in session.scalars(select(Element).where(Element.id.in_(ids)))} if ids else {}
        found += [by_id[i] for i in ids if i in by_id][: limit - len(found)]
    return found
