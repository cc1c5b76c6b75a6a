"""Routing promise dates end to end: the orders' promised_date column, the cost model's settings, the run page, the
comparison and the report's routing section."""

from __future__ import annotations

import pytest

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.engines import routing as routing
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.reports.engines import engine_results
from tests.support.datasets import erp
from tests.support.routing import INVENTORY, LOCATIONS

# tests/support/routing.py's orders with a promised date on W3 (a Thursday)
ORDERS = """order_id,created_at,channel,fulfillment,pickup_location_id,ship_latitude,ship_longitude,sku,quantity,\
promised_date
W1,2025-03-03T09:00:00Z,web,ship,,51.50,-0.12,A,1,
W1,2025-03-03T09:00:00Z,web,ship,,51.50,-0.12,C,1,
W2,2025-03-03T10:00:00Z,web,ship,,53.80,-1.55,B,1,
W3,2025-03-03T11:00:00Z,web,ship,,51.52,-0.10,A,1,2025-03-06
P1,2025-03-03T12:00:00Z,store,pickup,S1,,,C,1,
W4,2025-03-04T09:00:00Z,web,ship,,51.50,-0.12,Z,1,
"""
PROMISE = {"transit_days": [[50, 1], [300, 2], [None, 3]], "cutoffs": {"S2": "08:00", "S9": "12:00"},
           "standard_days": {"web": 1, "store": 0}, "late_cost_per_day": 5.0}


@pytest.fixture
def promise_run(session, engagement, user):
    """A rules run over the routing network with promise dates on."""
    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY), ("orders", ORDERS)):
        upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)
    scenario = find_scenario(session, engagement)
    routing.save_cost_model(session, engagement, scenario, {"promise": PROMISE}, user=user)
    run = engine_runs.run_now(session, engagement, scenario, "routing", strategy="rules", user=user)
    assert run.status == "done", run.error
    return run


def test_a_run_with_promise_dates_counts_the_line_that_leaves_leeds_after_its_cut_off_as_late(promise_run):
    # W1 (S1, 2 km, 1 day) and P1 (pickup, same day) are on time; W3 ships 109 km from the DC (2 days) but was
    # promised Thursday; W2 reached Leeds' store after its 08:00 cut-off: it leaves Tuesday, arrives Wednesday,
    # one day after the web channel's next-day promise.
    p = promise_run.metrics["promise"]
    assert (p["lines"], p["on_time"], p["late"], p["late_line_days"], p["late_cost"]) == (5, 4, 1, 1, 5.0)
    assert p["late_lines"] == [{"order": "W2", "sku": "B", "node": "S2", "promised": "2025-03-04",
                                "predicted": "2025-03-05", "days_late": 1}]
    assert promise_run.metrics["cost"]["late_penalty"] == 5.0
    assert promise_run.parameters["cost_model"]["promise"]["cutoffs"] == {"S2": "08:00", "S9": "12:00"}
    assert promise_run.metrics["notes"] == [
        "Promise cut-offs name locations not in the locations dataset (ignored): S9."]


def test_the_run_page_and_the_comparison_show_the_promise_figures(browser, session, engagement, promise_run):
    e = engagement.id
    page = browser.get(f"/e/{e}/routing/runs/{promise_run.id}").get_data(as_text=True)
    assert 'id="promise"' in page and "80.0 %" in page and 'id="late-lines"' in page and "2025-03-05" in page
    compared = browser.get(f"/e/{e}/routing/compare?run={promise_run.id}").get_data(as_text=True)
    assert "Line-days late" in compared and "Late penalty (promise dates)" in compared
    assert "promise dates (late 5.0/line-day)" in browser.get(f"/e/{e}/routing").get_data(as_text=True)


def test_the_reports_routing_section_has_the_promise_table_and_sentence(session, engagement, promise_run):
    [section] = engine_results(session, engagement, [promise_run.id])
    assert dict(section.headline)["Filled lines on promise date"] == "80.0%"
    [table] = [t for t in section.tables if t.caption.startswith("Promise dates")]
    assert ("Late lines", "1") in table.rows and ("Late lines, web", "1 of 4") in table.rows
    assert "1 filled line is predicted after its promised date (1 line-days late, 5.00)" in section.summary


def test_bad_promise_settings_are_refused_naming_the_field_and_nothing_is_saved(browser, session, engagement):
    scenario = find_scenario(session, engagement)
    with pytest.raises(ValidationError) as caught:
        routing.save_cost_model(session, engagement, scenario, {"promise": {"cutoffs": {"S2": "8 am"}}})
    assert "promise.cutoffs.S2" in caught.value.errors
    session.rollback()
    answer = browser.post(f"/e/{engagement.id}/routing/cost/{scenario.id}",
                          data={"mode": "json", "document": '{"promise": {"transit_days": [[300, 2], [50, 1]]}}'})
    assert answer.status_code == 422 and "promise.transit_days" in answer.get_data(as_text=True)
    assert routing.cost_document(session, scenario)["promise"] is None
