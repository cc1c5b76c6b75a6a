"""The compact matrix cells in a real browser: an ownership select posts through htmx (CSRF from the page's
hx-headers) and its row comes back; a traceability button toggles its own cell and nothing else."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_an_ownership_cell_saves_in_place_and_survives_a_reload(chromium, live_app):
    page = login(chromium.new_context(), live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/ownership-matrix")
    row = page.locator("tr[id$='-ownership']").first
    row_id = row.get_attribute("id")
    select = row.locator("select").last
    label = select.get_attribute("aria-label")
    with page.expect_response(lambda r: "/cell" in r.url and r.status == 200):
        select.select_option("reads")
    expect(page.locator(f"#{row_id} select[aria-label='{label}']")).to_have_value("reads")
    page.reload()
    expect(page.locator(f"#{row_id} select[aria-label='{label}']")).to_have_value("reads")


def test_a_trace_cell_toggles_itself_and_keeps_the_matrix(chromium, live_app):
    page = login(chromium.new_context(), live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/traceability")
    button = page.locator("#trace-form button[aria-pressed='false']").first
    cell_id = button.locator("xpath=..").get_attribute("id")
    with page.expect_response(lambda r: "/traceability/toggle" in r.url and r.status == 200):
        button.click()
    expect(page.locator(f"#{cell_id} button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("table.trace-matrix")).to_have_count(1)
    page.reload()
    expect(page.locator(f"#{cell_id} button")).to_have_attribute("aria-pressed", "true")
