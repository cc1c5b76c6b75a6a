"""Engagements holding one object of each kind a reference can point at, for the model-rule tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from models import DataEntity, DataFlow, Decision, Element, Engagement, Requirement, Scenario, System


@dataclass
class Side:
    """One engagement with one object of each kind a reference can point at."""

    engagement: Engagement
    erp: System
    shop: System
    stakeholder: Element
    entity: DataEntity
    channel: Element
    requirement: Requirement
    decision: Decision
    baseline: Scenario


def make_side(session, name: str) -> Side:
    """A new engagement (its default channels, entities and baseline) plus two systems, a stakeholder, a requirement
    and a decision."""
    eng = create_engagement(session, name)
    erp = save_element(session, eng, "system", {"name": "ERP", "category": "erp"})
    shop = save_element(session, eng, "system", {"name": "Web shop", "category": "ecommerce"})
    stakeholder = save_element(session, eng, "stakeholder", {"name": "Pat Owner"})
    entity = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == eng.id, DataEntity.name == "Inventory")
    )
    channel = session.scalar(select(Element).where(Element.engagement_id == eng.id, Element.kind == "channel"))
    requirement = save_element(session, eng, "requirement", {"title": "Stock on the web"})
    decision = save_element(session, eng, "decision", {"title": "Central OMS"})
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == eng.id, Scenario.is_baseline))
    return Side(eng, erp, shop, stakeholder, entity, channel, requirement, decision, baseline)


def save_flow(session, side: Side, **overrides) -> DataFlow:
    """A batch flow ERP -> Web shop carrying the side's entity, `overrides` applied."""
    data = {
        "source_id": side.erp.id,
        "target_id": side.shop.id,
        "entity_ids": [side.entity.id],
        "pattern": "batch",
    }
    data.update(overrides)
    return save_element(session, side.engagement, "flow", data)
