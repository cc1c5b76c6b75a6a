"""A workshop from the keyboard in a real browser at 1024 × 768: capture a system and a channel, then edit the system
in its row — arrows to the row, `e` to edit, Tab between cells, its channels picked as a chip, Enter to save —
without touching the mouse."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Channel, System
from tests.e2e.conftest import login


def capture(page, line: str) -> None:
    """Type a line into quick capture and add it with Enter once the preview is ready."""
    page.keyboard.press("c")
    box = page.locator("#capture-line")
    expect(box).to_be_focused()
    page.keyboard.type(line)
    expect(page.locator('#capture-preview [data-capture-state="ready"]')).to_be_visible()
    box.press("Enter")
    expect(page.locator(".capture-result")).to_contain_text("Captured:")
    page.keyboard.press("Escape")
    box.blur()


def test_a_consultant_captures_and_edits_a_system_with_the_keyboard_only(chromium, live_app):
    context = chromium.new_context(viewport={"width": 1024, "height": 768})
    page = login(context, live_app["url"], "ana@agency.example")
    eid = live_app["engagement_id"]
    page.goto(f"{live_app['url']}/e/{eid}/systems?q=zendesk")

    capture(page, "System: Zendesk (CRM)")
    capture(page, "Channel: Showroom")
    page.goto(f"{live_app['url']}/e/{eid}/systems?q=zendesk")

    page.keyboard.press("ArrowDown")  # from the page into the first row of the list
    row = page.locator("tr[data-row-keys]", has=page.get_by_role("link", name="Zendesk", exact=True))
    expect(row).to_be_focused()
    page.keyboard.press("e")
    editing = page.locator("tr.editing")
    expect(editing.locator("input[name=name]")).to_be_focused()
    page.keyboard.press("Tab")  # name -> category
    page.keyboard.press("Tab")  # -> vendor
    expect(editing.locator("input[name=vendor]")).to_be_focused()
    page.keyboard.type("Zendesk Inc.")
    for _cell in ("lifecycle", "owner", "channels"):
        page.keyboard.press("Tab")
    expect(editing.locator(".chips-input")).to_be_focused()
    page.keyboard.type("Showr")
    page.keyboard.press("Enter")  # picks the highlighted channel
    expect(editing.locator(".chip", has_text="Showroom")).to_be_visible()
    page.keyboard.press("Enter")  # nothing typed: saves the row
    expect(page.locator("tr.editing")).to_have_count(0)
    saved = page.locator("tr[data-row-keys]", has=page.get_by_role("link", name="Zendesk", exact=True))
    expect(saved).to_contain_text("Zendesk Inc.")
    expect(saved).to_contain_text("Showroom")
    expect(saved).to_be_focused()

    with Session(live_app["engine"]) as s:
        zendesk = s.scalar(select(System).where(System.name == "Zendesk"))
        assert zendesk.category == "crm" and zendesk.vendor == "Zendesk Inc."
        assert [c.name for c in zendesk.channels] == ["Showroom"]
        assert s.scalar(select(Channel).where(Channel.name == "Showroom")) is not None
    context.close()
