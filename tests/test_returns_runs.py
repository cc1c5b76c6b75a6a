"""Returns runs: the policy per scenario, the returns dataset, runs on captured data and the command line."""

from __future__ import annotations

import json

import pytest

from app.services.analysis.scenario import find_scenario
from app.services.datasets.uploads import upload_dataset
from app.services.demo import load_demo
from app.services.engines import returns as returns_service
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from models import EngineRun
from tests.support.datasets import erp
from tests.support.routing import LOCATIONS, ORDERS

RETURNS = """return_id,order_id,sku,quantity,returned_at,return_channel,return_location_id,original_channel,condition
R1,W1,A,1,2025-03-10T10:00:00Z,web,DC1,,sellable
R2,P1,C,1,2025-03-05T10:00:00Z,store,S1,,damaged
R3,X9,A,1,2025-03-06T10:00:00Z,store,S1,store,
R4,X8,B,1,2025-03-06T10:00:00Z,store,S2,,
"""


def cli(app, session, *args):
    session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def load(session, engagement, returns=RETURNS):
    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("orders", ORDERS), ("returns", returns)):
        version = upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)
    return version


def test_a_scenario_without_a_saved_policy_uses_the_defaults_and_saving_validates(session, engagement):
    scenario = find_scenario(session, engagement)
    assert returns_service.policy_document(session, scenario)["rules"][0]["days"] == 30
    with pytest.raises(ValidationError) as caught:
        returns_service.save_policy(session, engagement, scenario, {"rules": [{"days": "soon"}], "colour": "red"})
    assert set(caught.value.errors) == {"policy.rules[0].days", "policy.colour"}
    saved = returns_service.save_policy(session, engagement, scenario, {"rules": [{"days": 14}]})
    assert returns_service.policy_document(session, scenario) == saved
    assert saved["rules"][0]["days"] == 14


def test_a_returns_run_needs_a_returns_dataset(session, engagement):
    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("orders", ORDERS)):
        upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)
    with pytest.raises(ValidationError) as caught:
        engine_runs.start_run(session, engagement, find_scenario(session, engagement), "returns")
    assert caught.value.errors == {"returns": ["Upload a returns dataset first."]}
    assert session.query(EngineRun).count() == 0


def test_order_ids_missing_from_the_orders_are_reported_at_upload_and_left_out_of_the_replay(session, engagement):
    version = load(session, engagement)
    found = {f["code"]: f for f in version.version.profile["findings"]}
    assert found["order_missing_from_orders"]["count"] == 2
    assert found["order_missing_from_orders"]["examples"] == ["X8", "X9"]
    run = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "returns")
    assert run.status == "done", run.error
    # R4 names no order we know and no original channel: left out. R3 carries its own channel: judged.
    assert run.metrics["returns"] == 3
    assert run.metrics["accepted"] == 3
    assert run.metrics["units_by_disposition"] == {"restock": 2, "ship_to_dc": 0, "write_off": 1}
    assert any("2 return line(s) name an order that is not in the orders dataset; 1 without an original channel "
               "were left out" in n for n in run.metrics["notes"])
    # No channels in the model: returns are judged on the policy alone and the run says so.
    # The new engagement's channels have no systems yet: nothing can refund the original tender or restock.
    assert run.metrics["refunds"] == {"original_tender": 0, "store_credit": 3, "exchange": 0}
    assert {"original": "web", "returned": "store", "why": "no system of this scenario serves Store", "order": False,
            "customer": False, "refund": False} in run.metrics["blocked"]
    assert run.metrics["restock_delay_hours"]["web"]["never_units"] == 2


def test_a_bad_returns_row_is_rejected_naming_row_and_column_and_nothing_is_saved(session, engagement):
    bad = RETURNS.replace("R2,P1,C,1,", "R2,P1,C,0,")
    with pytest.raises(ValidationError) as caught:
        load(session, engagement, bad)
    assert caught.value.errors["returns.csv, row 3, column quantity"] == ["0 is less than 1."]


def test_the_command_line_replays_the_demo_and_flags_what_the_architecture_blocks(app, session, user):
    demo = load_demo(session, owner=user)
    result = cli(app, session, "returns", "replay", str(demo.id))
    assert result.exit_code == 0, result.output
    assert "for Current state: 559 returns" in result.output
    assert "no_order_visibility 168" in result.output
    assert "FLAG: Stores accepts Web returns by policy, but Oracle Xstore POS" in result.output
    as_json = cli(app, session, "returns", "replay", str(demo.id), "--scenario", "Target A", "--json")
    assert as_json.exit_code == 0, as_json.output
    metrics = json.loads(as_json.stdout)["metrics"]
    assert metrics["refused_by_reason"]["no_order_visibility"] == 0
    assert metrics["matrix"]["web"]["store"]["accepted"] > 0


def test_the_command_line_prints_and_replaces_a_policy_and_rejects_bad_json(app, session, engagement, tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"rules": [{"return_channels": ["store"], "days": 60}]}))
    result = cli(app, session, "returns", "policy", str(engagement.id), "--set", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rules"][0] == {
        "return_channels": ["store"], "original_channels": ["*"], "fulfilment": ["ship", "pickup"], "days": 60,
        "exchange": True, "refund": "original_tender", "fallback": "store_credit", "needs_customer": True}
    path.write_text("{not json")
    bad = cli(app, session, "returns", "policy", str(engagement.id), "--set", str(path))
    assert bad.exit_code != 0
    assert "Invalid JSON" in bad.output
