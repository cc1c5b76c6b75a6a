"""A review link reaches its scenarios and nothing else: over every route of the app (read from the app, so a new
route cannot be forgotten), a client holding only the link, with no login, never gets a page or a file with
anything outside the link's scope. Inside /r/<token>/ only the link's scenarios and their objects answer."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.services.analysis.scenario import analyse
from app.services.catalog import elements
from app.services.demo import load_demo
from app.services.engagements import create_engagement
from app.services.review import links
from models import Element, ReportJob
from tests.support.datasets import load_small_network
from tests.support.review_links import make_link, target_and_current

SECRET = "QX-secret"  # in the name of everything the link must not show


def _rules():
    from app import create_app

    with tempfile.TemporaryDirectory(prefix="throughline-routes-") as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "INSTANCE_PATH": instance})
    return [(rule.rule, rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


ALL_RULES = _rules()
PORTAL_RULES = [r for r in ALL_RULES if r[1].startswith("portal.")]
APP_RULES = [r for r in ALL_RULES if not r[1].startswith("portal.")]
# Pages anyone may open without a login (the API's description too); they must still show nothing of an engagement.
PUBLIC = {"static", "health.healthz", "auth.login", "account.set_password", "api-docs.openapi_json",
          "api_docs_page"}
PORTAL_KIND = {"portal.requirement": "requirement", "portal.decision": "decision", "portal.flow": "flow"}


@pytest.fixture
def world(app, session, user, make_user):
    """The demo with things only its current state holds (a system, a flow, a decision tied to it), a foreign
    engagement, reports, datasets, and a sign-off link to the demo's target scenario alone."""
    app.config["REVIEW_LINK_MISS_LIMIT"] = "100000 per minute"  # the scan itself makes hundreds of 404s
    demo = load_demo(session, owner=user)
    target, current = target_and_current(demo)
    inventory = session.scalar(select(Element).where(Element.engagement_id == demo.id, Element.kind == "entity"))
    kept = analyse(session, demo, target).snapshot
    mainframe = elements.save_element(session, demo, "system", {"name": f"{SECRET} Mainframe", "category": "erp"})
    # Requirements are shared by every scenario of an engagement: the ones out of scope are another engagement's.
    hidden = {
        "decision": elements.save_element(session, demo, "decision", {"title": f"{SECRET} decision",
                                                                      "scenario_id": current.id}),
        "flow": elements.save_element(session, demo, "flow", {
            "source_id": mainframe.id, "target_id": kept.systems[0].id, "entity_ids": [inventory.id],
            "pattern": "batch"}),
    }
    stranger = make_user(email="stranger@example.com", name="Stranger")
    foreign = create_engagement(session, f"{SECRET} Other retailer", owner=stranger)
    foreign_items = {
        "requirement": elements.save_element(session, foreign, "requirement", {"title": f"{SECRET} foreign req"}),
        "decision": elements.save_element(session, foreign, "decision", {"title": f"{SECRET} foreign decision"}),
        "system": elements.save_element(session, foreign, "system", {"name": f"{SECRET} foreign", "category": "erp"}),
    }
    versions = load_small_network(session, foreign)
    reports = [
        ReportJob(engagement_id=demo.id, status="done", pdf=f"%PDF {SECRET} current".encode(),
                  options={"scenario": current.id, "sections": ["findings"]}),
        ReportJob(engagement_id=demo.id, status="done", pdf=f"%PDF {SECRET} ranks all".encode(),
                  options={"scenario": target.id, "sections": ["summary", "findings"]}),
        ReportJob(engagement_id=demo.id, status="done", pdf=f"%PDF {SECRET} compares".encode(),
                  options={"scenario": target.id, "compare": current.id, "sections": ["comparison"]}),
        ReportJob(engagement_id=foreign.id, status="done", pdf=f"%PDF {SECRET} foreign".encode(),
                  options={"scenario": None, "sections": ["findings"]}),
    ]
    session.add_all(reports)
    session.commit()
    link, token = make_link(session, demo, [target], role="signoff")
    return {
        "demo": demo, "target": target, "current": current, "foreign": foreign, "token": token, "link": link,
        "kept": {"requirement": kept.requirements[0].id, "decision": kept.decisions[0].id, "flow": kept.flows[0].id},
        "hidden": {k: v.id for k, v in hidden.items()}, "foreign_items": {k: v.id for k, v in foreign_items.items()},
        "foreign_scenario": foreign.scenarios[0].id, "version": versions["orders"], "reports": reports,
    }


@pytest.fixture
def client(anonymous):
    """A browser holding only the link: no login, but a CSRF token so that posts reach the app's checks."""
    page = anonymous.get("/login").get_data(as_text=True)
    anonymous.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return anonymous


def _fill(rule: str, values: dict) -> str:
    url = rule
    for name, value in values.items():
        url = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{name}>", str(value), url)
    assert "<" not in url, f"the scope test does not know how to fill {rule}"
    return url


def _request(client, method: str, url: str):
    return client.post(url, data={}) if method == "POST" else client.get(url)


def _plain(resp) -> bytes:
    """The body without the CSRF token, which carries the time it was made (the 404 page has it in its head)."""
    return re.sub(rb"[A-Za-z0-9_.-]{60,}", b"", resp.get_data())


def _leaks(resp, world) -> list[str]:
    body = resp.get_data()
    found = [word for word in (SECRET, world["current"].name) if word.encode() in body]
    return found + (["a link into /e/"] if b'href="/e/' in body else [])


def test_every_app_route_refuses_a_link_holder_and_shows_nothing_of_any_engagement(client, world):
    assert len(APP_RULES) > 150 and len(PORTAL_RULES) >= 10  # the app's routes were found
    demo = world["demo"]
    values = {"eid": demo.id, "element_id": world["hidden"]["decision"], "scenario_id": world["target"].id,
              "membership_id": 1, "link_id": world["link"].id, "change_id": 1, "run_id": 1,
              "job_id": world["reports"][0].id, "dataset_id": world["version"].dataset_id,
              "version_id": world["version"].id, "user_id": 1, "token": world["token"], "filename": "css/app.css",
              "comment_id": 1, "token_id": 1, "webhook_id": 1, "delivery_id": 1, "kind": "system",
              "key": world["foreign_items"]["system"]}
    wrong = []
    for rule, endpoint, method in APP_RULES:
        for eid in (demo.id, world["foreign"].id):
            resp = _request(client, method, _fill(rule, {**values, "eid": eid}))
            shown = resp.status_code == 200 and endpoint not in PUBLIC
            if shown or _leaks(resp, world) or demo.name.encode() in resp.get_data():
                wrong.append(f"{method} {rule} -> {resp.status_code} {_leaks(resp, world)}")
    assert wrong == []
    assert links.resolve(client.session, world["token"]).revoked_at is None  # the revoke route did not work


def _portal_cases(world):
    """(rule, endpoint, scenario, element, in scope?) for every portal route and every kind of id."""
    target, outside = world["target"].id, (world["current"].id, world["foreign_scenario"], 999999)
    for rule, endpoint, method in PORTAL_RULES:
        if method != "GET":
            continue
        if "scenario_id" not in rule:
            yield rule, endpoint, None, None, True
            continue
        kind = PORTAL_KIND.get(endpoint)
        if kind is None:
            yield rule, endpoint, target, None, True
            yield from ((rule, endpoint, s, None, False) for s in outside)
            continue
        yield rule, endpoint, target, world["kept"][kind], True
        yield rule, endpoint, world["current"].id, world["kept"][kind], False
        if kind in world["hidden"]:
            yield rule, endpoint, target, world["hidden"][kind], False
        yield rule, endpoint, target, world["foreign_items"].get(kind, world["foreign_items"]["system"]), False
        yield rule, endpoint, world["foreign_scenario"], world["foreign_items"].get(kind, 1), False


def test_inside_the_portal_only_the_links_scenarios_and_their_objects_answer(client, world):
    not_found = _plain(client.get(f"/r/{'n' * 43}/"))
    wrong = []
    for rule, endpoint, scenario, element, in_scope in _portal_cases(world):
        url = _fill(rule, {"token": world["token"], "scenario_id": scenario, "element_id": element})
        resp = client.get(url)
        if _leaks(resp, world):
            wrong.append(f"{url} leaks {_leaks(resp, world)}")
        elif not in_scope and (resp.status_code != 404 or _plain(resp) != not_found):
            wrong.append(f"{url} -> {resp.status_code}, expected the plain 404")
        elif in_scope and endpoint not in ("portal.report", "portal.latest_report", "portal.unlock") \
                and resp.status_code != 200:
            wrong.append(f"{url} -> {resp.status_code}, expected 200")
    assert wrong == []


def test_a_report_reaching_beyond_the_link_is_never_handed_out(client, session, world):
    url = f"/r/{world['token']}/s/{world['target'].id}/report.pdf"
    assert client.get(url).status_code == 404  # the target's reports rank or compare the current state
    session.add(ReportJob(engagement_id=world["demo"].id, status="done", pdf=b"%PDF target only",
                          options={"scenario": world["target"].id, "sections": ["findings", "systems"]}))
    session.commit()
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data == b"%PDF target only"


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_an_expired_or_revoked_link_is_the_plain_404_on_every_portal_route(client, session, world, how):
    link = session.get(type(world["link"]), world["link"].id)
    if how == "expired":
        link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    else:
        link.revoked_at = datetime.now(UTC)
    session.commit()
    not_found = _plain(client.get(f"/r/{'n' * 43}/"))
    wrong = []
    for rule, _endpoint, scenario, element, in_scope in _portal_cases(world):
        if not in_scope:
            continue
        resp = client.get(_fill(rule, {"token": world["token"], "scenario_id": scenario, "element_id": element}))
        if resp.status_code != 404 or _plain(resp) != not_found:
            wrong.append(f"{rule} -> {resp.status_code}")
    assert wrong == []


def test_guessing_tokens_is_rate_limited(app, client, world):
    app.config["REVIEW_LINK_MISS_LIMIT"] = "5 per minute"
    statuses = [client.get(f"/r/guess-{i}/").status_code for i in range(6)]
    assert statuses == [404] * 5 + [429]
