"""Quick capture in a real browser, keyboard first: "c" to the line, a live preview, suggestions, Enter, Esc, help."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DataFlow, Requirement, System
from tests.e2e.conftest import login


def test_a_consultant_captures_a_flow_fixing_a_typo_with_the_suggestion_and_confirms_with_enter(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/systems")

    page.keyboard.press("/")  # "/" stays the global search's
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    line = page.locator("#capture-line")
    expect(line).to_be_focused()
    expect(line).to_have_value("")
    page.keyboard.type("Salesforce Commerce Clud -> Manhattan Active Omni: order via MuleSoft Anypoint as event")

    preview = page.locator("#capture-preview")
    expect(preview.locator('[data-capture-state="pending"]')).to_be_visible()
    expect(preview).to_contain_text("Salesforce Commerce Clud")
    line.press("Enter")  # a look-alike is not settled yet: Enter creates nothing
    expect(preview.locator('[data-capture-state="pending"]')).to_be_visible()

    preview.get_by_role("button", name="Salesforce Commerce Cloud").click()
    expect(line).to_have_value(
        "Salesforce Commerce Cloud -> Manhattan Active Omni: order via MuleSoft Anypoint as event"
    )
    expect(line).to_be_focused()
    expect(preview.locator('[data-capture-state="ready"]')).to_be_visible()
    line.press("Enter")

    result = page.locator(".capture-result")
    expect(result).to_contain_text("Captured:")
    expect(result.get_by_role("link", name="Salesforce Commerce Cloud → Manhattan Active Omni: Order")).to_be_visible()
    expect(page.locator("#capture-line")).to_have_value("")
    expect(page.locator("#capture-line")).to_be_focused()
    with Session(live_app["engine"]) as s:
        flow = s.scalar(
            select(DataFlow).where(DataFlow.name == "Salesforce Commerce Cloud → Manhattan Active Omni: Order")
        )
        assert flow is not None and flow.pattern == "event" and flow.via.name == "MuleSoft Anypoint"
        assert s.scalar(select(System).where(System.name == "Salesforce Commerce Clud")) is None
    context.close()


def test_a_line_that_does_not_parse_shows_a_caret_enter_does_nothing_and_esc_clears(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/requirements")

    line = page.locator("#capture-line")
    line.click()
    page.keyboard.type("REQ mus: Stock visible on web")
    error = page.locator("#capture-preview .capture-error")
    expect(error).to_contain_text("Column 5: Unknown priority “mus”")
    expect(page.locator(".capture-caret")).to_contain_text("    ^^^")
    line.press("Enter")
    expect(error).to_be_visible()

    line.press("Escape")
    expect(line).to_have_value("")
    expect(page.locator("#capture-preview .capture-state")).to_have_count(0)

    page.keyboard.type("REQ must: Stock visible on web within 60s #web @Helen Achterberg")
    expect(page.locator('#capture-preview [data-capture-state="ready"]')).to_be_visible()
    line.press("Enter")
    expect(page.locator(".capture-result")).to_contain_text("Stock visible on web within 60s")
    with Session(live_app["engine"]) as s:
        req = s.scalar(select(Requirement).where(Requirement.name == "Stock visible on web within 60s"))
        assert req.priority == "must" and req.source.name == "Helen Achterberg"
    context.close()


def test_question_mark_opens_the_help_and_an_example_fills_the_line(chromium, live_app):
    context = chromium.new_context()
    page = login(context, live_app["url"], "ana@agency.example")
    page.goto(f"{live_app['url']}/e/{live_app['engagement_id']}/")

    page.locator("#capture-line").click()
    page.keyboard.press("?")
    help_panel = page.locator("#capture-help")
    expect(help_panel).to_be_visible()
    expect(help_panel).to_contain_text("REQ [must | should | could | won't] [type]: Title")
    expect(page.locator("#capture-line")).to_have_value("")

    help_panel.get_by_role("button", name="@Dana Ruiz, Head of E-commerce, Digital").click()
    expect(page.locator("#capture-line")).to_have_value("@Dana Ruiz, Head of E-commerce, Digital")
    expect(page.locator('#capture-preview [data-capture-state="ready"]')).to_be_visible()
    page.locator("#capture-line").press("Escape")  # first Esc closes the help
    expect(help_panel).to_be_hidden()
    expect(page.locator("#capture-line")).to_have_value("@Dana Ruiz, Head of E-commerce, Digital")
    context.close()
