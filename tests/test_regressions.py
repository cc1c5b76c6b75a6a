"""Bugs found while writing the foundation tests and the benchmark, pinned so they stay fixed."""

from __future__ import annotations

from sqlalchemy import select

from app.services.catalog.elements import save_element
from models import Scenario


def test_decisions_tied_to_a_scenario_show_in_the_list_and_detail_pages(browser, engagement, session):
    """The decisions list displays the scenario column through the generic `ref` display (it crashed with 500)."""
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id))
    decision = save_element(session, engagement, "decision", {"title": "Central OMS", "scenario_id": baseline.id})
    for url in (f"/e/{engagement.id}/decisions", f"/e/{engagement.id}/decisions/{decision.id}"):
        resp = browser.get(url)
        assert resp.status_code == 200, url
        assert "Current state" in resp.get_data(as_text=True), url
