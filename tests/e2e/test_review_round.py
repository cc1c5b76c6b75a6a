"""A review round in a real browser: the consultant makes a review link for the target scenario, the client opens
it without an account, comments on a flow and signs off ADR-2; the consultant sees both in the inbox, edits
ADR-2 and sees the sign-off turn stale, and the PDF report shows the sign-off status."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import WAIT_MS, login


def test_a_client_comments_and_signs_off_through_a_link_and_the_consultant_sees_it_go_stale_and_into_the_pdf(
        chromium, live_app):
    base, eid = live_app["url"], live_app["engagement_id"]
    ana = login(chromium.new_context(), base, "ana@agency.example")

    ana.goto(f"{base}/e/{eid}/review-links")
    ana.fill("#label", "Acme steering group")
    ana.get_by_label("Target A — central OMS").check()
    ana.select_option("#role", "signoff")
    ana.click("text=Make the link")
    link = ana.locator("#link-created input.link-address").input_value()
    assert "/r/" in link

    client_context = chromium.new_context()  # no account, no cookie of Ana's
    client_context.set_default_timeout(WAIT_MS)
    client = client_context.new_page()
    client.goto(link.replace("http://localhost", base))
    expect(client.locator("body")).not_to_contain_text("Current state")  # only the linked scenario
    client.locator("#scenarios a[href*='/flows']").first.click()
    client.locator("table a[href*='/flows/']").first.click()
    client.fill("#review-name", "Chris Client")
    client.click("text=Use this name")
    client.fill("#comment-body", "Is this nightly batch still needed?")
    client.get_by_role("button", name="Comment").click()
    expect(client.locator("#comments")).to_contain_text("Chris Client (review link)")

    client.locator("nav a[href*='/decisions']").first.click()
    client.get_by_role("link", name="Route every integration through MuleSoft").click()
    client.fill("#signoff-note", "Agreed for phase one.")
    client.get_by_role("button", name=re.compile(r"^Approve version")).click()
    expect(client.locator("#signoff-status")).to_have_text("Approved")

    ana.goto(f"{base}/e/{eid}/review")
    expect(ana.locator("#review-inbox")).to_contain_text("Is this nightly batch still needed?")
    expect(ana.locator("#review-signoffs")).to_contain_text("Chris Client (review link)")
    expect(ana.locator("#review-signoffs")).to_contain_text("current")

    ana.locator("#review-signoffs a", has_text="ADR-2").click()
    ana.get_by_role("link", name="Edit", exact=True).click()
    ana.fill("#title", "Route every integration through MuleSoft, phased")
    ana.get_by_role("button", name="Save", exact=True).click()
    expect(ana.locator("#signoff-status")).to_contain_text("Stale")
    ana.goto(f"{base}/e/{eid}/review")
    expect(ana.locator("#review-signoffs")).to_contain_text("stale: changed since sign-off")

    ana.goto(f"{base}/e/{eid}/report")
    ana.select_option("#report-scenario", label="Target A — central OMS")
    ana.get_by_role("button", name="Make the PDF").click()
    download = ana.get_by_role("link", name="Download the PDF")
    expect(download).to_be_visible(timeout=180_000)
    pdf = ana.request.get(base + download.get_attribute("href")).body()
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "stale: changed since sign-off" in text and "Chris Client (review link)" in text
