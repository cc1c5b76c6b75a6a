"""The scenario tests' shared model: a batch inventory feed Dynamics AX -> Commerce Cloud in the current state,
and a Target scenario copied from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.services.catalog.elements import save_element
from app.services.scenarios import list_scenarios, save_scenario
from models import DataEntity


def batch_feed(session, engagement, **flow: Any) -> dict[str, Any]:
    """current, target, erp, shop, feed and inventory; `flow` adds or overrides the feed's fields."""
    current = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == engagement.id, DataEntity.name == "Inventory")
    )
    erp = save_element(session, engagement, "system", {"name": "Dynamics AX", "category": "erp"})
    shop = save_element(session, engagement, "system", {"name": "Commerce Cloud", "category": "ecommerce"})
    feed = save_element(session, engagement, "flow", {
        "source_id": erp.id, "target_id": shop.id, "entity_ids": [inventory.id], "pattern": "batch",
        "latency_seconds": 86400, **flow,
    })
    target = save_scenario(session, engagement, "Target", copy_from=current)
    return {"current": current, "target": target, "erp": erp, "shop": shop, "feed": feed, "inventory": inventory}
