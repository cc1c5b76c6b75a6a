"""Analysis in a real browser: the inlined SVG diagram loads under the page's CSP and its nodes link out;
a freshness cell loads its path; a rule switch saves in place."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.e2e.conftest import login

SHOTS = os.environ.get("THROUGHLINE_E2E_SCREENSHOTS")  # a folder: save page screenshots there for a look


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}-top.png"))


def test_the_landscape_diagram_is_embedded_and_its_nodes_open_the_system(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/analysis")
    expect(page.get_by_role("heading", name="Findings", exact=True)).to_be_visible()
    svg = page.locator(".diagram-frame > svg")
    expect(svg).to_be_visible()
    expect(svg.locator("g.node").first).to_be_attached()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 200, box
    _shot(page, "analysis-overview")
    assert not [e for e in errors if "Content Security Policy" in e or "X-Frame-Options" in e], errors
    svg.locator("g.node a", has_text="Pricefx").first.click()
    page.wait_for_url("**/systems/*")
    expect(page.get_by_role("heading", name="Pricefx", exact=True)).to_be_visible()
    page.get_by_role("link", name="Impact").click()
    expect(page.get_by_role("heading", name="Impact", exact=True)).to_be_visible()
    expect(page.locator(".diagram-frame > svg")).to_be_visible()
    _shot(page, "analysis-impact")


def test_a_freshness_cell_loads_its_path_and_a_rule_switch_saves(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    base = f"{live_app['url']}/e/{live_app['engagement_id']}/analysis"
    page.goto(f"{base}/freshness")
    inventory = page.locator("tr", has=page.get_by_role("link", name="Inventory", exact=True))
    inventory.locator("td.fresh-cell a").first.click()
    detail = page.locator("#fresh-detail")
    expect(detail).to_contain_text("Inventory on Web")
    expect(detail.locator("table.hops")).to_be_visible()
    expect(detail.locator(".diagram-frame > svg")).to_be_visible()
    _shot(page, "analysis-freshness")

    page.goto(f"{base}/rules")
    row = page.locator("#rule-system-orphan")
    row.locator(".switch").click()
    expect(page.locator("#rule-system-orphan")).to_have_class("rule-off")
    page.reload()
    expect(page.locator("#rule-system-orphan input[type=checkbox]")).not_to_be_checked()
    _shot(page, "analysis-rules")

    page.goto(f"{base}/compare")
    expect(page.get_by_role("heading", name="Headline metrics")).to_be_visible()
    _shot(page, "analysis-compare")
    page.goto(f"{base}/criteria")
    _shot(page, "analysis-criteria")
