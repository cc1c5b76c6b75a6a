"""Every change is recorded; deletes can be undone with everything that went with them; any state can be restored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog import elements as elements
from app.services.catalog import history as history
from app.services.catalog import trace as trace
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import Change, DataFlow, Element, Ownership, Requirement, System, TraceLink


def _entity(session, engagement, name):
    return session.scalar(select(Element).where(Element.engagement_id == engagement.id, Element.name == name))


@pytest.fixture
def landscape(session, engagement):
    owner = elements.save_element(session, engagement, "stakeholder", {"name": "Dana Ruiz"})
    erp = elements.save_element(
        session, engagement, "system", {"name": "SAP S/4", "category": "erp", "owner_id": owner.id}
    )
    web = elements.save_element(session, engagement, "system", {"name": "Shopify Plus", "category": "ecommerce"})
    esb = elements.save_element(session, engagement, "system", {"name": "MuleSoft", "category": "ipaas"})
    inventory = _entity(session, engagement, "Inventory")
    flow = elements.save_element(
        session,
        engagement,
        "flow",
        {"source_id": erp.id, "target_id": web.id, "entity_ids": [inventory.id], "pattern": "batch", "via_id": esb.id},
    )
    own = elements.save_element(
        session, engagement, "ownership", {"system_id": erp.id, "entity_id": inventory.id, "role": "sor"}
    )
    req = elements.save_element(
        session, engagement, "requirement", {"title": "Stock on web within 60s", "priority": "must"}
    )
    adr = elements.save_element(
        session, engagement, "decision", {"title": "Events for stock", "decider_ids": [owner.id]}
    )
    trace.add_link(session, engagement, "addresses", req.id, adr.id)
    trace.add_link(session, engagement, "affects", adr.id, erp.id)
    trace.add_link(session, engagement, "satisfied_by", req.id, flow.id)
    return {"owner": owner, "erp": erp, "web": web, "esb": esb, "flow": flow, "own": own, "req": req, "adr": adr}


def test_deleting_a_system_and_undoing_it_brings_back_its_flows_ownerships_and_links(session, engagement, landscape):
    erp_id, flow_id, own_id = landscape["erp"].id, landscape["flow"].id, landscape["own"].id
    target = save_scenario(session, engagement, "Target A")
    elements.save_element(
        session,
        engagement,
        "system",
        {"scenario_ids": [target.id, *[s.id for s in landscape["erp"].scenarios]]},
        landscape["erp"],
        partial=True,
    )
    change = elements.delete_element(session, engagement, landscape["erp"])
    assert session.get(System, erp_id) is None and session.get(DataFlow, flow_id) is None
    assert session.scalar(select(TraceLink).where(TraceLink.target_id == erp_id)) is None

    restored = history.undo_delete(session, engagement, change.id)

    assert restored.id == erp_id and restored.name == "SAP S/4" and restored.owner.name == "Dana Ruiz"
    assert sorted(s.name for s in restored.scenarios) == ["Current state", "Target A"]
    flow = session.get(DataFlow, flow_id)
    assert flow.source.id == erp_id and flow.via.name == "MuleSoft" and [e.name for e in flow.entities] == ["Inventory"]
    assert session.get(Ownership, own_id).role == "sor"
    kinds = sorted(link.kind for link in session.scalars(select(TraceLink)))
    assert kinds == ["addresses", "affects", "satisfied_by"]
    assert session.scalar(select(Change).where(Change.action == "restore", Change.element_id == erp_id))


def test_undoing_a_deleted_stakeholder_gives_back_system_ownership_and_decision_roles(session, engagement, landscape):
    owner_id = landscape["owner"].id
    change = elements.delete_element(session, engagement, landscape["owner"])
    session.expire_all()
    assert landscape["erp"].owner is None and landscape["adr"].stakeholders_in("decider") == []

    history.undo_delete(session, engagement, change.id)
    session.expire_all()
    assert landscape["erp"].owner.id == owner_id
    assert [s.id for s in landscape["adr"].stakeholders_in("decider")] == [owner_id]


def test_a_requirement_comes_back_with_its_original_ref(session, engagement, landscape):
    req = landscape["req"]
    ref, req_id = req.ref, req.id
    change = elements.delete_element(session, engagement, req)
    elements.save_element(session, engagement, "requirement", {"title": "Another"})
    history.undo_delete(session, engagement, change.id)
    assert session.get(Requirement, req_id).ref == ref
    assert sorted(r.ref for r in session.scalars(select(Requirement))) == ["REQ-1", "REQ-2"]


def test_an_undo_is_refused_when_the_name_was_taken_meanwhile_and_nothing_is_restored(session, engagement, landscape):
    change = elements.delete_element(session, engagement, landscape["web"])
    elements.save_element(session, engagement, "system", {"name": "shopify plus", "category": "ecommerce"})
    with pytest.raises(ValidationError) as err:
        history.undo_delete(session, engagement, change.id)
    assert "rename it first" in str(err.value)
    assert session.scalar(select(DataFlow)) is None


def test_an_undo_cannot_run_twice(session, engagement, landscape):
    change = elements.delete_element(session, engagement, landscape["web"])
    history.undo_delete(session, engagement, change.id)
    with pytest.raises(ValidationError):
        history.undo_delete(session, engagement, change.id)


def test_reverting_restores_an_earlier_version_as_a_new_update(session, engagement, landscape):
    erp = landscape["erp"]
    created = session.scalar(select(Change).where(Change.element_id == erp.id, Change.action == "create"))
    elements.save_element(session, engagement, "system", {"vendor": "SAP", "lifecycle": "retiring"}, erp, partial=True)
    assert erp.version == 2
    history.revert(session, engagement, created.id, version=2)
    assert (erp.vendor, erp.lifecycle, erp.version) == ("", "active", 3)
    assert [c.action for c in elements.history_of(session, engagement.id, erp.id)] == ["update", "update", "create"]


def test_a_save_that_changes_nothing_records_nothing(session, engagement, landscape):
    erp = landscape["erp"]
    before = len(elements.history_of(session, engagement.id, erp.id))
    elements.save_element(session, engagement, "system", {"name": "SAP S/4"}, erp, partial=True)
    assert len(elements.history_of(session, engagement.id, erp.id)) == before and erp.version == 1


def test_field_diff_lists_only_what_changed(session, engagement, landscape):
    erp = landscape["erp"]
    elements.save_element(session, engagement, "system", {"vendor": "SAP SE"}, erp, partial=True)
    change = elements.history_of(session, engagement.id, erp.id)[0]
    assert history.field_diff(change) == [("vendor", "", "SAP SE")]
