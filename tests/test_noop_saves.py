"""A save that changes nothing writes nothing: no history row, no version bump, so no false conflict for others."""

from __future__ import annotations

from sqlalchemy import func, select

from app.services.catalog import elements as elements
from models import Change, Channel


def _changes(session, element) -> int:
    return session.scalar(select(func.count()).select_from(Change).where(Change.element_id == element.id))


def _two_channels(session, engagement) -> list[int]:
    channels = session.scalars(select(Channel).where(Channel.engagement_id == engagement.id).order_by(Channel.id))
    ids = [c.id for c in channels][:2]
    assert len(ids) == 2, "the engagement fixture brings channels"
    return ids


def test_saving_a_systems_channels_in_another_order_records_nothing(session, engagement):
    first, second = _two_channels(session, engagement)
    system = elements.save_element(session, engagement, "system",
                                   {"name": "Shopify Plus", "category": "ecommerce", "channel_ids": [first, second]})
    version, changes = system.version, _changes(session, system)
    scenarios = [s.id for s in system.scenarios]

    for order in ([second, first], [first, second], [second, first]):
        elements.save_element(session, engagement, "system",
                              {"name": "Shopify Plus", "category": "ecommerce", "channel_ids": order,
                               "scenario_ids": scenarios}, system, version=version)

    session.expire_all()
    assert system.version == version
    assert _changes(session, system) == changes
    assert sorted(c.id for c in system.channels) == [first, second]


def test_a_real_change_after_a_reordered_save_is_still_recorded(session, engagement):
    first, second = _two_channels(session, engagement)
    system = elements.save_element(session, engagement, "system",
                                   {"name": "POS", "category": "pos", "channel_ids": [first, second]})
    version, changes = system.version, _changes(session, system)
    elements.save_element(session, engagement, "system",
                          {"name": "POS", "category": "pos", "channel_ids": [second],
                           "scenario_ids": [s.id for s in system.scenarios]}, system)
    session.expire_all()
    assert [c.id for c in system.channels] == [second]
    assert system.version == version + 1
    assert _changes(session, system) == changes + 1
