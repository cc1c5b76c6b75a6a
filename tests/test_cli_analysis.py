"""`flask analysis …` on the demo engagement, through the app's CLI runner, in text and JSON."""

from __future__ import annotations

import json

import pytest

from app.services.demo import load_demo
from models import Engagement

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def run(app, session, *args):
    """Invoke a command as `flask` would; the test session first ends its transaction to see what it commits."""
    session.commit()
    return app.test_cli_runner().invoke(args=["analysis", *map(str, args)])


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_findings_as_json_name_every_object_and_count_severities(app, session, demo):
    document = as_json(run(app, session, "findings", demo.id, "--json"))
    assert document["scenario"]["name"] == "Current state"
    assert document["counts"] == {"critical": 1, "high": 26, "medium": 11, "info": 0}
    first = document["findings"][0]
    assert (first["rule_id"], first["severity"], first["title"]) == (
        "sor.multiple", "critical", "Inventory has 2 systems of record"
    )
    assert [s["name"] for s in first["objects"]["systems"]] == ["SAP ECC", "Blue Yonder WMS"]
    assert first["objects"]["entities"] == [{"id": first["objects"]["entities"][0]["id"], "name": "Inventory"}]
    cycle = next(f for f in document["findings"] if f["rule_id"] == "entity.sync_cycle")
    assert cycle["path"][0] == cycle["path"][-1]


def test_findings_as_text_for_a_named_scenario(app, session, demo):
    result = run(app, session, "findings", "Northwind Living — omnichannel discovery", "--scenario", "target a")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{TARGET}: 16 finding(s) (13 high, 3 medium)")
    assert "[high] lifecycle.retiring_critical: SAP ECC is retiring but still carries Price" in result.stdout
    assert "Remedy: " in result.stdout


def test_an_unknown_engagement_or_scenario_fails_cleanly(app, session, demo):
    missing = run(app, session, "findings", "Nobody")
    assert missing.exit_code == 1 and "No engagement with id or name 'Nobody'" in missing.stderr
    wrong = run(app, session, "findings", demo.id, "--scenario", "Target Z")
    assert wrong.exit_code == 1 and "No scenario 'Target Z'" in wrong.stderr


def test_freshness_of_inventory_on_the_web_is_a_day_over_the_nightly_file(app, session, demo):
    document = as_json(run(app, session, "freshness", demo.id, "--entity", "inventory", "--channel", "web", "--json"))
    [row] = document["rows"]
    assert (row["status"], row["worst_latency_seconds"], row["latency_seconds"]) == ("known", 86400, 43200)
    assert [s["name"] for s in row["path"]["systems"]] == ["SAP ECC", "MuleSoft Anypoint", "Salesforce Commerce Cloud"]
    assert [h["pattern"] for h in row["path"]["hops"]] == ["batch", "batch"]
    assert [s["name"] for s in row["systems_of_record"]] == ["SAP ECC", "Blue Yonder WMS"]


def test_freshness_says_why_it_is_unknown_in_text(app, session, demo):
    result = run(app, session, "freshness", demo.id, "--entity", "inventory")
    assert result.exit_code == 0, result.output
    assert "Inventory → Web: 24 h / 12 h  via SAP ECC → MuleSoft Anypoint → Salesforce Commerce Cloud" in result.stdout
    assert "Inventory → Stores: unknown (no_path:" in result.stdout
    bad = run(app, session, "freshness", demo.id, "--entity", "stock")
    assert bad.exit_code == 1 and "No entity 'stock'" in bad.stderr


def test_criteria_as_json_give_each_verdict_with_its_evidence(app, session, demo):
    document = as_json(run(app, session, "criteria", demo.id, "--json"))
    req1 = next(r for r in document["requirements"] if r["ref"] == "REQ-1")
    assert req1["status"] == "fail"
    web = req1["criteria"][0]
    assert (web["text"], web["status"], web["actual"], web["expected"]) == (
        "freshness(inventory, web) <= 60s", "fail", 86400, "<= 1 min"
    )
    assert web["path"]["hop_count"] == 2
    assert document["counts"] == {"pass": 1, "fail": 3, "unknown": 1, "error": 0}


def test_criteria_for_one_requirement_in_the_target_pass(app, session, demo):
    result = run(app, session, "criteria", demo.id, "--scenario", TARGET, "--requirement", "req-1")
    assert result.exit_code == 0, result.output
    assert "REQ-1: pass" in result.stdout and "[pass] freshness(inventory, app) <= 60s" in result.stdout
    missing = run(app, session, "criteria", demo.id, "--requirement", "REQ-99")
    assert missing.exit_code == 1 and "No requirement 'REQ-99'" in missing.stderr


def test_impact_of_a_system_by_entity_and_depth(app, session, demo):
    document = as_json(run(app, session, "impact", demo.id, "SAP ECC", "--depth", "1", "--entity", "price", "--json"))
    assert document["origin"]["kind"] == "system" and document["origin"]["name"] == "SAP ECC"
    assert [i["system"]["name"] for i in document["upstream"]] == ["Pricefx"]
    assert {i["system"]["name"] for i in document["downstream"]} == {"Oracle Xstore POS", "MuleSoft Anypoint"}
    assert [c["name"] for c in document["channels"]] == ["Stores"]
    assert {d["name"] for d in document["decisions"]} >= {"ADR-1 Keep SAP ECC as stock master during the transition"}


def test_impact_of_a_flow_and_its_errors(app, session, demo):
    freshness = as_json(run(app, session, "freshness", demo.id, "--entity", "inventory", "--channel", "web", "--json"))
    nightly = freshness["rows"][0]["path"]["hops"][0]["flow_id"]
    result = run(app, session, "impact", demo.id, "--flow", nightly)
    assert result.exit_code == 0, result.output
    assert "impact of flow SAP ECC → Salesforce Commerce Cloud: Inventory" in result.stdout
    neither = run(app, session, "impact", demo.id)
    assert neither.exit_code == 1 and "Give either a system or a flow." in neither.stderr


def test_compare_reports_model_findings_criteria_and_metrics(app, session, demo):
    document = as_json(run(app, session, "compare", demo.id, "current", "central oms", "--json"))
    assert (document["a"]["name"], document["b"]["name"]) == ("Current state", TARGET)
    assert [s["name"] for s in document["model"]["systems"]["added"]] == ["Manhattan Active Omni"]
    assert len(document["model"]["flows"]["added"]) == 10 and len(document["model"]["flows"]["removed"]) == 6
    assert document["model"]["ownerships"]["changed"][0]["changed"] == ["role"]
    assert document["criteria"]["to_pass"] == ["REQ-1", "REQ-5"] and document["criteria"]["to_fail"] == []
    assert len(document["findings"]["resolved"]) == 22 and document["findings"]["introduced"] == []
    assert document["metrics"]["a"]["inventory_worst_freshness_seconds"]["Web"] == 86400
    assert document["metrics"]["b"]["inventory_worst_freshness_seconds"]["Web"] == 0
    assert (document["metrics"]["a"]["sor_conflicts"], document["metrics"]["b"]["sor_conflicts"]) == (1, 0)


def test_compare_in_text_lists_what_changed(app, session, demo):
    result = run(app, session, "compare", demo.id, "Current state", TARGET)
    assert result.exit_code == 0, result.output
    assert "+ Manhattan Active Omni" in result.stdout
    assert "Criteria: REQ-1 fail → pass" in result.stdout
    assert "Inventory freshness on Web: 24 h → 0 s" in result.stdout


def test_rules_can_be_switched_off_and_reweighted_from_the_command_line(app, session, demo):
    off = run(app, session, "set-rule", demo.id, "system.spof", "--disable")
    assert off.exit_code == 0 and off.stdout.strip() == "system.spof: off, severity high"
    heavier = run(app, session, "set-rule", demo.id, "coverage.decision_orphan", "--severity", "high")
    assert heavier.stdout.strip() == "coverage.decision_orphan: on, severity high"
    rules = {r["id"]: r for r in as_json(run(app, session, "rules", demo.id, "--json"))}
    assert rules["system.spof"]["enabled"] is False
    assert (rules["coverage.decision_orphan"]["severity"], rules["coverage.decision_orphan"]["default_severity"]) == (
        "high", "info"
    )
    findings = as_json(run(app, session, "findings", demo.id, "--json"))
    assert findings["disabled_rules"] == ["system.spof"]
    assert not any(f["rule_id"] == "system.spof" for f in findings["findings"])
    session.expire_all()
    assert session.get(Engagement, demo.id).settings["rules"]["system.spof"] == {"enabled": False, "severity": "high"}


def test_an_unknown_rule_is_refused_with_the_known_ids(app, session, demo):
    result = run(app, session, "set-rule", demo.id, "no.such.rule")
    assert result.exit_code == 1 and "error: rule: Unknown rule 'no.such.rule'" in result.stderr
    listed = run(app, session, "rules", demo.id)
    assert "on   critical  sor.multiple" in listed.stdout
