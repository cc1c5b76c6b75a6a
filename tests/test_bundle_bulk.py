"""The bundle import's bulk writing: the same rows and history as saving one object at a time, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.bundle.importer import Importer
from app.services.bundle.transfer import import_bundle
from app.services.catalog.elements import history_of
from app.services.catalog.fields import snapshot
from app.services.errors import ValidationError
from models import Change, Decision, Element, Ownership, Scenario, System, TraceLink
from tests.support.bundles import demo_document, row_counts, small_bundle


def test_every_imported_object_has_one_create_entry_holding_what_was_stored(session, user):
    engagement = import_bundle(session, demo_document(), owner=user)
    elements = session.scalars(select(Element).where(Element.engagement_id == engagement.id)).all()
    assert len(elements) > 50
    for element in elements:
        history = history_of(session, engagement.id, element.id)
        creates = [c for c in history if c.action == "create"]
        assert len(creates) == 1, element.label
        assert creates[0].summary == element.label[:300]
        assert creates[0].user_id == user.id
        if [c.action for c in history if c.kind != "link"] == ["create"]:
            assert creates[0].after == snapshot(element), element.label


def test_bulk_written_collections_are_read_back_like_any_other(session):
    engagement = import_bundle(session, small_bundle())
    session.expire_all()
    shop = session.scalar(select(System).where(System.engagement_id == engagement.id, System.name == "Shopify Plus"))
    erp = session.scalar(select(System).where(System.engagement_id == engagement.id, System.name == "Dynamics 365"))
    assert shop.owner.name == "Ann Archer"
    assert [c.name for c in shop.channels] == ["Web"]
    assert [s.name for s in shop.scenarios] == ["As is"]  # no scenario_ids: the current state
    assert [s.name for s in erp.scenarios] == ["As is"]
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id, Scenario.is_baseline))
    assert {e.name for e in baseline.members} >= {"Shopify Plus", "Dynamics 365"}
    new = session.scalar(select(Decision).where(Decision.engagement_id == engagement.id, Decision.ref == "ADR-2"))
    assert [s.name for s in new.stakeholders_in("decider")] == ["Ann Archer"]
    assert new.supersedes.ref == "ADR-1"


def test_a_decision_superseding_an_earlier_one_is_created_with_it_in_one_entry(session):
    document = small_bundle()
    document["decisions"].reverse()  # the superseded decision first: both in the same collection
    engagement = import_bundle(session, document)
    new = session.scalar(select(Decision).where(Decision.engagement_id == engagement.id, Decision.ref == "ADR-2"))
    assert new.supersedes.ref == "ADR-1"
    assert new.version == 1
    assert [c.action for c in history_of(session, engagement.id, new.id) if c.kind != "link"] == ["create"]


def test_two_ownerships_saying_the_same_are_refused_at_the_second(session):
    document = small_bundle()
    document["ownerships"].append({"id": "again", "system_id": "erp", "entity_id": "stock", "role": "sor"})
    before = row_counts(session)
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document)
    assert list(caught.value.errors) == ["$.ownerships[1].role"]
    assert "Dynamics 365 is already" in caught.value.errors["$.ownerships[1].role"][0]
    assert row_counts(session) == before


def test_a_link_given_twice_is_refused_at_the_second(session):
    document = small_bundle()
    document["trace_links"].append(dict(document["trace_links"][0]))
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document)
    assert caught.value.errors == {"$.trace_links[1].target": ["These two are already linked."]}


def test_a_clash_only_the_database_finds_names_the_collection_and_saves_nothing(session, monkeypatch):
    monkeypatch.setattr(Importer, "_clash", lambda *_args: (None, {}))  # as if the clash check had missed it
    document = small_bundle()
    document["systems"][1]["name"] = "SHOPIFY plus"
    before = row_counts(session)
    with pytest.raises(ValidationError) as caught:
        import_bundle(session, document)
    assert list(caught.value.errors) == ["$.systems"]
    assert caught.value.errors["$.systems"][0].startswith("The database refused these objects")
    assert row_counts(session) == before
    assert session.scalars(select(Ownership)).all() == [] and session.scalars(select(TraceLink)).all() == []
    assert import_bundle(session, small_bundle()).name == "Small Co discovery"  # the session is fit again


def test_the_change_log_of_an_import_lists_objects_then_links_in_bundle_order(session):
    engagement = import_bundle(session, small_bundle())
    changes = session.scalars(select(Change).where(Change.engagement_id == engagement.id).order_by(Change.id)).all()
    assert [(c.kind, c.action) for c in changes] == [
        ("channel", "create"), ("entity", "create"), ("stakeholder", "create"), ("system", "create"),
        ("system", "create"), ("flow", "create"), ("ownership", "create"), ("requirement", "create"),
        ("decision", "create"), ("decision", "create"), ("decision", "update"), ("link", "link"),
    ]
