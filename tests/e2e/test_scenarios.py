"""Designing a proposal in a real browser: a change made with the proposal in view stays in the proposal."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from app.services.scenarios import list_scenarios, save_scenario
from models import Engagement
from tests.e2e.conftest import login

FEED = "SAP ECC → Salesforce Commerce Cloud"


def _proposal(live_app) -> tuple[int, int]:
    """A proposal copied from the demo's current state, as a consultant would start one."""
    with Session(live_app["engine"]) as s:
        engagement = s.get(Engagement, live_app["engagement_id"])
        current = list_scenarios(s, engagement.id)[0]
        proposal = save_scenario(s, engagement, "Events proposal", copy_from=current)
        return current.id, proposal.id


def _feed_row(page):
    return page.locator("tr", has=page.get_by_role("link", name=re.compile(f"^{FEED}: Inventory")))


def test_a_consultant_turns_the_batch_inventory_feed_into_a_stream_in_a_proposal_only(chromium, live_app):
    current_id, proposal_id = _proposal(live_app)
    context = chromium.new_context(viewport={"width": 1024, "height": 768})
    page = login(context, live_app["url"], "ana@agency.example")
    eid = live_app["engagement_id"]
    page.goto(f"{live_app['url']}/e/{eid}/flows")

    # The choice submits its form: wait for the page it loads before acting on it.
    with page.expect_navigation():
        page.locator("#scenario-in-view").select_option(str(proposal_id))
    expect(page.locator("#scenario-in-view")).to_have_value(str(proposal_id))
    _feed_row(page).get_by_role("button", name="Edit").click()
    editing = page.locator("tr.editing")
    editing.locator("select[name=pattern]").select_option("event")
    editing.locator("select[name=pattern]").press("Enter")
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(_feed_row(page)).to_contain_text("Event / stream")
    expect(_feed_row(page)).to_contain_text("in this scenario")

    page.keyboard.press("c")
    line = page.locator("#capture-line")
    page.keyboard.type("SAP ECC -> Salesforce Commerce Cloud: inventory as event every 30s worst 30s")
    preview = page.locator("#capture-preview")
    expect(preview).to_contain_text("Changes this flow in Events proposal only")
    expect(preview.locator('[data-capture-state="ready"]')).to_be_visible()
    line.press("Enter")
    expect(page.locator(".capture-result")).to_contain_text("Captured:")

    page.goto(f"{live_app['url']}/e/{eid}/flows?scenario={current_id}")
    expect(_feed_row(page)).to_contain_text("Batch file")
    expect(_feed_row(page)).not_to_contain_text("in this scenario")

    page.goto(f"{live_app['url']}/e/{eid}/analysis/compare?s={current_id}&s={proposal_id}")
    body = page.locator("main")
    expect(body).to_contain_text("pattern Batch file → Event / stream")
    expect(body).to_contain_text("worst latency 24 h → 30 s")
    flipped = page.locator("table.criteria-changes tr.flip", has=page.get_by_role("link", name="REQ-1"))
    expect(flipped).to_contain_text("flips")
    context.close()
