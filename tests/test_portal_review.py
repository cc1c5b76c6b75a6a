"""A client with a review link comments on what the link shows and signs off, without an account; members see it
in their inbox; nothing outside the link's scope can be written to, and what the client types comes back inert."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.services.analysis import scenario as analysis
from app.services.catalog import elements
from app.services.demo import load_demo
from app.services.review import comments
from app.services.review.author import Author
from models import Comment, Element, ReviewEvent, SignOff
from tests.support.review_links import make_link, target_and_current

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


@pytest.fixture
def kept(session, demo):
    """A flow, a decision and a requirement of the demo's target scenario (the one the links reach)."""
    target, _current = target_and_current(demo)
    snap = analysis.analyse(session, demo, target).snapshot
    return {"scenario": target.id, "flow": snap.flows[0].id, "decision": snap.decisions[0].id,
            "requirement": snap.requirements[0].id}


def _open(anonymous, token):
    page = anonymous.get(f"/r/{token}/")
    assert page.status_code == 200
    anonymous.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                               anonymous.get("/login").get_data(as_text=True)).group(1)
    return anonymous


def _url(token, kept, kind, tail=""):
    return f"/r/{token}/s/{kept['scenario']}/{kind}/{kept[kind]}{tail}"


def _page(token, kept, kind):
    plural = {"flow": "flows", "decision": "decisions", "requirement": "requirements"}[kind]
    return f"/r/{token}/s/{kept['scenario']}/{plural}/{kept[kind]}"


def test_a_client_names_themself_comments_on_a_flow_and_the_consultant_sees_it_in_the_inbox(
        session, demo, kept, anonymous, browser):
    _link, token = make_link(session, demo, [session.get(type(demo.scenarios[0]), kept["scenario"])], role="comment")
    client = _open(anonymous, token)
    assert "Your name" in client.get(_page(token, kept, "flow")).get_data(as_text=True)
    assert client.post(_url(token, kept, "flow", "/name"), data={"name": "Dana Client"}).status_code == 303
    resp = client.post(_url(token, kept, "flow", "/comments"), data={"body": "Is this nightly batch still needed?"})
    assert resp.status_code == 303
    saved = session.scalar(select(Comment))
    assert (saved.anchor_kind, saved.anchor_key, saved.author_name) == ("flow", str(kept["flow"]),
                                                                         "Dana Client (review link)")
    assert saved.share_link_id == _link.id and saved.author_user_id is None
    page = client.get(_page(token, kept, "flow")).get_data(as_text=True)
    assert "Is this nightly batch still needed?" in page and "Your name" not in page
    inbox = browser.get(f"/e/{demo.id}/review").get_data(as_text=True)
    assert "Is this nightly batch still needed?" in inbox and "Dana Client (review link)" in inbox


def test_a_client_replies_to_a_consultants_thread_on_the_same_object_only(session, demo, kept, anonymous, user):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role="comment")
    me = Author(name=user.name, user_id=user.id)
    on_flow = comments.add_comment(session, demo, me, "flow", str(kept["flow"]), "Please confirm the latency")
    elsewhere = comments.add_comment(session, demo, me, "section", "summary", "Internal: tighten the summary")
    client = _open(anonymous, token)
    ok = client.post(_url(token, kept, "flow", "/comments"), data={"body": "Confirmed", "parent_id": on_flow.id})
    assert ok.status_code == 303
    assert [r.body for r in session.get(Comment, on_flow.id).replies] == ["Confirmed"]
    refused = client.post(_url(token, kept, "flow", "/comments"), data={"body": "x", "parent_id": elsewhere.id})
    assert refused.status_code == 404
    assert session.get(Comment, elsewhere.id).replies == []


def test_a_client_with_the_sign_off_role_approves_a_decision_and_it_turns_stale_after_an_edit(
        session, demo, kept, anonymous, browser):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role="signoff")
    client = _open(anonymous, token)
    client.post(_url(token, kept, "decision", "/name"), data={"name": "Chris CFO"})
    decision = session.get(Element, kept["decision"])
    resp = client.post(_url(token, kept, "decision", "/signoff"),
                       data={"verdict": "approved", "note": "Agreed", "version": decision.version})
    assert resp.status_code == 303
    row = session.scalar(select(SignOff))
    assert (row.verdict, row.author_name, row.share_link_id) == ("approved", "Chris CFO (review link)", _link.id)
    assert session.scalar(select(ReviewEvent).where(ReviewEvent.kind == "signoff")) is not None
    assert "Approved" in client.get(_page(token, kept, "decision")).get_data(as_text=True)
    inbox = browser.get(f"/e/{demo.id}/review").get_data(as_text=True)
    assert "Chris CFO (review link)" in inbox and "stale" not in inbox.split('id="review-signoffs"')[1]
    elements.save_element(session, demo, "decision", {"title": decision.name + " (phased)"}, decision, partial=True)
    page = client.get(_page(token, kept, "decision")).get_data(as_text=True)
    assert "stale: changed since sign-off" in page
    inbox = browser.get(f"/e/{demo.id}/review").get_data(as_text=True)
    assert "stale: changed since sign-off" in inbox.split('id="review-signoffs"')[1]
    stale = session.scalar(select(ReviewEvent).where(ReviewEvent.kind == "stale"))
    assert stale.summary.endswith("changed after its sign-off by Chris CFO (review link)")


def test_signing_off_a_version_edited_meanwhile_is_refused_and_the_note_is_kept(session, demo, kept, anonymous):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role="signoff")
    client = _open(anonymous, token)
    decision = session.get(Element, kept["decision"])
    read = decision.version
    elements.save_element(session, demo, "decision", {"title": decision.name + " v2"}, decision, partial=True)
    resp = client.post(_url(token, kept, "decision", "/signoff"),
                       data={"verdict": "approved", "note": "Looks right", "version": read})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "changed since you read it" in body and "Looks right" in body
    assert session.scalar(select(SignOff)) is None


@pytest.mark.parametrize(("role", "kind", "action", "data"), [
    ("read", "flow", "/comments", {"body": "hello"}),
    ("read", "decision", "/signoff", {"verdict": "approved"}),
    ("comment", "requirement", "/signoff", {"verdict": "approved"}),
])
def test_a_link_without_the_role_is_refused_and_offered_no_form(session, demo, kept, anonymous, role, kind, action,
                                                                 data):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role=role)
    client = _open(anonymous, token)
    page = client.get(_page(token, kept, kind)).get_data(as_text=True)
    assert f'action="{_url(token, kept, kind, action)}"' not in page
    assert client.post(_url(token, kept, kind, action), data=data).status_code == 403
    assert session.scalar(select(Comment)) is None and session.scalar(select(SignOff)) is None


def test_objects_outside_the_link_cannot_be_commented_on_or_signed_off(session, demo, kept, anonymous):
    target, current = target_and_current(demo)
    _link, token = make_link(session, demo, [target], role="signoff")
    hidden = elements.save_element(session, demo, "decision", {"title": "Current-only", "scenario_id": current.id})
    client = _open(anonymous, token)
    for url in (f"/r/{token}/s/{target.id}/decision/{hidden.id}/comments",
                f"/r/{token}/s/{target.id}/decision/{hidden.id}/signoff",
                f"/r/{token}/s/{current.id}/decision/{kept['decision']}/signoff",
                f"/r/{token}/s/{target.id}/flow/{kept['flow']}/signoff"):
        assert client.post(url, data={"body": "x", "verdict": "approved"}).status_code == 404, url
    assert session.scalar(select(Comment)) is None and session.scalar(select(SignOff)) is None


def test_an_empty_comment_or_name_is_refused_on_the_page_naming_the_field(session, demo, kept, anonymous):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role="comment")
    client = _open(anonymous, token)
    resp = client.post(_url(token, kept, "flow", "/comments"), data={"body": "   "})
    assert resp.status_code == 422 and 'role="alert"' in resp.get_data(as_text=True)
    assert client.post(_url(token, kept, "flow", "/name"), data={"name": " "}).status_code == 422
    assert session.scalar(select(Comment)) is None


def test_what_a_client_types_comes_back_inert(session, demo, kept, anonymous):
    target = session.get(type(demo.scenarios[0]), kept["scenario"])
    _link, token = make_link(session, demo, [target], role="comment")
    client = _open(anonymous, token)
    client.post(_url(token, kept, "flow", "/name"), data={"name": XSS})
    client.post(_url(token, kept, "flow", "/comments"), data={"body": XSS})
    page = client.get(_page(token, kept, "flow")).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
