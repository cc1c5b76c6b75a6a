"""Scenario values around a delete: references to a deleted object dropped, and the deleted object's own
per-scenario values kept in its deletion record so that undoing the delete brings them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.fields import KINDS
from models import Element, Scenario, ScenarioValue


def own_values_of(session: Session, element_id: int) -> dict[str, dict[str, Any]]:
    """Scenario id (as text, for JSON) -> the values the element holds in that scenario only."""
    rows = session.execute(
        select(ScenarioValue.scenario_id, ScenarioValue.values).where(ScenarioValue.element_id == element_id)
    )
    return {str(scenario_id): values for scenario_id, values in rows if values}


def restore_own_values(session: Session, engagement_id: int, element_id: int, saved: dict[str, Any]) -> None:
    """Give a restored element back the values it held per scenario (scenarios deleted since are skipped)."""
    alive = set(session.scalars(select(Scenario.id).where(Scenario.engagement_id == engagement_id)))
    for scenario_id, values in (saved or {}).items():
        if int(scenario_id) in alive:
            session.add(ScenarioValue(scenario_id=int(scenario_id), element_id=element_id, values=values, version=1))


def forget_references_to(session: Session, element: Element) -> None:
    """Drop a deleted element from every scenario's values that point at it (as its shared references are)."""
    model = type(element)
    rows = session.execute(
        select(ScenarioValue, Element.kind)
        .join(Element, Element.id == ScenarioValue.element_id)
        .where(Element.engagement_id == element.engagement_id, ScenarioValue.element_id != element.id)
    ).all()
    for row, kind in rows:
        kept = dict(row.values)
        for name, value in row.values.items():
            f = KINDS[kind].field(name)
            if f.target is not model:
                continue
            if f.type == "ref" and value == element.id:
                kept[name] = None
            elif f.type == "refs" and element.id in value:
                remaining = [v for v in value if v != element.id]
                if remaining or not f.required:
                    kept[name] = remaining
                else:
                    del kept[name]  # a flow must carry something: the shared entities hold again
        if kept != row.values:
            row.values, row.version = kept, row.version + 1
