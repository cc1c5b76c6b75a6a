"""Comments in a real browser: the panel loads beside a flow with htmx, a comment posts (CSRF from the page's
hx-headers) and comes back in place with its mention marked, a reply and a resolve swap the panel, and the other
member sees it in the inbox and the notifications badge."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_a_comment_on_a_flow_posts_in_place_and_reaches_the_inbox_and_the_other_members_badge(chromium, live_app):
    base, eid = live_app["url"], live_app["engagement_id"]
    page = login(chromium.new_context(), base, "ana@agency.example")
    page.goto(f"{base}/e/{eid}/flows")
    page.locator("table a[href*='/flows/']").first.click()
    panel = page.locator("#comments-panel")
    expect(panel.locator("textarea[name=body]").first).to_be_visible()  # loaded by htmx in place of the link
    panel.locator("#comment-body").fill("Why is this nightly? @Bo Chen")
    with page.expect_response(lambda r: "/comments/flow/" in r.url and r.request.method == "POST" and r.status == 200):
        panel.get_by_role("button", name="Comment").click()
    expect(page.locator("#comments-panel mark.mention")).to_have_text("@Bo Chen")
    page.locator("#comments-panel textarea[name=body][placeholder='Reply…']").fill("The ERP exports once a day.")
    page.locator("#comments-panel").get_by_role("button", name="Reply").click()
    expect(page.locator("#comments-panel .comment-reply")).to_contain_text("The ERP exports once a day.")
    page.locator("#comments-panel").get_by_role("button", name="Resolve").click()
    expect(page.locator("#comments-panel .comment-thread .badge").first).to_contain_text("resolved by Ana Lima")

    bo = login(chromium.new_context(), base, "bo@agency.example")
    expect(bo.locator("#notifications-count")).to_have_text("3")
    bo.goto(f"{base}/e/{eid}/review?show=mentions")
    expect(bo.locator("#review-inbox")).to_contain_text("Why is this nightly?")
    bo.locator("#review-inbox td a").first.click()
    expect(bo.locator("#comments-panel")).to_contain_text("The ERP exports once a day.")
