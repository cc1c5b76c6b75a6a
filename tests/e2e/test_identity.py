"""Customer identity in a real browser, on the demo (three extracts with planted duplicates and a known truth):
run → real customers vs records → overlap matrix → explanation → review → exports → analysis → comparison."""

from __future__ import annotations

import csv
import io
import os
import re

from playwright.sync_api import expect

from app.services.demo import DATASETS
from tests.e2e.conftest import login

SHOTS = os.environ.get("THROUGHLINE_E2E_SCREENSHOTS")  # a folder: save page screenshots there for a look
SYSTEMS = ("Salesforce Commerce Cloud", "Oracle Xstore POS", "Salesforce Service Cloud")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _download(page, link) -> tuple[str, str]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        return download.suggested_filename, handle.read()


def test_a_consultant_resolves_the_demo_customers_reviews_a_pair_and_exports(chromium, live_app):
    context = chromium.new_context(accept_downloads=True)
    context.set_default_timeout(60_000)  # the inline run trains a Splink model
    page = login(context, live_app["url"], "ana@agency.example")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    base = f"{live_app['url']}/e/{live_app['engagement_id']}"
    page.goto(f"{base}/identity")
    for system in SYSTEMS:
        expect(page.locator("#identity-inputs")).to_contain_text(system)
    page.get_by_role("button", name="Resolve identities").click()
    page.wait_for_url(re.compile(r".*/identity/runs/\d+$"))
    run_url = page.url

    # Real customers vs records: the demo has 294 records of 150 people and two test records.
    tiles = page.locator(".tiles")
    expect(tiles).to_contain_text("real customers")
    records = int(tiles.locator(".tile", has_text="records").first.locator(".count").inner_text().replace(",", ""))
    customers = int(tiles.locator(".tile", has_text="real customers").locator(".count").inner_text()
                    .replace(",", ""))
    assert records == 294 and 140 <= customers <= 160, (records, customers)
    matrix = page.locator("#overlap-matrix")
    for system in SYSTEMS:
        expect(matrix).to_contain_text(system)
    expect(page.locator("#findings")).to_contain_text("Customer data is mastered in 3 systems")
    _shot(page, "identity-run")

    # An explanation in words and as bars, then a review decision.
    queue = page.locator("#review tbody tr", has=page.get_by_role("link", name="Explain"))
    pair_link = (queue.first if queue.count() else page.locator("#links tbody tr").first).get_by_role(
        "link", name="Explain")
    pair_link.click()
    expect(page.get_by_role("img", name="Match weight per field")).to_be_visible()
    expect(page.locator(".explanation")).to_contain_text("Starting point")
    _shot(page, "identity-pair")
    page.get_by_role("button", name="Different customers").click()
    expect(page.get_by_text("Decision kept: it applies from the next run.")).to_be_visible()
    expect(page.locator(".tile", has_text="decisions kept")).to_contain_text("1")

    # Exports: golden records, and every source record with its customer.
    name, text = _download(page, page.locator(".export-actions a", has_text="CSV").first)
    golden = list(csv.DictReader(io.StringIO(text)))
    assert name.endswith("-golden-records.csv") and len(golden) == customers
    name, text = _download(page, page.locator(".export-actions a", has_text="CSV").nth(1))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert name.endswith("-record-customers.csv") and len(rows) == records
    with open(DATASETS / "customers_truth.csv", encoding="utf-8") as handle:
        person = {row["record"]: row["person"] for row in csv.DictReader(handle)}
    by_customer: dict[str, set[str]] = {}
    for row in rows:
        if row["customer"]:
            by_customer.setdefault(row["customer"], set()).add(person[row["record"]])
    pure = sum(1 for people in by_customer.values() if len(people) == 1)
    assert pure / len(by_customer) >= 0.95  # customers are (almost always) one true person
    assert {r["system"] for r in rows} == set(SYSTEMS)

    # The analysis shows the findings with the run as evidence.
    page.goto(f"{base}/analysis")
    section = page.locator("#identity-findings")
    expect(section).to_contain_text("Customer data is mastered in 3 systems")
    section.get_by_role("link", name=re.compile(r"identity run \d+")).click()
    page.wait_for_url(run_url)

    # A second run (with the decision applied, another threshold) for Target A, side by side.
    page.goto(f"{base}/identity")
    page.locator("select[name=scenario_id]").select_option(label="Target A — central OMS")
    page.fill("input[name=threshold]", "0.8")
    page.get_by_role("button", name="Resolve identities").click()
    page.wait_for_url(re.compile(r".*/identity/runs/\d+$"))
    expect(page.locator(".tile", has_text="decisions applied")).to_contain_text("1")
    page.get_by_role("link", name="Compare with another run").click()
    expect(page.get_by_role("heading", name="Identity runs side by side")).to_be_visible()
    figures = page.locator("#compare-figures")
    expect(figures).to_contain_text("Current state")
    expect(figures).to_contain_text("Target A")
    expect(page.locator("#compare-options")).to_contain_text("threshold")
    expect(page.locator("#compare-matrix")).to_contain_text("Oracle Xstore POS")
    _shot(page, "identity-compare")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
