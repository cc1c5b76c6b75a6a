"""The compare page with two or more scenarios: one column per scenario for figures, criteria and findings,
and each scenario's values against the first, field by field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.services.catalog.scenario_values import save_in_scenario
from app.services.demo import load_demo
from app.services.scenarios import list_scenarios, save_scenario
from models import DataEntity, DataFlow, System

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


@pytest.fixture
def three(session, demo):
    """Current state, the demo's target, and a copy of the current state whose inventory feed is a stream."""
    current, target = list_scenarios(session, demo.id)
    proposal = save_scenario(session, demo, "Events proposal", copy_from=current)
    erp = session.scalar(select(System).where(System.engagement_id == demo.id, System.name == "SAP ECC"))
    shop = session.scalar(select(System).where(System.engagement_id == demo.id,
                                               System.name == "Salesforce Commerce Cloud"))
    inventory = session.scalar(select(DataEntity).where(DataEntity.engagement_id == demo.id,
                                                        DataEntity.name == "Inventory"))
    feed = session.scalar(select(DataFlow).where(DataFlow.source_id == erp.id, DataFlow.target_id == shop.id,
                                                 DataFlow.entities.contains(inventory)))
    save_in_scenario(session, demo, feed, proposal,
                     {"pattern": "event", "latency_seconds": 5, "worst_latency_seconds": 30})
    return current, proposal, target


def page(browser, url, status=200):
    resp = browser.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def header_cells(html, table_class):
    table = re.search(rf'<table class="data {table_class}">.*?</thead>', html, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>',
                                                                         table, re.S)]


def test_three_scenarios_show_one_column_each_for_figures_criteria_and_findings(browser, demo, three):
    current, proposal, target = three
    html = page(browser, f"/e/{demo.id}/analysis/compare?s={current.id}&s={proposal.id}&s={target.id}")

    assert header_cells(html, "metrics-compare") == ["Current state (baseline)", "Events proposal", TARGET]
    assert header_cells(html, "criteria-changes") == ["Current state", "Events proposal", TARGET]
    assert header_cells(html, "findings-compare") == ["Current state", "Events proposal", TARGET]
    freshness = re.search(r"Inventory freshness on Web \(worst\)</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'<td class="num">(.*?)</td>', freshness) == ["24 h", "30 s", "0 s"]


def test_each_scenario_lists_its_values_against_the_first(browser, demo, three):
    current, proposal, target = three
    html = page(browser, f"/e/{demo.id}/analysis/compare?s={current.id}&s={proposal.id}&s={target.id}")

    assert "Current state → Events proposal" in html and f"Current state → {TARGET}" in html
    assert "SAP ECC → Salesforce Commerce Cloud: Inventory</a> —" in html
    assert "pattern <del>Batch file</del> → <ins>Event / stream</ins>" in html
    assert "worst latency <del>24 h</del> → <ins>30 s</ins>" in html
    assert "Manhattan Active Omni" in html  # added in the target, listed under its comparison


def test_a_pair_keeps_the_model_and_findings_detail_and_shows_values(browser, demo, three):
    current, proposal, _target = three
    html = page(browser, f"/e/{demo.id}/analysis/compare?a={current.id}&b={proposal.id}")

    assert "<h2>Model</h2>" in html and "1 resolved · 0 introduced" in html
    assert "pattern <del>Batch file</del> → <ins>Event / stream</ins>" in html
    assert header_cells(html, "criteria-changes") == ["Current state", "Events proposal"]
    assert "flips" in html


def test_an_unknown_scenario_in_the_list_is_not_found(browser, demo, three):
    current = three[0]
    page(browser, f"/e/{demo.id}/analysis/compare?s={current.id}&s=999999", status=404)
