"""The demo engagement: rich enough to show every feature, and set up once on first start."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.services.accounts import authenticate
from app.services.demo import DEMO_EMAIL, ensure_demo, load_demo
from models import DataFlow, Decision, Engagement, Membership, Ownership, Requirement, Scenario, Stakeholder, System
from models.vocab import PRIORITIES, TRACE_KINDS
from tests.support.bundles import demo_document, row_counts

TARGET = "Target A — central OMS"


@pytest.fixture(scope="module")
def demo():
    return demo_document()


def test_the_demo_has_a_realistic_landscape(demo):
    systems = demo["systems"]
    assert len(systems) >= 14
    assert len({s["category"] for s in systems}) >= 14
    by_name = {s["name"]: s for s in systems}
    assert by_name["SAP ECC"]["lifecycle"] == "retiring" and by_name["SAP ECC"]["hosting"] == "on_prem"
    assert len(demo["stakeholders"]) >= 6
    assert len({s["area"] for s in demo["stakeholders"]}) >= 6


def test_the_demo_flows_mix_patterns_including_a_nightly_inventory_file(demo):
    flows = demo["flows"]
    assert len(flows) >= 22
    assert {"api", "event", "webhook", "batch", "db_link", "manual"} <= {f["pattern"] for f in flows}
    erp = _id(demo, "systems", "SAP ECC")
    web = _id(demo, "systems", "Salesforce Commerce Cloud")
    inventory = _id(demo, "entities", "Inventory")
    nightly = [f for f in flows if (f["source_id"], f["target_id"], f["pattern"]) == (erp, web, "batch")]
    assert any(inventory in f["entity_ids"] and f["worst_latency_seconds"] == 86400 for f in nightly)
    assert sum(1 for f in flows if f["via_id"] == _id(demo, "systems", "MuleSoft Anypoint")) >= 10


def test_the_demo_has_a_deliberate_ownership_problem(demo):
    current = demo["scenarios"][0]["id"]
    sors = Counter(o["entity_id"] for o in demo["ownerships"] if o["role"] == "sor" and current in o["scenario_ids"])
    assert sors[_id(demo, "entities", "Inventory")] == 2  # two systems of record
    assert sors[_id(demo, "entities", "Customer")] == 0  # and none at all
    assert any(o["entity_id"] == _id(demo, "entities", "Customer") for o in demo["ownerships"])


def test_the_demo_requirements_and_decisions_are_traceable(demo):
    requirements, decisions = demo["requirements"], demo["decisions"]
    assert len(requirements) >= 10 and {r["priority"] for r in requirements} == set(PRIORITIES)
    assert sum("freshness(inventory, web) <= 60s" in r["acceptance"] for r in requirements) == 1
    assert len(decisions) >= 4
    for d in decisions[:4]:
        assert d["context"] and d["options"] and d["outcome"] and d["consequences"], d["ref"]
        assert d["decider_ids"] and d["consulted_ids"] and d["informed_ids"], d["ref"]
    superseded = {d["supersedes_id"] for d in decisions} - {None}
    assert superseded and all(_by_id(demo, "decisions", i)["status"] == "superseded" for i in superseded)
    assert {link["kind"] for link in demo["trace_links"]} == set(TRACE_KINDS)


def test_target_a_adds_the_oms_and_replaces_batch_inventory_with_events(demo):
    current, target = demo["scenarios"][0]["id"], demo["scenarios"][1]["id"]
    assert demo["scenarios"][1]["name"] == TARGET
    oms = next(s for s in demo["systems"] if s["category"] == "oms")
    assert oms["lifecycle"] == "planned" and oms["scenario_ids"] == [target]
    inventory = _id(demo, "entities", "Inventory")
    stock = [f for f in demo["flows"] if inventory in f["entity_ids"]]
    batch_now = [f for f in stock if f["pattern"] == "batch" and f["target_id"] in _ids_of_web_and_marketplace(demo)]
    assert batch_now and all(f["scenario_ids"] == [current] for f in batch_now)
    events_then = [f for f in stock if f["pattern"] == "event" and f["scenario_ids"] == [target]]
    assert len(events_then) >= 3
    in_both = [s for s in demo["systems"] if s["scenario_ids"] == [current, target]]
    assert len(in_both) == len(demo["systems"]) - 1  # most of the current state carries over


def test_loading_the_demo_builds_it_in_the_database(session, user):
    engagement = load_demo(session, owner=user)
    assert session.scalar(select(Membership.role).where(Membership.engagement_id == engagement.id)) == "owner"
    counts = {
        model.__name__: len(session.scalars(select(model.id).where(model.engagement_id == engagement.id)).all())
        for model in (System, DataFlow, Ownership, Stakeholder, Requirement, Decision, Scenario)
    }
    demo = demo_document()
    assert counts == {
        "System": len(demo["systems"]),
        "DataFlow": len(demo["flows"]),
        "Ownership": len(demo["ownerships"]),
        "Stakeholder": len(demo["stakeholders"]),
        "Requirement": len(demo["requirements"]),
        "Decision": len(demo["decisions"]),
        "Scenario": 2,
    }
    target = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id, Scenario.name == TARGET))
    assert any(m.name == "Manhattan Active Omni" for m in target.members)


def test_first_start_creates_the_demo_user_and_engagement_once(session):
    credentials = ensure_demo(session)
    assert credentials is not None and credentials.email == DEMO_EMAIL
    user = authenticate(session, credentials.email, credentials.password)
    assert user is not None
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.engagement_id, membership.role) == (credentials.engagement_id, "owner")
    before = row_counts(session)
    assert ensure_demo(session) is None
    assert row_counts(session) == before


def test_first_start_does_nothing_when_engagements_already_exist(session, engagement):
    assert ensure_demo(session) is None
    assert session.scalars(select(Engagement.name)).all() == ["Acme Retail discovery"]


def _by_id(demo, coll, bundle_id):
    return next(o for o in demo[coll] if o["id"] == bundle_id)


def _id(demo, coll, name):
    return next(o["id"] for o in demo[coll] if o["name"] == name)


def _ids_of_web_and_marketplace(demo):
    return {s["id"] for s in demo["systems"] if s["category"] in ("ecommerce", "marketplace")}
