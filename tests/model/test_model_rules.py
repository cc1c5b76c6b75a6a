"""The rules of the model, enforced by the services (and, where it can, by the database), on both databases.

Here: unique names, flows between two systems, references within one engagement. Refs, deletes, history,
versions and scenarios: test_model_lifecycle.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.services.catalog import trace as trace
from app.services.catalog.elements import save_element
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import (
    Change,
    DataFlow,
    Decision,
    Element,
    Engagement,
    Scenario,
    System,
    TraceLink,
    scenario_members,
)
from tests.support.model_sides import Side, save_flow


def _rows(session) -> dict[str, int]:
    """Row counts of everything a save or a link could write."""
    session.expire_all()
    tables = (Element, Change, TraceLink, Scenario, scenario_members)
    counts = {getattr(t, "__name__", getattr(t, "name", "")): session.scalar(select(func.count()).select_from(t))
              for t in tables}
    counts["counters"] = session.execute(
        select(func.sum(Engagement.next_requirement_number + Engagement.next_decision_number))
    ).scalar_one()
    return counts


# --- names ---------------------------------------------------------------------------------------


def test_a_name_differing_only_in_case_and_spacing_is_a_duplicate_in_the_same_engagement(session, a):
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        save_element(session, a.engagement, "system", {"name": "  web   SHOP ", "category": "pos"})
    assert "name" in exc.value.errors
    assert "already exists" in exc.value.errors["name"][0]
    session.rollback()
    assert _rows(session) == before


def test_renaming_onto_an_existing_name_is_refused_too(session, a):
    with pytest.raises(ValidationError) as exc:
        save_element(session, a.engagement, "system", {"name": "erp", "category": "ecommerce"}, a.shop)
    assert list(exc.value.errors) == ["name"]
    session.rollback()
    assert session.get(System, a.shop.id).name == "Web shop"


def test_the_same_name_is_fine_in_another_engagement_and_for_another_kind(session, a, b):
    # b already has a system called "ERP"; a stakeholder called "ERP" in a is another kind.
    person = save_element(session, a.engagement, "stakeholder", {"name": "ERP"})
    assert person.name_key == a.erp.name_key == b.erp.name_key == "erp"
    assert session.scalar(select(func.count()).select_from(Element).where(Element.name_key == "erp")) == 3


# --- flows -----------------------------------------------------------------------------------------


def test_a_flow_from_a_system_to_itself_is_refused_by_the_service(session, a):
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        save_flow(session, a, target_id=a.erp.id)
    assert exc.value.errors["target_id"] == ["Target must differ from source."]
    session.rollback()
    assert _rows(session) == before


def test_the_database_refuses_a_flow_from_a_system_to_itself_even_bypassing_the_service(session, a):
    session.add(DataFlow(engagement_id=a.engagement.id, name="loop", source_id=a.erp.id, target_id=a.erp.id,
                         pattern="api"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()

    flow = save_flow(session, a)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE data_flows SET target_id = source_id WHERE id = :id"), {"id": flow.id})
    session.rollback()
    assert session.get(DataFlow, flow.id).target_id == a.shop.id


# --- references across engagements --------------------------------------------------------------

def _flow_data(a: Side, **overrides) -> dict:
    return {"source_id": a.erp.id, "target_id": a.shop.id, "entity_ids": [a.entity.id], "pattern": "api", **overrides}


# case -> (kind, field named in the error, payload in engagement a holding one reference into b)
CROSS = {
    "flow source": ("flow", "source_id", lambda a, b: _flow_data(a, source_id=b.erp.id)),
    "flow target": ("flow", "target_id", lambda a, b: _flow_data(a, target_id=b.shop.id)),
    "flow via": ("flow", "via_id", lambda a, b: _flow_data(a, via_id=b.erp.id)),
    "flow entities": ("flow", "entity_ids", lambda a, b: _flow_data(a, entity_ids=[a.entity.id, b.entity.id])),
    "flow scenarios": ("flow", "scenario_ids", lambda a, b: _flow_data(a, scenario_ids=[b.baseline.id])),
    "system owner": ("system", "owner_id", lambda a, b: {"name": "OMS", "category": "oms",
                                                         "owner_id": b.stakeholder.id}),
    "system channels": ("system", "channel_ids", lambda a, b: {"name": "OMS", "category": "oms",
                                                               "channel_ids": [b.channel.id]}),
    "system scenarios": ("system", "scenario_ids", lambda a, b: {"name": "OMS", "category": "oms",
                                                                 "scenario_ids": [a.baseline.id, b.baseline.id]}),
    "ownership system": ("ownership", "system_id", lambda a, b: {"system_id": b.erp.id, "entity_id": a.entity.id,
                                                                 "role": "sor"}),
    "ownership entity": ("ownership", "entity_id", lambda a, b: {"system_id": a.erp.id, "entity_id": b.entity.id,
                                                                 "role": "sor"}),
    "requirement source": ("requirement", "source_id", lambda a, b: {"title": "Returns in store",
                                                                     "source_id": b.stakeholder.id}),
    "requirement channels": ("requirement", "channel_ids", lambda a, b: {"title": "Returns in store",
                                                                         "channel_ids": [b.channel.id]}),
    "decision deciders": ("decision", "decider_ids", lambda a, b: {"title": "Events",
                                                                   "decider_ids": [b.stakeholder.id]}),
    "decision consulted": ("decision", "consulted_ids", lambda a, b: {"title": "Events",
                                                                      "consulted_ids": [b.stakeholder.id]}),
    "decision supersedes": ("decision", "supersedes_id", lambda a, b: {"title": "Events",
                                                                       "supersedes_id": b.decision.id}),
    "decision scenario": ("decision", "scenario_id", lambda a, b: {"title": "Events", "scenario_id": b.baseline.id}),
}


@pytest.mark.parametrize("case", list(CROSS))
def test_creating_with_a_reference_to_another_engagement_is_refused_naming_the_field(session, a, b, case):
    kind, field, build = CROSS[case]
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        save_element(session, a.engagement, kind, build(a, b))
    assert list(exc.value.errors) == [field]
    assert "in this engagement" in exc.value.errors[field][0]
    session.rollback()
    assert _rows(session) == before


def test_updating_a_system_to_an_owner_of_another_engagement_is_refused_and_changes_nothing(session, a, b):
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        save_element(session, a.engagement, "system", {"owner_id": b.stakeholder.id}, a.erp, partial=True)
    assert list(exc.value.errors) == ["owner_id"]
    session.rollback()
    assert _rows(session) == before
    erp = session.get(System, a.erp.id)
    assert erp.owner_id is None and erp.version == 1


def test_updating_a_decision_with_deciders_of_another_engagement_is_refused(session, a, b):
    with pytest.raises(ValidationError) as exc:
        save_element(session, a.engagement, "decision", {"decider_ids": [a.stakeholder.id, b.stakeholder.id]},
                     a.decision, partial=True)
    assert list(exc.value.errors) == ["decider_ids"]
    session.rollback()
    assert session.get(Decision, a.decision.id).participants == []


@pytest.mark.parametrize("end", ["source", "target"])
def test_a_trace_link_across_engagements_is_refused(session, a, b, end):
    source, target = (b.requirement, a.decision) if end == "source" else (a.requirement, b.decision)
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        trace.add_link(session, a.engagement, "addresses", source.id, target.id)
    assert list(exc.value.errors) == [f"{end}_id"]
    session.rollback()
    assert _rows(session) == before
    # and linking in b's name does not help either
    with pytest.raises(ValidationError):
        trace.add_link(session, b.engagement, "addresses", a.requirement.id, b.decision.id)
    session.rollback()
    assert _rows(session) == before


def test_a_scenario_cannot_be_a_copy_of_another_engagements_scenario(session, a, b):
    before = _rows(session)
    with pytest.raises(ValidationError) as exc:
        save_scenario(session, a.engagement, "Target", copy_from=b.baseline)
    assert list(exc.value.errors) == ["copy_from"]
    session.rollback()
    assert _rows(session) == before
