"""Scenarios: the current state and proposed designs."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.services.catalog.scenario_values import copy_scenario_values
from app.services.errors import NotFound, ValidationError
from models import Element, Engagement, Scenario, name_key, scenario_members


def get_scenario(session: Session, engagement_id: int, scenario_id: int) -> Scenario:
    """One scenario of the engagement, or NotFound."""
    scenario = session.scalar(
        select(Scenario).where(Scenario.id == scenario_id, Scenario.engagement_id == engagement_id)
    )
    if scenario is None:
        raise NotFound("No such scenario in this engagement.")
    return scenario


def list_scenarios(session: Session, engagement_id: int) -> list[Scenario]:
    """The engagement's scenarios, current state first."""
    return list(
        session.scalars(
            select(Scenario)
            .where(Scenario.engagement_id == engagement_id)
            .order_by(Scenario.is_baseline.desc(), Scenario.id)
        )
    )


def member_counts(session: Session, engagement_id: int) -> dict[int, int]:
    """Scenario id -> how many elements it has, for the engagement's scenarios that have any."""
    return dict(
        session.execute(
            select(scenario_members.c.scenario_id, func.count())
            .join(Scenario, Scenario.id == scenario_members.c.scenario_id)
            .where(Scenario.engagement_id == engagement_id)
            .group_by(scenario_members.c.scenario_id)
        ).all()
    )


def members_of(session: Session, scenario: Scenario) -> list[Element]:
    """A scenario's elements, by kind then name."""
    return session.scalars(
        select(Element)
        .join(scenario_members, scenario_members.c.element_id == Element.id)
        .where(scenario_members.c.scenario_id == scenario.id)
        .order_by(Element.kind, Element.name_key, Element.id)
    ).all()


def members_by_kind(
    session: Session, scenario: Scenario, kinds: tuple[str, ...], per_kind: int
) -> dict[str, tuple[list[Element], int]]:
    """The first `per_kind` members of each kind, by name, and how many there are (one count query, one per kind)."""
    in_scenario = Element.id.in_(
        select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario.id)
    )
    totals = dict(
        session.execute(
            select(Element.kind, func.count()).where(in_scenario, Element.kind.in_(kinds)).group_by(Element.kind)
        ).all()
    )
    return {
        kind: (
            list(session.scalars(
                select(Element).where(in_scenario, Element.kind == kind)
                .order_by(Element.name_key, Element.name, Element.id).limit(per_kind)
            )),
            totals.get(kind, 0),
        )
        for kind in kinds
    }


def save_scenario(
    session: Session,
    engagement: Engagement,
    name: str,
    description: str = "",
    *,
    scenario: Scenario | None = None,
    copy_from: Scenario | None = None,
    commit: bool = True,
) -> Scenario:
    """Create a scenario (optionally as a copy of another's members and values) or rename/describe one."""
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name is required."
    elif len(name) > 200:
        errors["name"] = "At most 200 characters."
    else:
        clash = session.scalar(
            select(Scenario.id).where(
                Scenario.engagement_id == engagement.id,
                Scenario.name_key == name_key(name),
                Scenario.id != (scenario.id if scenario else -1),
            )
        )
        if clash:
            errors["name"] = "A scenario with this name already exists."
    if copy_from is not None and copy_from.engagement_id != engagement.id:
        errors["copy_from"] = "Unknown scenario."
    if len(description or "") > 20_000:
        errors["description"] = "At most 20000 characters."
    if errors:
        raise ValidationError(errors)
    if scenario is None:
        scenario = Scenario(engagement_id=engagement.id, is_baseline=False)
        session.add(scenario)
    scenario.name, scenario.name_key, scenario.description = name, name_key(name), description or ""
    session.flush()
    if copy_from is not None:
        member_ids = session.scalars(
            select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == copy_from.id)
        ).all()
        if member_ids:
            session.execute(
                insert(scenario_members), [{"scenario_id": scenario.id, "element_id": i} for i in member_ids]
            )
        copy_scenario_values(session, copy_from, scenario)  # a copy starts with its parent's values
    if commit:
        session.commit()
    return scenario


def delete_scenario(session: Session, engagement: Engagement, scenario: Scenario) -> None:
    """Delete a proposal; the current state cannot be deleted (its elements stay in the catalog)."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    if scenario.is_baseline:
        raise ValidationError({"scenario": "The current-state scenario cannot be deleted."})
    session.delete(scenario)
    session.commit()


def store_settings(session: Session, row_class, engagement: Engagement, scenario: Scenario,
                   canonical: dict, *, user=None, commit: bool = True) -> dict:
    """Store a scenario's validated settings document (ATP rules, cost model, return policy) in its one row of
    `row_class`, made on first save; returns the document. The caller has checked the scenario is the
    engagement's."""
    row = session.scalar(select(row_class).where(row_class.scenario_id == scenario.id))
    if row is None:
        row = row_class(engagement_id=engagement.id, scenario_id=scenario.id, document=canonical)
        session.add(row)
    row.document = canonical
    row.updated_by_id = user.id if user is not None else None
    if commit:
        session.commit()
    return canonical
