"""ATP rules per scenario and stored engine runs, through the services and the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.jobs import jobs
from app.services.analysis.scenario import find_scenario
from app.services.catalog.elements import save_element
from app.services.datasets.uploads import upload_dataset
from app.services.engines import atp_rules as atp_rules
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import AtpRules, EngineRun
from tests.support.datasets import INVENTORY, load_small_network

SILOED = {
    "channels": ["web", "store"],
    "eligibility": {"default": "none", "grants": [
        {"channel": "web", "fulfillment": "ship", "location_types": ["dc"]},
        {"channel": "store", "fulfillment": "pickup", "location_types": ["store"]},
    ]},
}


def run(app, session, *args):
    session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def test_a_scenario_without_saved_rules_uses_one_shared_pool(session, engagement):
    rules = atp_rules.rules_for(session, find_scenario(session, engagement))
    assert (rules.allocation, rules.eligibility_default, rules.grants) == ("shared", "all", ())


def test_rules_are_validated_and_stored_with_the_scenario(session, engagement):
    scenario = find_scenario(session, engagement)
    with pytest.raises(ValidationError) as caught:
        atp_rules.save_rules(session, engagement, scenario, {"thresholds": {"store": "two"}, "colour": "red"})
    assert set(caught.value.errors) == {"thresholds.store", "colour"}
    session.rollback()
    saved = atp_rules.save_rules(session, engagement, scenario, SILOED)
    assert saved["eligibility"]["grants"][0]["location_types"] == ["dc"]
    assert session.scalar(select(AtpRules.document).where(AtpRules.scenario_id == scenario.id)) == saved


def test_an_atp_run_is_stored_with_its_versions_rules_and_metrics(session, engagement, user):
    versions = load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, SILOED)
    run = engine_runs.run_now(session, engagement, scenario, "atp", user=user)
    assert run.status == "done" and run.created_by_id == user.id and run.finished_at is not None
    assert run.dataset_versions == {"locations": versions["locations"].id, "inventory": versions["inventory"].id}
    assert run.rules["eligibility"]["default"] == "none"
    # web ships from the DC only (A: 10, B: 1); store sells from stores (A: 2, B: 3 less its safety stock 1).
    assert run.metrics["by_channel"]["web"]["atp_units"] == 11
    assert run.metrics["by_channel"]["store"]["atp_units"] == 4
    result, _ = engine_runs.atp_result(session, run)
    assert result.skus.tolist() == ["A", "B"]


def test_default_rules_report_every_channel_of_the_orders_dataset(session, engagement):
    load_small_network(session, engagement)
    run = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "atp")
    # Every location sells to every channel: both channels see the whole pool (A 10 + 2, B 1 + 3 less safety 1).
    assert set(run.metrics["by_channel"]) == {"web", "store"}
    assert run.metrics["by_channel"]["web"]["atp_units"] == run.metrics["by_channel"]["store"]["atp_units"] == 15


def test_default_rules_without_orders_report_the_catalog_channels(session, engagement):
    from tests.support.datasets import LOCATIONS, erp

    system = erp(session, engagement)
    for kind, text in (("locations", LOCATIONS), ("inventory", INVENTORY)):
        upload_dataset(session, engagement, kind, text.encode(), f"{kind}.csv", system=system)
    run = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "atp")
    assert "web" in run.metrics["by_channel"] and len(run.metrics["by_channel"]) > 1
    assert {c["atp_units"] for c in run.metrics["by_channel"].values()} == {15}


def test_an_atp_run_reports_segments_regions_and_network_deductions(session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, {
        **SILOED,
        "network": {"brokering_queue": {"A": 2}},
        "segments": [{"name": "vip", "quantity": 1, "consumption": "segment_only"}],
        "distribution": {"groups": {"stores": {"location_types": ["store"]}}, "regions": ["north"],
                         "assignments": [{"channel": "web", "group": "stores", "region": "north"}]},
    })
    run = engine_runs.run_now(session, engagement, scenario, "atp")
    assert run.status == "done", run.error
    assert run.metrics["deducted_units"] == 2
    assert run.metrics["by_segment"] == {"vip": {"reserved_units": 2, "atp_units": 2}}
    assert set(run.metrics["by_region"]["north"]) == {"web", "store"}


def test_reservations_naming_unknown_skus_or_locations_are_reported_in_the_run_notes(session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, {"reservations": [
        {"sku": "ZZZ", "quantity": 1}, {"sku": "A", "location": "NOWHERE", "quantity": 1}]})
    run = engine_runs.run_now(session, engagement, scenario, "atp")
    assert any("ZZZ" in note for note in run.metrics["notes"])
    assert any("NOWHERE" in note for note in run.metrics["notes"])
    assert run.metrics["pool_units"] == 15  # both ignored


def test_a_run_keeps_the_dataset_version_it_used_after_a_reupload(session, engagement):
    versions = load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    first = engine_runs.run_now(session, engagement, scenario, "atp")
    upload_dataset(session, engagement, "inventory", INVENTORY.replace("A,DC1,10", "A,DC1,99").encode(), "i.csv",
                   system="SAP ECC")
    second = engine_runs.run_now(session, engagement, scenario, "atp")
    assert first.dataset_versions["inventory"] == versions["inventory"].id != second.dataset_versions["inventory"]
    assert engine_runs.atp_result(session, first)[0].pool.tolist() == [12, 3]


def test_a_replay_takes_each_channels_latency_from_the_scenarios_inventory_freshness(session, engagement):
    load_small_network(session, engagement)
    scenario = find_scenario(session, engagement)
    atp_rules.save_rules(session, engagement, scenario, SILOED)
    channel = _channel(session, engagement, "Web")
    shop = save_element(session, engagement, "system", {"name": "Web shop", "category": "ecommerce",
                                                        "channel_ids": [channel]})
    ledger = _system(session, engagement, "SAP ECC")
    inventory = _entity(session, engagement, "Inventory")
    save_element(session, engagement, "ownership", {"system_id": ledger, "entity_id": inventory, "role": "sor"})
    save_element(session, engagement, "flow", {"source_id": ledger, "target_id": shop.id, "entity_ids": [inventory],
                                               "pattern": "batch", "worst_latency_seconds": 7200})
    run = engine_runs.run_now(session, engagement, scenario, "replay")
    assert run.parameters["latency"]["web"]["seconds"] == 7200
    assert run.parameters["latency"]["web"]["source"] == "freshness"
    # Web ships from the DC's 10 units and sees them two hours late: at 11:00 it still sees 6 where 2 are left.
    web = run.metrics["by_channel"]["web"]
    assert (web["lines"], web["accepted"], web["oversold"], web["oversold_units"]) == (4, 3, 1, 2)
    overridden = engine_runs.run_now(session, engagement, scenario, "replay", latency={"web": 0})
    assert overridden.parameters["latency"]["web"]["source"] == "override"
    assert overridden.metrics["by_channel"]["web"]["oversold"] == 0


def test_scenarios_are_compared_by_their_latest_finished_replay(session, engagement):
    load_small_network(session, engagement)
    current = find_scenario(session, engagement)
    target = save_scenario(session, engagement, "Target")
    engine_runs.run_now(session, engagement, current, "replay")
    latest = engine_runs.run_now(session, engagement, current, "replay")
    other = engine_runs.run_now(session, engagement, target, "replay")
    assert engine_runs.latest_runs_by_scenario(session, engagement.id, "replay") == {current.id: latest,
                                                                                       target.id: other}


def test_a_run_without_the_datasets_it_needs_is_refused_before_it_starts(session, engagement):
    with pytest.raises(ValidationError) as caught:
        engine_runs.start_run(session, engagement, find_scenario(session, engagement), "replay")
    assert caught.value.errors == {"locations": ["Upload a locations dataset first."]}


def test_a_background_run_finishes_in_a_worker_with_its_own_session(app, session, engagement):
    load_small_network(session, engagement)
    run_id = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "replay").id
    future = jobs(app).submit(f"run-{run_id}", lambda s: engine_runs.execute_run(s, run_id).status)
    assert future.result(timeout=30) == "done"
    session.commit()  # end the test session's snapshot to see the worker's commits
    assert session.get(EngineRun, run_id).progress == 1.0


# --- command line ---------------------------------------------------------------------------------


def test_dataset_upload_prints_the_report_and_exits_non_zero_on_errors(app, session, engagement, tmp_path):
    save_element(session, engagement, "system", {"name": "SAP ECC", "category": "erp"})
    good = tmp_path / "sites.csv"
    good.write_text("code,type,latitude,longitude\nDC1,dc,52,-1\n")
    result = run(app, session, "dataset", "upload", str(engagement.id), "locations", str(good), "--system", "sap",
                 "--map", "code=location_id")
    assert result.exit_code == 0, result.output
    assert "Columns mapped: code → location_id" in result.output and "Stored Locations v1" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("location_id,type,latitude,longitude\nDC2,dc,north,-1\n")
    result = run(app, session, "dataset", "upload", engagement.name, "locations", str(bad), "--system", "SAP ECC")
    assert result.exit_code == 1
    assert "bad.csv, row 2, column latitude: 'north' is not a number." in result.output
    assert "nothing was stored" in result.output


def test_atp_run_and_replay_print_json_documented_in_docs(app, session, engagement):
    load_small_network(session, engagement)
    atp_rules.save_rules(session, engagement, find_scenario(session, engagement), SILOED)
    result = run(app, session, "atp", "run", str(engagement.id), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["kind"] == "atp" and payload["status"] == "done" and payload["scenario"]["name"] == "Current state"
    assert set(payload["metrics"]["by_channel"]) == {"web", "store"}
    result = run(app, session, "atp", "replay", str(engagement.id), "--latency", "web=7200", "--json")
    payload = json.loads(result.stdout)
    assert payload["parameters"]["latency"]["web"] == {"seconds": 7200.0, "source": "override",
                                                       "catalog_channel": "Web", "note": "Set for this run."}
    assert payload["metrics"]["by_channel"]["web"]["oversold"] == 1
    text = run(app, session, "atp", "replay", engagement.name, "--scenario", "current")
    assert "web" in text.output and "oversold" in text.output


def test_atp_replay_rejects_an_unknown_channel_in_a_latency_override(app, session, engagement):
    load_small_network(session, engagement)
    result = run(app, session, "atp", "replay", str(engagement.id), "--latency", "kiosk=5")
    assert result.exit_code == 1 and "No channel 'kiosk'" in result.output


def test_atp_rules_prints_and_replaces_a_scenarios_rules(app, session, engagement, tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(SILOED))
    result = run(app, session, "atp", "rules", str(engagement.id), "--set", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["eligibility"]["default"] == "none"


def _channel(session, engagement, name):
    from models import Channel

    return session.scalar(select(Channel.id).where(Channel.engagement_id == engagement.id, Channel.name == name))


def _system(session, engagement, name):
    from models import System

    return session.scalar(select(System.id).where(System.engagement_id == engagement.id, System.name == name))


def _entity(session, engagement, name):
    from models import DataEntity

    return session.scalar(select(DataEntity.id).where(DataEntity.engagement_id == engagement.id,
                                                      DataEntity.name == name))
