"""In a real browser: run the oversell replay for the current state and Target A and compare them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_a_consultant_replays_orders_for_two_scenarios_and_sees_them_side_by_side(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    atp = f"{live_app['url']}/e/{live_app['engagement_id']}/atp"
    for index in (0, 1):
        page.goto(atp)
        page.get_by_role("button", name="Run oversell replay").nth(index).click()
        expect(page.get_by_text("order lines").first).to_be_visible()
    page.goto(atp)
    side_by_side = page.locator("section, div", has=page.get_by_text("Scenarios side by side")).last
    expect(side_by_side).to_contain_text("Current state")
    expect(side_by_side).to_contain_text("Target A")
    expect(side_by_side).to_contain_text("web")
    expect(side_by_side).to_contain_text("%")
    context.close()
