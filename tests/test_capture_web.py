"""The capture bar in the browser: live preview fragments, confirming, the help panel, and who may use it."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.services.accounts import set_membership
from app.services.catalog import elements as svc
from app.services.engagements import create_engagement
from models import DataFlow, Element, System

FLOW = "Shopify Plus -> Fluent OMS: order, customer via API every 5s"


def url(engagement, path=""):
    return f"/e/{engagement.id}/capture{path}"


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def confirm(browser, engagement, line, **extra):
    """Post the line as the bar does after a clean preview of it (capture.js sends `previewed` along)."""
    return browser.post(url(engagement), data={"line": line, "previewed": line, **extra}, htmx=True)


# --- the bar --------------------------------------------------------------------------------------


def test_the_capture_bar_is_on_every_engagement_page_for_writers(browser, engagement):
    for path in ("", "systems", "flows/new", "requirements"):
        body = browser.get(f"/e/{engagement.id}/{path}").get_data(as_text=True)
        assert 'id="capture-bar"' in body, path
        assert 'name="line"' in body and "js/capture.js" in body
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == [], "no inline scripts (CSP)"
        assert re.findall(r"\son[a-z]+\s*=", body) == [], "no inline event handlers (CSP)"


def test_the_bar_is_not_on_pages_outside_an_engagement(browser, engagement):
    assert 'id="capture-bar"' not in browser.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_readers_get_no_bar_and_a_403_for_previews_and_captures(make_user, make_browser, session, engagement, role):
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, engagement, reader.email, role)
    b = make_browser(reader)

    assert 'id="capture-bar"' not in b.get(f"/e/{engagement.id}/systems").get_data(as_text=True)
    assert b.post(url(engagement, "/preview"), data={"line": FLOW}, htmx=True).status_code == 403
    assert confirm(b, engagement, FLOW).status_code == 403
    assert count(session, System) == 0


def test_non_members_get_404_for_the_preview_the_capture_and_the_help(browser, session, make_user):
    stranger = make_user(email="stranger@example.com", name="Stranger")
    theirs = create_engagement(session, "Other retailer", owner=stranger)

    assert browser.post(url(theirs, "/preview"), data={"line": FLOW}, htmx=True).status_code == 404
    assert confirm(browser, theirs, FLOW).status_code == 404
    assert browser.get(url(theirs, "/help"), htmx=True).status_code == 404
    assert count(session, System) == 0


def test_a_capture_without_the_csrf_token_is_refused(browser, engagement, session):
    resp = browser.post(url(engagement), data={"line": FLOW, "previewed": FLOW}, htmx=True, csrf=False)
    assert resp.status_code == 400
    assert browser.post(url(engagement, "/preview"), data={"line": FLOW}, csrf=False).status_code == 400
    assert count(session, System) == 0


# --- preview --------------------------------------------------------------------------------------


def test_the_preview_fragment_shows_what_the_line_would_create(browser, engagement, session):
    resp = browser.post(url(engagement, "/preview"), data={"line": FLOW}, htmx=True)

    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "<html" not in body
    assert 'data-capture-state="ready"' in body
    assert "Shopify Plus" in body and "Fluent OMS" in body and "Enter adds 2 systems, 1 data flow." in body
    assert '<option value="oms" selected>OMS</option>' in body, "the new system's category is shown, and can change"
    assert f'name="previewed" value="{escape(FLOW)}"' in body
    assert count(session, System) == 0


def test_existing_catalog_objects_in_the_preview_link_to_their_pages(browser, engagement, session):
    order = session.scalar(select(Element).where(Element.kind == "entity", Element.name == "Order"))
    body = browser.post(url(engagement, "/preview"), data={"line": FLOW}, htmx=True).get_data(as_text=True)
    assert f'href="/e/{engagement.id}/entities/{order.id}"' in body


def test_a_line_that_does_not_parse_gets_422_with_the_message_and_a_caret_under_the_column(browser, engagement):
    resp = browser.post(url(engagement, "/preview"), data={"line": "Shopify Plus -> Fluent OMS"}, htmx=True)

    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Column 27: Add “:” and the entities the flow carries" in body
    assert "Shopify Plus -&gt; Fluent OMS\n" + " " * 26 + "^</pre>" in body
    assert 'data-capture-state="invalid"' in body and 'name="previewed"' not in body


def test_a_preview_naming_an_unknown_entity_is_422_and_offers_the_closest_entity(browser, engagement):
    resp = browser.post(url(engagement, "/preview"), data={"line": "Web shop -> OMS: ordr"}, htmx=True)

    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "No data entity called “ordr”" in body
    assert 'data-capture-line="Web shop -&gt; OMS: Order"' in body


def test_a_look_alike_offers_a_button_that_rewrites_the_line_and_a_box_to_confirm_it_as_new(
    browser, engagement, session
):
    svc.save_element(session, engagement, "system", {"name": "Shopify Plus", "category": "ecommerce"})
    line = "Shopfy Plus -> Fluent OMS: order"

    pending = browser.post(url(engagement, "/preview"), data={"line": line}, htmx=True).get_data(as_text=True)
    assert 'data-capture-state="pending"' in pending
    assert 'data-capture-line="Shopify Plus -&gt; Fluent OMS: order"' in pending
    assert 'name="confirm_new" value="system:shopfy plus"' in pending

    confirmed = browser.post(
        url(engagement, "/preview"), data={"line": line, "confirm_new": "system:shopfy plus"}, htmx=True
    ).get_data(as_text=True)
    assert 'data-capture-state="ready"' in confirmed and "checked" in confirmed


def test_user_markup_in_a_line_is_escaped_in_the_preview(browser, engagement):
    line = "<script>alert(1)</script> -> OMS: order"
    body = browser.post(url(engagement, "/preview"), data={"line": line}, htmx=True).get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- confirming -----------------------------------------------------------------------------------


def test_confirming_creates_everything_and_returns_a_cleared_bar_linking_to_each_object(browser, engagement, session):
    resp = confirm(browser, engagement, FLOW)

    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    flow = session.scalar(select(DataFlow))
    shopify = session.scalar(select(System).where(System.name == "Shopify Plus"))
    assert flow is not None and count(session, System) == 2
    assert body.lstrip().startswith('<form id="capture-bar"')
    assert 'name="line" type="text" value=""' in body and "autofocus" in body
    assert "Captured:" in body
    assert f'href="/e/{engagement.id}/flows/{flow.id}"' in body
    assert f'href="/e/{engagement.id}/systems/{shopify.id}"' in body


def test_a_decision_capture_says_which_requirements_it_addresses(browser, engagement, session):
    svc.save_element(session, engagement, "requirement", {"title": "Stock on web"})
    body = confirm(browser, engagement, "ADR: Centralise ATP -> REQ-1").get_data(as_text=True)
    assert "ADR-1 Centralise ATP" in body and "addresses REQ-1" in body


def test_confirming_a_line_other_than_the_one_previewed_only_shows_its_preview(browser, engagement, session):
    resp = browser.post(
        url(engagement), data={"line": FLOW, "previewed": "Shopify Plus -> Fluent OMS: order"}, htmx=True
    )
    assert resp.status_code == 200
    assert 'data-capture-state="ready"' in resp.get_data(as_text=True)
    assert count(session, System) == 0


def test_confirming_a_line_with_a_problem_returns_the_bar_with_422_and_creates_nothing(browser, engagement, session):
    resp = confirm(browser, engagement, "Web shop -> OMS: ordr")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "No data entity called “ordr”" in body and 'value="Web shop -&gt; OMS: ordr"' in body
    assert count(session, System) == 0


def test_confirming_an_unsettled_look_alike_is_refused(browser, engagement, session):
    svc.save_element(session, engagement, "system", {"name": "Shopify Plus", "category": "ecommerce"})
    line = "Shopfy Plus -> Fluent OMS: order"
    resp = confirm(browser, engagement, line)
    assert 'data-capture-state="pending"' in resp.get_data(as_text=True)
    assert count(session, System) == 1

    confirm(browser, engagement, line, confirm_new="system:shopfy plus", **{"category:fluent oms": "erp"})
    assert count(session, System) == 3
    assert session.scalar(select(System.category).where(System.name == "Fluent OMS")) == "erp"


def test_without_htmx_a_capture_redirects_back_to_the_page_with_a_flash(browser, engagement, session):
    back = f"/e/{engagement.id}/systems"
    resp = browser.post(url(engagement), data={"line": FLOW, "previewed": FLOW, "next": back})

    assert resp.status_code == 302 and resp.headers["Location"].endswith(back)
    page = browser.get(back).get_data(as_text=True)
    assert "Captured: System “Shopify Plus”; System “Fluent OMS”; Data flow" in page


def test_without_htmx_an_unpreviewed_line_gets_a_page_with_its_preview_first(browser, engagement, session):
    resp = browser.post(url(engagement), data={"line": FLOW, "next": f"/e/{engagement.id}/flows"})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "<html" in body and "Quick capture" in body and 'name="previewed"' in body
    assert f'name="next" value="/e/{engagement.id}/flows"' in body
    assert count(session, System) == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/e/999/systems", "/\\evil"])
def test_the_way_back_never_leaves_the_engagement(browser, engagement, target):
    resp = browser.post(url(engagement), data={"line": FLOW, "previewed": FLOW, "next": target})
    assert resp.headers["Location"].endswith(f"/e/{engagement.id}/")


# --- help -----------------------------------------------------------------------------------------


def test_the_help_is_a_fragment_for_the_bar_and_a_page_of_its_own(browser, engagement):
    fragment = browser.get(url(engagement, "/help"), htmx=True)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "REQ [must | should | could | won't] [type]: Title" in body
    assert 'data-capture-line="ADR: Centralise ATP in the OMS -&gt; REQ-3, REQ-5"' in body

    page = browser.get(url(engagement, "/help")).get_data(as_text=True)
    assert "<html" in page and "Quick capture" in page
