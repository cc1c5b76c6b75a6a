"""The comment panel, the review inbox and the notifications page in the browser: roles, tenancy, escaping."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.accounts import set_membership
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from models import Comment, DataEntity
from tests.test_security import XSS

# What a comment may carry that must stay text: tags, attributes, URLs, template syntax, entities.
XSS_CORPUS = (
    XSS,
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }} {% raw %}",
    "&lt;b&gt;already escaped&lt;/b&gt;",
    "<a href='https://evil.example'>click</a>",
)


@pytest.fixture
def system(session, engagement):
    return save_element(session, engagement, "system", {"name": "SAP ECC", "category": "erp"})


def _panel_url(engagement, kind, key):
    return f"/e/{engagement.id}/comments/{kind}/{key}"


def test_a_comment_posted_with_htmx_comes_back_in_the_panel_and_on_the_inbox_with_a_link_to_its_object(
        browser, engagement, system):
    resp = browser.post(_panel_url(engagement, "system", system.id), data={"body": "Who owns this?"}, htmx=True)
    assert resp.status_code == 200
    panel = resp.get_data(as_text=True)
    assert 'id="comments-panel"' in panel and "Who owns this?" in panel and "<html" not in panel
    inbox = browser.get(f"/e/{engagement.id}/review").get_data(as_text=True)
    assert "Who owns this?" in inbox
    assert f'href="/e/{engagement.id}/systems/{system.id}#comments"' in inbox


def test_the_detail_page_of_each_element_anchor_loads_its_comment_panel(browser, session, engagement, system):
    stock = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id))
    other = save_element(session, engagement, "system", {"name": "Fluent OMS", "category": "oms"})
    flow = save_element(session, engagement, "flow", {"source_id": system.id, "target_id": other.id,
                                                      "pattern": "api", "entity_ids": [stock.id]})
    req = save_element(session, engagement, "requirement", {"title": "Fresh stock", "priority": "must"})
    adr = save_element(session, engagement, "decision", {"title": "Events"})
    for kind, path, element in (("system", "systems", system), ("flow", "flows", flow),
                                ("requirement", "requirements", req), ("decision", "decisions", adr)):
        page = browser.get(f"/e/{engagement.id}/{path}/{element.id}").get_data(as_text=True)
        assert f'hx-get="{_panel_url(engagement, kind, element.id)}"' in page, kind
        assert browser.get(_panel_url(engagement, kind, element.id)).status_code == 200, kind


def test_a_blank_comment_answers_422_naming_the_body_and_saves_nothing(browser, session, engagement, system):
    resp = browser.post(_panel_url(engagement, "system", system.id), data={"body": "  "}, htmx=True)
    assert resp.status_code == 422
    assert "Write a comment." in resp.get_data(as_text=True)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize("role, status", [("viewer", 403), ("reviewer", 302), ("editor", 302)])
def test_viewers_cannot_comment_but_reviewers_and_editors_can(
        make_browser, make_user, session, engagement, system, role, status):
    member = make_user(email=f"{role}@example.com", name=f"Pat {role.title()}")
    set_membership(session, engagement, member.email, role)
    them = make_browser(member)
    assert them.post(_panel_url(engagement, "system", system.id), data={"body": "Looks fine"}).status_code == status
    panel = them.get(_panel_url(engagement, "system", system.id)).get_data(as_text=True)
    assert ('name="body"' in panel) is (role != "viewer")


def test_a_reviewer_can_reply_resolve_and_reopen_but_not_choose_what_the_report_prints(
        make_browser, make_user, session, engagement, system, browser):
    browser.post(_panel_url(engagement, "system", system.id), data={"body": "Question"})
    session.commit()
    first = session.scalar(select(Comment))
    reviewer = make_user(email="riley@example.com", name="Riley Reviewer")
    set_membership(session, engagement, reviewer.email, "reviewer")
    them = make_browser(reviewer)
    base = f"/e/{engagement.id}/comments/{first.id}"
    assert them.post(f"{base}/reply", data={"body": "Answer"}).status_code == 302
    assert them.post(f"{base}/resolve").status_code == 302
    session.commit()
    session.refresh(first)
    assert not first.is_open and first.resolved_by_name == "Riley Reviewer"
    assert them.post(f"{base}/reopen").status_code == 302
    assert them.post(f"{base}/report", data={"include": "1"}).status_code == 403
    assert browser.post(f"{base}/report", data={"include": "1"}).status_code == 302
    session.commit()
    session.refresh(first)
    assert first.is_open and first.include_in_report


def test_an_anchor_or_comment_of_another_engagement_answers_404_not_500(browser, session, engagement, user, system):
    other = create_engagement(session, "Other client", owner=user)
    assert browser.post(_panel_url(other, "system", system.id), data={"body": "Leak?"}).status_code == 404
    assert browser.get(_panel_url(other, "system", system.id)).status_code == 404
    assert browser.get(_panel_url(engagement, "ownership", "x:y")).status_code == 404
    assert browser.get(_panel_url(engagement, "finding", "no-rule:1")).status_code == 404
    assert browser.get(_panel_url(engagement, "spreadsheet", "1")).status_code == 404
    browser.post(_panel_url(engagement, "system", system.id), data={"body": "Mine"})
    session.commit()
    mine = session.scalar(select(Comment))
    assert browser.post(f"/e/{other.id}/comments/{mine.id}/resolve").status_code == 404
    assert browser.post(f"/e/{other.id}/comments/{mine.id}/reply", data={"body": "x"}).status_code == 404


def test_a_stranger_cannot_read_or_write_an_engagements_comments(make_browser, make_user, engagement, system):
    stranger = make_browser(make_user(email="stranger@example.com", name="Sam Stranger"))
    assert stranger.get(_panel_url(engagement, "system", system.id)).status_code == 404
    assert stranger.post(_panel_url(engagement, "system", system.id), data={"body": "x"}).status_code == 404
    assert stranger.get(f"/e/{engagement.id}/review").status_code == 404


def test_comment_text_is_rendered_inert_in_the_panel_the_inbox_and_the_notifications(
        browser, make_browser, make_user, session, engagement, system):
    colleague = make_user(email="cole@example.com", name="Cole Editor")
    set_membership(session, engagement, colleague.email, "editor")
    for payload in XSS_CORPUS:
        assert browser.post(_panel_url(engagement, "system", system.id),
                            data={"body": f"@Cole Editor {payload}"}).status_code == 302
    pages = {
        "panel": browser.get(_panel_url(engagement, "system", system.id), htmx=True),
        "thread page": browser.get(_panel_url(engagement, "system", system.id)),
        "inbox": browser.get(f"/e/{engagement.id}/review"),
        "notifications": make_browser(colleague).get("/notifications"),
    }
    for name, resp in pages.items():
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, name
        for raw in (XSS, "<img src=x", "<svg/onload", "<a href='https://evil.example'>"):
            assert raw not in body, (name, raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, name
        assert "49" not in body.split("{{ 7*7 }}")[0][-5:], name  # template syntax stays text
    assert '<mark class="mention">@Cole Editor</mark>' in pages["panel"].get_data(as_text=True)


def test_the_report_page_and_the_ownership_matrix_offer_comment_links(browser, session, engagement, system):
    report = browser.get(f"/e/{engagement.id}/report").get_data(as_text=True)
    assert f"/e/{engagement.id}/comments/section/findings" in report
    stock = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id))
    save_element(session, engagement, "ownership", {"system_id": system.id, "entity_id": stock.id, "role": "sor"})
    matrix = browser.get(f"/e/{engagement.id}/ownership-matrix").get_data(as_text=True)
    assert f"/e/{engagement.id}/comments/ownership/{system.id}:{stock.id}" in matrix
    assert browser.get(_panel_url(engagement, "ownership", f"{system.id}:{stock.id}")).status_code == 200


def test_the_analysis_page_offers_a_comment_link_per_finding(browser, session, engagement, system):
    page = browser.get(f"/e/{engagement.id}/analysis").get_data(as_text=True)
    assert f"/e/{engagement.id}/comments/finding/" in page


def test_the_inbox_is_in_the_engagement_navigation(browser, engagement):
    page = browser.get(f"/e/{engagement.id}/review").get_data(as_text=True)
    assert f'href="/e/{engagement.id}/review" aria-current="page"' in page
    assert browser.get(f"/e/{engagement.id}/review?show=bogus").status_code == 404


def test_a_blank_reply_answers_422_with_the_message_under_its_thread(browser, session, engagement, system):
    browser.post(_panel_url(engagement, "system", system.id), data={"body": "Question"})
    session.commit()
    first = session.scalar(select(Comment))
    resp = browser.post(f"/e/{engagement.id}/comments/{first.id}/reply", data={"body": ""}, htmx=True)
    assert resp.status_code == 422
    panel = resp.get_data(as_text=True)
    assert "Write a comment." in panel and 'aria-invalid="true"' in panel
    session.commit()
    assert session.scalar(select(func.count()).select_from(Comment)) == 1


def test_pages_show_how_many_threads_are_open_on_an_anchor(browser, session, engagement, system):
    from app.services.review.author import Author
    from app.services.review.comments import add_comment

    me = Author(name="Casey Consultant", user_id=engagement.memberships[0].user_id)
    add_comment(session, engagement, me, "section", "findings", "One")
    add_comment(session, engagement, me, "section", "findings", "Two")
    add_comment(session, engagement, me, "system", str(system.id), "Three")
    report = browser.get(f"/e/{engagement.id}/report").get_data(as_text=True)
    assert 'title="Comments on the Findings section">comment</a> <span class="badge">2 open</span>' in report
    page = browser.get(f"/e/{engagement.id}/systems/{system.id}").get_data(as_text=True)
    assert '<h2 id="comments">Comments <span class="muted">(1 open)</span></h2>' in page
