"""Returns in the browser and the PDF: the policy editor, starting a replay, the run page and the report section."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from app.services import reports as svc
from app.services.analysis.scenario import find_scenario
from app.services.demo import load_demo
from app.services.engines import returns as returns_service
from app.services.engines import runs as engine_runs
from models import EngineRun

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def test_replaying_the_current_state_shows_the_store_refusals_and_the_policy_flag(browser, session, demo):
    e = f"/e/{demo.id}"
    scenario = find_scenario(session, demo)
    overview = browser.get(f"{e}/returns")
    assert overview.status_code == 200
    assert "Replay returns" in overview.get_data(as_text=True)
    started = browser.post(f"{e}/returns/runs", data={"scenario_id": scenario.id})
    assert started.status_code == 302
    page = browser.get(started.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The policy asks for what the architecture cannot do" in html
    assert "Oracle Xstore POS" in html and "no path to Web orders" in html
    assert 'id="matrix-table"' in html and 'id="restock-table"' in html


def test_the_overview_puts_the_scenarios_side_by_side(browser, session, demo):
    for name in (None, TARGET):
        assert engine_runs.run_now(session, demo, find_scenario(session, demo, name), "returns").status == "done"
    html = browser.get(f"/e/{demo.id}/returns").get_data(as_text=True)
    assert 'id="returns-comparison"' in html
    assert "Refused: no order visibility" in html and TARGET in html


def test_the_policy_editor_saves_valid_json_and_names_what_is_wrong_otherwise(browser, session, demo):
    scenario = find_scenario(session, demo)
    url = f"/e/{demo.id}/returns/policy/{scenario.id}"
    bad = browser.post(url, data={"mode": "json", "document": json.dumps({"rules": [{"days": -3}]})})
    assert bad.status_code == 422
    assert "policy.rules[0].days" in bad.get_data(as_text=True)
    broken = browser.post(url, data={"mode": "json", "document": "{oops"})
    assert broken.status_code == 422 and "Invalid JSON" in broken.get_data(as_text=True)
    assert returns_service.policy_document(session, scenario)["rules"][0]["return_channels"] == ["store"]
    good = browser.post(url, data={"mode": "json", "document": json.dumps({"rules": [{"days": 45}]})})
    assert good.status_code == 302
    session.expire_all()
    assert returns_service.policy_document(session, scenario)["rules"][0]["days"] == 45


def test_starting_without_a_returns_dataset_says_so_and_records_nothing(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    response = browser.post(f"/e/{engagement.id}/returns/runs", data={"scenario_id": scenario.id})
    assert response.status_code == 302
    assert "Upload a locations dataset first." in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert session.query(EngineRun).count() == 0


def test_the_pdf_shows_the_current_state_refusing_in_store_refunds_and_the_target_accepting(session, demo):
    current = engine_runs.run_now(session, demo, find_scenario(session, demo), "returns")
    target = engine_runs.run_now(session, demo, find_scenario(session, demo, TARGET), "returns")
    options = svc.parse_options(sections="engines", runs=f"{current.id},{target.id}")
    pdf = svc.make_pdf(session, demo, options)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Returns anywhere — Current state" in text and f"Returns anywhere — {TARGET}" in text
    assert "refunds to original tender are impossible in Stores" in text
    assert "Refused: no order visibility" in text
