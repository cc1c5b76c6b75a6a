"""Small bundle documents and database counts shared by the bundle, demo and CLI tests."""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import func, select

from app.services.demo import DEMO_BUNDLE
from models import Change, Element, Engagement, Membership, Scenario, TraceLink


def demo_document() -> dict[str, Any]:
    """A fresh copy of the shipped demo bundle."""
    return json.loads(DEMO_BUNDLE.read_text(encoding="utf-8"))


def without_timestamp(document: dict[str, Any]) -> dict[str, Any]:
    """The document minus exported_at, which differs on every export."""
    out = copy.deepcopy(document)
    out.pop("exported_at", None)
    return out


def small_bundle() -> dict[str, Any]:
    """A hand-written bundle with readable ids, optional fields left out, and one of each kind."""
    return {
        "format": "throughline-bundle",
        "version": 1,
        "engagement": {"name": "Small Co discovery", "client": "Small Co"},
        "scenarios": [
            {"id": "target", "name": "Target", "is_baseline": False},
            {"id": "today", "name": "As is", "is_baseline": True, "description": "Today."},
        ],
        "channels": [{"id": "web", "name": "Web"}],
        "entities": [{"id": "stock", "name": "Inventory", "time_critical": True}],
        "stakeholders": [{"id": "ann", "name": "Ann Archer", "area": "it", "email": "ann@small.example"}],
        "systems": [
            {"id": "shop", "name": "Shopify Plus", "category": "ecommerce", "owner_id": "ann", "channel_ids": ["web"]},
            {"id": "erp", "name": "Dynamics 365", "category": "erp", "hosting": "cloud", "scenario_ids": ["today"]},
        ],
        "flows": [
            {
                "id": "stockfile",
                "source_id": "erp",
                "target_id": "shop",
                "entity_ids": ["stock"],
                "pattern": "batch",
                "latency_seconds": 3600,
                "worst_latency_seconds": 86400,
            }
        ],
        "ownerships": [{"id": "own", "system_id": "erp", "entity_id": "stock", "role": "sor"}],
        "requirements": [
            {"id": "fresh", "ref": "REQ-4", "title": "Fresh stock", "acceptance": "freshness(inventory, web) <= 60s"}
        ],
        "decisions": [
            {"id": "new", "ref": "ADR-2", "title": "Events", "supersedes_id": "old", "decider_ids": ["ann"]},
            {"id": "old", "ref": "ADR-1", "title": "Files", "status": "superseded"},
        ],
        "trace_links": [{"kind": "addresses", "source": "fresh", "target": "new"}],
    }


def row_counts(session) -> dict[str, int]:
    """How many rows each table an import writes to holds."""
    models = (Engagement, Scenario, Element, Change, TraceLink, Membership)
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in models}
