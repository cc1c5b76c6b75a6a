"""The rules of the model over time, enforced by the services, on both databases.

Refs never reused, deletes and their history, versions, scenarios. Names, flows and references:
test_model_rules.py.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.catalog import trace as trace
from app.services.catalog.elements import delete_element, save_element
from app.services.errors import Conflict, ValidationError
from app.services.scenarios import delete_scenario, save_scenario
from models import (
    Change,
    DataFlow,
    Element,
    Engagement,
    Ownership,
    Requirement,
    Scenario,
    System,
    TraceLink,
    scenario_members,
)
from tests.support.model_sides import save_flow

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
    out = save_flow(session, a)  # ERP -> Web shop
    back = save_flow(session, a, source_id=a.shop.id, target_id=a.erp.id, pattern="api")
    via = save_flow(session, a, source_id=a.shop.id, target_id=pos.id, via_id=a.erp.id)  # survives, loses its via
    kept = save_flow(session, a, source_id=a.shop.id, target_id=pos.id, pattern="event")
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
    flow = save_flow(session, a)
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
