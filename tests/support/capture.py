"""Helpers the quick-capture service tests share: a sample flow line, counting rows, finding preview items."""

from __future__ import annotations

from sqlalchemy import func, select

from app.services.catalog import elements
from models import System

FLOW = "Shopify Plus -> Fluent OMS: order, customer via API every 5s"


def count(session, model) -> int:
    """Rows of a model in the database, read afresh."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def system(session, name) -> System | None:
    """The system of that exact name, if any."""
    return session.scalar(select(System).where(System.name == name))


def add_system(session, engagement, name, category="custom") -> System:
    """A system saved through the ordinary service."""
    return elements.save_element(session, engagement, "system", {"name": name, "category": category})


def by_role(preview, role):
    """The first item of a preview playing that role."""
    return next(item for item in preview.items if item.role == role)
