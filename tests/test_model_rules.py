"""The rules of the model, enforced by the services (and, where it can, by the database), on both databases."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.services.catalog import trace as trace
from app.services.catalog.elements import delete_element, save_element
from app.services.engagements import create_engagement
from app.services.errors import Conflict, ValidationError
from app.services.scenarios import delete_scenario, save_scenario
from models import (
    Change,
    DataEntity,
    DataFlow,
    Decision,
    Element,
    Engagement,
    Ownership,
    Requirement,
    Scenario,
    System,
    TraceLink,
    scenario_members,
)


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


def _side(session, name: str) -> Side:
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


@pytest.fixture
def a(session):
    return _side(session, "Acme discovery")


@pytest.fixture
def b(session):
    return _side(session, "Globex discovery")


def _flow(session, side: Side, **overrides) -> DataFlow:
    data = {
        "source_id": side.erp.id,
        "target_id": side.shop.id,
        "entity_ids": [side.entity.id],
        "pattern": "batch",
    }
    data.update(overrides)
    return save_element(session, side.engagement, "flow", data)


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
        _flow(session, a, target_id=a.erp.id)
    assert exc.value.errors["target_id"] == ["Target must differ from source."]
    session.rollback()
    assert _rows(session) == before


def test_the_database_refuses_a_flow_from_a_system_to_itself_even_bypassing_the_service(session, a):
    session.add(DataFlow(engagement_id=a.engagement.id, name="loop", source_id=a.erp.id, target_id=a.erp.id,
                         pattern="api"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()

    flow = _flow(session, a)
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


# --- refs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "prefix"), [("requirement", "REQ"), ("decision", "ADR")])
def test_refs_are_sequential_per_engagement_and_never_reused_after_a_delete(session, a, b, kind, prefix):
    # a and b each already hold REQ-1 and ADR-1.
    second = save_element(session, a.engagement, kind, {"title": "Second"})
    third = save_element(session, a.engagement, kind, {"title": "Third"})
    assert (second.ref, third.ref) == (f"{prefix}-2", f"{prefix}-3")
    delete_element(session, a.engagement, third)
    with pytest.raises(ValidationError):
        save_element(session, a.engagement, kind, {"title": ""})  # a refused save uses up no number
    session.rollback()
    fourth = save_element(session, a.engagement, kind, {"title": "Fourth"})
    assert fourth.ref == f"{prefix}-4" and fourth.number == 4
    assert save_element(session, b.engagement, kind, {"title": "Other"}).ref == f"{prefix}-2"
    refs = session.scalars(
        select(Element.ref).where(Element.engagement_id == a.engagement.id, Element.kind == kind).order_by(Element.id)
    ).all()
    assert refs == [f"{prefix}-1", f"{prefix}-2", f"{prefix}-4"]


def test_concurrent_creation_of_requirements_never_duplicates_a_ref(engine, session, a):
    threads, per_thread = 6, 8
    eid = a.engagement.id
    session.commit()
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Session(engine) as s:
                barrier.wait(timeout=30)
                for i in range(per_thread):
                    save_element(s, s.get(Engagement, eid), "requirement", {"title": f"T{n}-{i}"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert errors == []
    session.expire_all()
    numbers = session.scalars(select(Requirement.number).where(Requirement.engagement_id == eid)).all()
    refs = session.scalars(select(Requirement.ref).where(Requirement.engagement_id == eid)).all()
    total = 1 + threads * per_thread
    assert sorted(numbers) == list(range(1, total + 1))
    assert len(set(refs)) == total
    assert session.get(Engagement, eid).next_requirement_number == total + 1


# --- delete, history, versions ---------------------------------------------------------------------


def test_deleting_a_system_deletes_its_flows_and_ownerships_and_logs_each_with_its_before_snapshot(session, a):
    pos = save_element(session, a.engagement, "system", {"name": "POS", "category": "pos"})
    out = _flow(session, a)  # ERP -> Web shop
    back = _flow(session, a, source_id=a.shop.id, target_id=a.erp.id, pattern="api")
    via = _flow(session, a, source_id=a.shop.id, target_id=pos.id, via_id=a.erp.id)  # survives, loses its via
    kept = _flow(session, a, source_id=a.shop.id, target_id=pos.id, pattern="event")
    own = save_element(session, a.engagement, "ownership", {"system_id": a.erp.id, "entity_id": a.entity.id,
                                                            "role": "sor"})
    trace.add_link(session, a.engagement, "satisfied_by", a.requirement.id, a.erp.id)
    erp_id = a.erp.id
    dependants = {out.id, back.id, own.id}

    change = delete_element(session, a.engagement, a.erp)

    assert (change.action, change.element_id, change.after) == ("delete", erp_id, None)
    assert {record["_id"] for record in change.before["_cascade"]} == dependants
    session.expire_all()
    gone = dependants | {erp_id}
    assert session.scalars(select(Element.id).where(Element.id.in_(gone))).all() == []
    assert {f.id for f in session.scalars(select(DataFlow))} == {via.id, kept.id}
    assert session.get(DataFlow, via.id).via_id is None
    assert session.scalar(select(func.count()).select_from(Ownership)) == 0
    assert session.scalar(select(func.count()).select_from(TraceLink)) == 0

    deletions = {c.element_id: c for c in session.scalars(select(Change).where(Change.action == "delete"))}
    assert set(deletions) == gone
    assert all(c.after is None and c.engagement_id == a.engagement.id for c in deletions.values())
    flow_before = deletions[out.id].before
    assert (flow_before["source_id"], flow_before["target_id"], flow_before["entity_ids"]) == (
        erp_id, a.shop.id, [a.entity.id]
    )
    assert deletions[own.id].kind == "ownership" and deletions[own.id].before["role"] == "sor"
    system_before = deletions[erp_id].before
    assert (system_before["name"], system_before["category"]) == ("ERP", "erp")
    assert system_before["_links"] == [{"kind": "satisfied_by", "source_id": a.requirement.id, "target_id": erp_id}]
    assert {"kind": "flow", "id": via.id, "field": "via_id"} in system_before["_inbound"]


def test_a_save_that_changes_nothing_records_nothing_and_keeps_the_version(session, a):
    changes = session.scalar(select(func.count()).select_from(Change))
    same = save_element(session, a.engagement, "system",
                        {"name": "ERP", "category": "erp", "scenario_ids": [a.baseline.id]}, a.erp, version=1)
    assert same.version == 1
    session.commit()
    session.expire_all()
    assert session.get(System, a.erp.id).version == 1
    assert session.scalar(select(func.count()).select_from(Change)) == changes

    changed = save_element(session, a.engagement, "system", {"vendor": "SAP"}, session.get(System, a.erp.id),
                           version=1, partial=True)
    assert changed.version == 2
    last = session.scalar(select(Change).order_by(Change.id.desc()))
    assert (last.action, last.element_id) == ("update", a.erp.id)
    assert (last.before["vendor"], last.after["vendor"]) == ("", "SAP")


def test_saving_over_a_stale_version_raises_conflict_and_keeps_the_newer_edit(session, a):
    save_element(session, a.engagement, "system", {"vendor": "SAP"}, a.erp, version=1, partial=True)
    with pytest.raises(Conflict) as exc:
        save_element(session, a.engagement, "system", {"vendor": "Oracle"}, a.erp, version=1, partial=True)
    assert exc.value.current_version == 2
    session.rollback()
    erp = session.get(System, a.erp.id)
    assert (erp.vendor, erp.version) == ("SAP", 2)


# --- scenarios -------------------------------------------------------------------------------------


def _members(session, scenario_id: int) -> set[int]:
    return set(session.scalars(
        select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id)
    ))


def test_a_scenario_created_as_a_copy_gets_the_same_members_independently(session, a):
    flow = _flow(session, a)
    baseline_members = _members(session, a.baseline.id)
    assert {a.erp.id, a.shop.id, flow.id} <= baseline_members

    target = save_scenario(session, a.engagement, "Target state", copy_from=a.baseline)
    assert _members(session, target.id) == baseline_members
    empty = save_scenario(session, a.engagement, "Blank slate")
    assert _members(session, empty.id) == set()

    # Taking ERP out of the current state leaves the copy alone.
    save_element(session, a.engagement, "system", {"scenario_ids": [target.id]}, a.erp, partial=True)
    assert _members(session, a.baseline.id) == baseline_members - {a.erp.id}
    assert _members(session, target.id) == baseline_members


def test_the_baseline_scenario_cannot_be_deleted_but_a_proposal_can(session, a):
    with pytest.raises(ValidationError) as exc:
        delete_scenario(session, a.engagement, a.baseline)
    assert list(exc.value.errors) == ["scenario"]
    session.rollback()
    assert session.get(Scenario, a.baseline.id) is not None

    proposal = save_scenario(session, a.engagement, "Target", copy_from=a.baseline)
    proposal_id = proposal.id
    delete_scenario(session, a.engagement, proposal)
    session.expire_all()
    assert session.get(Scenario, proposal_id) is None
    assert session.get(System, a.erp.id) is not None
    assert _members(session, proposal_id) == set()
