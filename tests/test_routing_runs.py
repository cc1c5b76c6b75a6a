"""Routing per scenario: cost models, stored routing runs on the client's datasets, and the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.jobs import jobs
from app.services.analysis.scenario import find_scenario
from app.services.engines import atp_rules as atp_rules
from app.services.engines import routing as routing
from app.services.engines import runs as engine_runs
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import EngineRun, RoutingCostModel
from tests.support.routing import load


def cli(app, session, *args):
    session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def test_a_scenario_without_a_saved_cost_model_uses_the_defaults_and_saving_validates(session, engagement, user):
    scenario = find_scenario(session, engagement)
    assert routing.cost_document(session, scenario)["max_splits"] == 2
    with pytest.raises(ValidationError) as caught:
        routing.save_cost_model(session, engagement, scenario, {"rate_per_km": -1, "colour": "red"})
    assert set(caught.value.errors) == {"rate_per_km", "colour"}
    session.rollback()
    saved = routing.save_cost_model(session, engagement, scenario, {"split_penalty": 9}, user=user)
    assert saved["split_penalty"] == 9 and saved["base"] == 4.0
    stored = session.scalar(select(RoutingCostModel).where(RoutingCostModel.scenario_id == scenario.id))
    assert stored.document == saved and stored.updated_by_id == user.id


def test_routing_runs_are_stored_with_strategy_cost_model_and_metrics(session, engagement, user):
    load(session, engagement)
    scenario = find_scenario(session, engagement)
    routing.save_cost_model(session, engagement, scenario, {"unfilled_penalty": 500})
    runs = {s: engine_runs.run_now(session, engagement, scenario, "routing", strategy=s, user=user)
            for s in ("channel_origin", "rules", "optimal")}
    for strategy, run in runs.items():
        assert run.status == "done", run.error
        assert run.kind == "routing" and run.parameters["strategy"] == strategy
        assert run.parameters["cost_model"]["unfilled_penalty"] == 500
        assert run.dataset_versions.keys() == {"locations", "inventory", "orders"}
        m = run.metrics
        assert m["trusted"] and m["lines"] == 6 and m["orders"] == 5
    # Z is stocked nowhere; today's routing also finds no C for W1 (web ships only from the DC); the others ship
    # it from Oxford Street, which dispatches one order a day: W1 — the pickup P1 does not use that capacity
    assert runs["channel_origin"].metrics["unfilled"] == {"no_stock": 2}
    assert runs["rules"].metrics["unfilled"] == runs["optimal"].metrics["unfilled"] == {"no_stock": 1}
    assert runs["optimal"].metrics["cost"]["total"] <= runs["rules"].metrics["cost"]["total"] + 1e-6
    assert runs["optimal"].metrics["solver"]["optimal_batches"] == 1
    assert runs["optimal"].metrics["solver"]["scope"] == "horizon"
    assert runs["optimal"].metrics["solver"]["bound"] is not None
    assert runs["rules"].metrics["utilisation"]["nodes_at_capacity"] == 1


def test_the_atp_rules_of_the_scenario_restrict_where_routing_may_ship_from(session, engagement):
    load(session, engagement)
    scenario = save_scenario(session, engagement, "DC only")
    atp_rules.save_rules(session, engagement, scenario, {"eligibility": {"default": "none", "grants": [
        {"channel": "web", "fulfillment": "ship", "location_types": ["dc"]},
        {"channel": "store", "fulfillment": "pickup", "location_types": ["store"]}]}})
    run = engine_runs.run_now(session, engagement, scenario, "routing", strategy="optimal")
    assert run.metrics["from_stores"] == 0.0 and run.metrics["by_channel"]["store"]["filled"] == 1


def test_a_bad_strategy_or_cost_model_is_refused_before_the_run_starts(session, engagement):
    load(session, engagement)
    scenario = find_scenario(session, engagement)
    with pytest.raises(ValidationError) as caught:
        engine_runs.start_run(session, engagement, scenario, "routing", strategy="fastest")
    assert "channel_origin" in caught.value.errors["strategy"][0]
    with pytest.raises(ValidationError) as caught:
        engine_runs.start_run(session, engagement, scenario, "routing", strategy="rules",
                              cost_model={"max_distance_km": -5})
    assert set(caught.value.errors) == {"max_distance_km"}


def test_a_background_routing_run_finishes_in_a_worker(app, session, engagement):
    load(session, engagement)
    run_id = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "routing",
                                   strategy="optimal").id
    future = jobs(app).submit(f"run-{run_id}", lambda s: engine_runs.execute_run(s, run_id).status)
    assert future.result(timeout=60) == "done"
    session.commit()
    assert session.get(EngineRun, run_id).metrics["strategy"] == "optimal"


def test_routing_run_prints_json_and_text(app, session, engagement, tmp_path):
    load(session, engagement)
    result = cli(app, session, "routing", "run", str(engagement.id), "--strategy", "optimal", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["kind"] == "routing" and payload["parameters"]["strategy"] == "optimal"
    assert payload["metrics"]["solver"]["batches"] == 1
    text = cli(app, session, "routing", "run", engagement.name, "--scenario", "current", "--strategy", "rules")
    assert text.exit_code == 0, text.output
    assert "splits" in text.output and "unfilled: no_stock 1" in text.output
    bad = tmp_path / "cost.json"
    bad.write_text(json.dumps({"rate_per_km": "cheap"}))
    result = cli(app, session, "routing", "run", str(engagement.id), "--strategy", "rules", "--cost-model", str(bad))
    assert result.exit_code == 1 and "rate_per_km: Must be a number." in result.output


def test_routing_cost_model_prints_and_replaces_a_scenarios_cost_model(app, session, engagement, tmp_path):
    path = tmp_path / "cost.json"
    path.write_text(json.dumps({"bands": [[50, 3.5], [300, 6]], "max_splits": 1}))
    result = cli(app, session, "routing", "cost-model", str(engagement.id), "--set", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bands"] == [[50.0, 3.5], [300.0, 6.0]]


def test_routing_honours_the_scenarios_ring_fences_so_it_never_ships_what_atp_would_not_promise(session, engagement):
    load(session, engagement)
    scenario = save_scenario(session, engagement, "Store fence")
    # 11 of every SKU fenced for the store channel: of A (12 in the network) web keeps 1, which W1 and W3 both want;
    # of B (4) and C (5) web keeps nothing; Z is stocked nowhere (no_stock, not a fence)
    atp_rules.save_rules(session, engagement, scenario, {"allocation": {
        "mode": "ring_fenced", "ring_fences": [{"channel": "store", "quantity": 11}], "unused": "keep"}})
    for strategy in ("rules", "guided", "optimal"):
        run = engine_runs.run_now(session, engagement, scenario, "routing", strategy=strategy)
        assert run.status == "done", run.error
        assert run.metrics["trusted"]
        assert run.metrics["unfilled"] == {"ring_fence": 3, "no_stock": 1}, strategy
        assert run.metrics["by_channel"]["store"]["filled"] == 1
