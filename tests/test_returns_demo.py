"""The demo's returns have a known truth: the current design refuses in-store returns of web and app orders
for want of an order path; the target design (Manhattan Active Omni serving the stores) accepts them."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from app.services.analysis.scenario import find_scenario
from app.services.demo import DATASETS, load_demo
from app.services.engines import runs

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def _truth(column: str) -> Counter:
    with (DATASETS / "returns_truth.csv").open(encoding="utf-8", newline="") as fh:
        return Counter(row[column] for row in csv.DictReader(fh))


def test_the_current_state_refuses_in_store_returns_of_web_orders_for_want_of_an_order_path(session, demo):
    run = runs.run_now(session, demo, find_scenario(session, demo, None), "returns")
    assert run.status == "done", run.error
    m = run.metrics
    truth = _truth("current_state")
    assert m["refused_by_reason"]["no_order_visibility"] == truth["no_order_visibility"] > 0
    assert m["refused_by_reason"]["out_of_window"] == truth["out_of_window"] > 0
    assert m["accepted"] == truth["accepted"]
    assert m["matrix"]["web"]["store"]["accepted"] == 0 < m["matrix"]["web"]["store"]["returns"]
    assert any(c.startswith("Stores accepts Web returns by policy, but Oracle Xstore POS") and
               "refunds to original tender are impossible in Stores" in c for c in m["conflicts"])


def test_the_target_design_accepts_them_and_web_sees_restocked_store_units_within_minutes(session, demo):
    current = runs.run_now(session, demo, find_scenario(session, demo, None), "returns").metrics
    run = runs.run_now(session, demo, find_scenario(session, demo, TARGET), "returns")
    assert run.status == "done", run.error
    m = run.metrics
    truth = _truth("target")
    assert m["accepted"] == truth["accepted"]
    assert m["refused_by_reason"]["no_order_visibility"] == 0
    assert m["matrix"]["web"]["store"]["accepted"] > 0
    assert not [c for c in m["conflicts"] if c.startswith("Stores")]
    # Processing takes 24 h in both; the current state adds the nightly Xstore -> ECC -> web files.
    assert m["restock_delay_hours"]["web"]["worst_hours"] < current["restock_delay_hours"]["web"]["worst_hours"]
