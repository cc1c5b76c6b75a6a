"""A workshop run in a real browser: edit in place, delete and undo, history, and two people on one requirement."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.scenario_values import values_in
from app.services.scenarios import list_scenarios
from models import Requirement, System
from tests.e2e.conftest import login


def test_a_consultant_edits_a_system_in_place_deletes_one_undoes_it_and_sees_it_in_history(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    eid = live_app["engagement_id"]
    page.goto(f"{live_app['url']}/e/{eid}/systems")

    row = page.locator("tr", has=page.get_by_role("link", name="Pricefx", exact=True))
    row.get_by_role("button", name="Edit").click()
    editing = page.locator("tr.editing")
    editing.locator("input[name=vendor]").fill("Pricefx GmbH")
    editing.locator("input[name=vendor]").press("Enter")
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(page.locator("tr", has=page.get_by_role("link", name="Pricefx", exact=True))).to_contain_text("Pricefx GmbH")

    stock = page.locator("tr", has=page.get_by_role("link", name="Stock Finder", exact=True))
    stock.get_by_role("button", name="Delete").click()
    toast = page.locator(".toast", has_text="Stock Finder")
    expect(toast).to_contain_text("deleted")
    expect(page.get_by_role("link", name="Stock Finder", exact=True)).to_have_count(0)
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast", has_text="Restored")).to_be_visible()
    expect(page.get_by_role("link", name="Stock Finder", exact=True)).to_be_visible()

    page.goto(f"{live_app['url']}/e/{eid}/history")
    history = page.locator("#history-table")
    expect(history).to_contain_text("restore")
    expect(history).to_contain_text("Stock Finder")
    expect(history).to_contain_text("Pricefx GmbH")
    with Session(live_app["engine"]) as s:
        # The edit was made with the current state in view: it holds there, and the proposal keeps the old vendor.
        pricefx = s.scalar(select(System).where(System.name == "Pricefx"))
        current, target = list_scenarios(s, eid)
        assert values_in(s, pricefx, current)["vendor"] == "Pricefx GmbH"
        assert values_in(s, pricefx, target)["vendor"] == "Pricefx"
        assert s.scalar(select(System).where(System.name == "Stock Finder")) is not None
    context.close()


def test_a_consultant_adds_a_stakeholder_from_the_add_row_with_the_keyboard(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/stakeholders")
    add = page.locator("tr.add-row")
    add.locator("input[name=name]").fill("Dana Ruiz")
    add.locator("input[name=role]").fill("Head of E-commerce")
    add.locator("input[name=role]").press("Enter")
    expect(page.locator("tr.fresh")).to_contain_text("Dana Ruiz")
    expect(page.locator("tr.add-row input[name=name]")).to_have_value("")
    context.close()


def test_two_people_editing_one_requirement_the_second_sees_both_values_and_loses_nothing(chromium, live_app):
    eid = live_app["engagement_id"]
    with Session(live_app["engine"]) as s:
        req = s.scalar(select(Requirement).where(Requirement.ref == "REQ-1"))
        url = f"{live_app['url']}/e/{eid}/requirements/{req.id}/edit"
    ana_ctx, bo_ctx = chromium.new_context(), chromium.new_context()
    ana = login(ana_ctx, live_app["url"], "ana@agency.example")
    bo = login(bo_ctx, live_app["url"], "bo@agency.example")
    ana.goto(url)
    bo.goto(url)

    ana.fill("input[name=title]", "Show accurate stock on web and app within 60 seconds")
    ana.get_by_role("button", name="Save").click()
    expect(ana.locator("h1")).to_contain_text("within 60 seconds")

    bo.fill("input[name=title]", "Show accurate stock everywhere")
    bo.get_by_role("button", name="Save").click()
    conflict = bo.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("within 60 seconds")
    expect(bo.locator("input[name=title]")).to_have_value("Show accurate stock everywhere")
    with Session(live_app["engine"]) as s:
        assert s.get(Requirement, req.id).name.endswith("within 60 seconds")

    bo.get_by_role("button", name="Save").click()  # Bo decides to keep his wording, knowingly
    expect(bo.locator("h1")).to_contain_text("Show accurate stock everywhere")
    ana_ctx.close()
    bo_ctx.close()
