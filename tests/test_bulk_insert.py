"""Inserting many new elements at once: every column, collection and child row written, loaded back in order."""

from __future__ import annotations

from sqlalchemy import select

from app.services.catalog.bulk_insert import insert_elements
from models import Channel, Scenario, Stakeholder, System, Tag


def test_new_elements_setting_different_columns_come_back_in_order_with_their_collections(session, engagement):
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id, Scenario.is_baseline))
    web = Channel(engagement_id=engagement.id, name="Kiosk test", name_key="kiosk test")
    ann = Stakeholder(engagement_id=engagement.id, name="Zed Bulk", name_key="zed bulk")
    session.add_all([web, ann])
    session.flush()
    built = [
        System(engagement_id=engagement.id, name="Plain", name_key="plain", category="erp"),
        System(engagement_id=engagement.id, name="Full", name_key="full", category="oms", vendor="Acme", owner=ann,
               channels=[web], scenarios=[baseline], tag_rows=[Tag(tag="core"), Tag(tag="legacy")]),
        System(engagement_id=engagement.id, name="Vendor only", name_key="vendor only", vendor="Initech"),
    ]
    loaded = insert_elements(session, built)
    assert [s.name for s in loaded] == ["Plain", "Full", "Vendor only"]
    assert all(s in session and s.id for s in loaded)
    assert all(b not in session for b in built)  # the built objects left the session: nothing is written twice
    session.commit()
    session.expire_all()
    plain, full, vendor_only = (session.get(System, s.id) for s in loaded)
    assert (plain.category, plain.vendor, plain.version, plain.owner) == ("erp", "", 1, None)
    assert (full.vendor, full.owner.name, [c.name for c in full.channels]) == ("Acme", "Zed Bulk", ["Kiosk test"])
    assert full.tags == ["core", "legacy"] and [s.id for s in full.scenarios] == [baseline.id]
    assert (vendor_only.vendor, vendor_only.category) == ("Initech", None)
    assert full in session.get(Scenario, baseline.id).members


def test_nothing_to_insert_writes_nothing(session):
    assert insert_elements(session, []) == []
