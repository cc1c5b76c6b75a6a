"""Each engagement is a tenant: a non-member gets 404 for every object of it, by any URL and method."""

from __future__ import annotations

import tempfile

import pytest
from sqlalchemy import select

from app.services import webhooks
from app.services.accounts import set_membership
from app.services.catalog import elements as elements
from app.services.catalog import trace as trace
from app.services.engagements import create_engagement
from app.services.engines.runs import run_now
from app.services.review.author import Author
from app.services.review.comments import add_comment
from app.services.scenarios import save_scenario
from models import Element, Membership, ReportJob
from tests.support.datasets import load_small_network


def _scoped_rules():
    from app import create_app

    with tempfile.TemporaryDirectory(prefix="throughline-routes-") as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "INSTANCE_PATH": instance})
    rules = []
    for rule in app.url_map.iter_rules():
        # The API's routes have their own walk with tokens (tests/api/test_api_access.py).
        if "eid" not in rule.arguments or rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((rule.rule, rule.endpoint, method))
    return rules


SCOPED_RULES = _scoped_rules()
OBJECT_ARGS = ("element_id", "scenario_id", "membership_id", "link_id", "change_id", "dataset_id", "version_id",
               "run_id", "job_id")
OBJECT_RULES = [r for r in SCOPED_RULES if any(f"<int:{a}>" in r[0] for a in OBJECT_ARGS)]


@pytest.fixture
def foreign(session, make_user):
    """Another team's engagement with one object of every kind, and its owner."""
    stranger = make_user(email="stranger@example.com", name="Stranger")
    eng = create_engagement(session, "Other retailer", owner=stranger)
    stakeholder = elements.save_element(session, eng, "stakeholder", {"name": "Pat Other"})
    system_a = elements.save_element(session, eng, "system", {"name": "ERP", "category": "erp"})
    system_b = elements.save_element(session, eng, "system", {"name": "Web shop", "category": "ecommerce"})
    entity = session.scalar(select(Element).where(Element.engagement_id == eng.id, Element.kind == "entity"))
    channel = session.scalar(select(Element).where(Element.engagement_id == eng.id, Element.kind == "channel"))
    flow = elements.save_element(
        session, eng, "flow",
        {"source_id": system_a.id, "target_id": system_b.id, "entity_ids": [entity.id], "pattern": "batch"},
    )
    ownership = elements.save_element(
        session, eng, "ownership", {"system_id": system_a.id, "entity_id": entity.id, "role": "sor"}
    )
    requirement = elements.save_element(session, eng, "requirement", {"title": "Stock on web"})
    decision = elements.save_element(session, eng, "decision", {"title": "Central OMS"})
    link = trace.add_link(session, eng, "addresses", requirement.id, decision.id)
    scenario = save_scenario(session, eng, "Target")
    membership = session.scalar(select(Membership).where(Membership.engagement_id == eng.id))
    deletion = elements.delete_element(session, eng, elements.save_element(session, eng, "channel", {"name": "Kiosk"}))
    by_kind = {
        "system": system_a, "channel": channel, "entity": entity, "stakeholder": stakeholder, "flow": flow,
        "ownership": ownership, "requirement": requirement, "decision": decision,
    }
    versions = load_small_network(session, eng)
    run = run_now(session, eng, scenario, "atp")
    job = ReportJob(engagement_id=eng.id, status="done", progress=1.0, pdf=b"%PDF-1.7 secret")
    session.add(job)
    session.commit()
    comment = add_comment(session, eng, Author(name="Owner", user_id=membership.user_id), "system", str(system_a.id),
                          "Private remark")
    hook = webhooks.create_webhook(session, eng, "http://127.0.0.1:9000/x", ["object.created"], allow_private=True)
    return {
        "engagement": eng, "by_kind": by_kind, "scenario": scenario, "membership": membership, "link": link,
        "change": deletion, "version": versions["orders"], "run": run,
        "job": job, "comment": comment, "webhook": hook,
    }


def _url(rule: str, endpoint: str, eid: int, foreign: dict) -> str:
    kind = endpoint.split(".")[1].split("_")[0]
    values = {
        "eid": eid,
        "element_id": foreign["by_kind"][kind].id if kind in foreign["by_kind"] else 1,
        "scenario_id": foreign["scenario"].id,
        "membership_id": foreign["membership"].id,
        "link_id": foreign["link"].id,
        "change_id": foreign["change"].id,
        "dataset_id": foreign["version"].dataset_id,
        "version_id": foreign["version"].id,
        "run_id": foreign["run"].id,
        "job_id": foreign["job"].id,
        "comment_id": foreign["comment"].id,
        "webhook_id": foreign["webhook"].id,
        "delivery_id": 1,
    }
    url = rule.replace("<kind>/<path:key>", f"system/{foreign['by_kind']['system'].id}")
    for name, value in values.items():
        url = url.replace(f"<int:{name}>", str(value))
    assert "<" not in url, f"test does not know how to fill {url}"
    return url


def _refusals(client, rules, eid: int, foreign: dict) -> list[str]:
    """Every rule whose URL answered anything but 404 (one fixture for all routes: building it per route took
    minutes; the failure message still names each route)."""
    wrong = []
    for rule, endpoint, method in rules:
        url = _url(rule, endpoint, eid, foreign)
        resp = client.post(url, data={}) if method == "POST" else client.get(url)
        if resp.status_code != 404:
            wrong.append(f"{method} {url} ({rule}) -> {resp.status_code}")
    return wrong


def test_a_non_member_gets_404_for_every_engagement_url(browser, foreign):
    assert len(SCOPED_RULES) > 100  # the app's routes were found
    assert _refusals(browser, SCOPED_RULES, foreign["engagement"].id, foreign) == []


def test_objects_of_another_engagement_are_404_inside_ones_own(browser, engagement, foreign):
    assert OBJECT_RULES
    assert _refusals(browser, OBJECT_RULES, engagement.id, foreign) == []


def test_an_undo_cannot_restore_another_engagements_deletion_through_ones_own(browser, session, engagement, foreign):
    resp = browser.post(f"/e/{engagement.id}/history/{foreign['change'].id}/undo")
    assert resp.status_code == 404
    assert session.scalar(select(Element).where(Element.name == "Kiosk")) is None


def test_htmx_fragments_of_another_engagement_are_404_too(browser, foreign):
    resp = browser.get(f"/e/{foreign['engagement'].id}/systems?q=ERP", htmx=True)
    assert resp.status_code == 404
    assert "ERP" not in resp.get_data(as_text=True)


def test_a_member_sees_an_engagement_only_after_being_added(browser, session, user, foreign):
    url = f"/e/{foreign['engagement'].id}/"
    assert browser.get(url).status_code == 404
    set_membership(session, foreign["engagement"], user.email, "viewer")
    assert browser.get(url).status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_reviewers_and_viewers_cannot_change_anything(make_browser, make_user, session, foreign, role):
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, foreign["engagement"], reader.email, role)
    b = make_browser(reader)
    eid = foreign["engagement"].id
    system = foreign["by_kind"]["system"]
    assert b.get(f"/e/{eid}/systems/{system.id}").status_code == 200
    assert b.post(f"/e/{eid}/systems/new", data={"name": "Sneaky", "category": "pos"}).status_code == 403
    assert b.post(f"/e/{eid}/systems/{system.id}/edit", data={"name": "Renamed"}).status_code == 403
    assert b.post(f"/e/{eid}/systems/{system.id}/delete").status_code == 403
    assert b.post(f"/e/{eid}/scenarios/new", data={"name": "Mine"}).status_code == 403
    session.expire_all()
    assert session.get(Element, system.id).name == "ERP"
    assert session.scalar(select(Element).where(Element.name == "Sneaky")) is None


def test_an_editor_can_change_the_model_but_not_manage_members(make_browser, make_user, session, foreign):
    editor = make_user(email="editor@example.com", name="Ed")
    set_membership(session, foreign["engagement"], editor.email, "editor")
    b = make_browser(editor)
    eid = foreign["engagement"].id
    assert b.post(f"/e/{eid}/systems/new", data={"name": "POS", "category": "pos"}).status_code == 302
    assert b.post(f"/e/{eid}/members", data={"email": editor.email, "role": "owner"}).status_code == 403
