"""The rule suite: stable ids, ordering, engagement switches and severity overrides, edge-case models."""

from __future__ import annotations

import pytest

from app.graph.findings import RULES, SEVERITIES, parse_settings, run_findings
from tests.graph.model_builder import Model, retail

EXPECTED_RULES = {
    "sor.missing", "sor.multiple", "writers.conflict", "freshness.batch_critical", "channel.no_path",
    "system.orphan", "system.spof", "entity.sync_cycle", "integration.sprawl", "lifecycle.retiring_critical",
    "customer.unowned_system", "coverage.must_unaddressed", "coverage.decision_orphan", "returns.no_order_lookup",
}  # fmt: skip


def test_every_rule_of_the_issue_is_registered_with_a_valid_severity_and_description():
    assert set(RULES) == EXPECTED_RULES
    for rule in RULES.values():
        assert rule.severity in SEVERITIES and rule.title and rule.description


def test_the_empty_model_has_no_findings():
    assert run_findings(Model().graph()).findings == ()


def test_a_model_with_no_system_of_record_reports_every_entity_in_use_and_nothing_about_paths():
    m = Model()
    m.system("Shop", "ecommerce", channels=["Web"])
    m.flow("ERP", "Shop", "Inventory", "Price", pattern="event")
    report = run_findings(m.graph())
    assert {f.key for f in report.by_rule("sor.missing")} == {
        f"sor.missing:entity={m['Inventory']}", f"sor.missing:entity={m['Price']}"
    }
    assert report.by_rule("channel.no_path") == () and report.by_rule("freshness.batch_critical") == ()


def test_findings_come_most_severe_first_with_counts_per_severity():
    m = retail()
    m.owns("WMS", "Inventory")
    m.flow("ERP", "Web shop", "Inventory", pattern="batch")
    m.system("Forgotten")
    report = run_findings(m.graph())
    ranks = [SEVERITIES.index(f.severity) for f in report.findings]
    assert ranks == sorted(ranks) and report.findings[0].rule_id == "sor.multiple"
    assert sum(report.counts.values()) == len(report.findings) and set(report.counts) == set(SEVERITIES)


def test_an_engagement_can_switch_a_rule_off_and_reweight_another():
    m = retail()
    m.owns("WMS", "Inventory")
    m.system("Forgotten")
    settings = parse_settings({"system.orphan": {"enabled": False}, "sor.multiple": {"severity": "info"}})
    report = run_findings(m.graph(), settings)
    assert report.by_rule("system.orphan") == () and "system.orphan" in report.disabled
    assert [f.severity for f in report.by_rule("sor.multiple")] == ["info"]
    assert settings["sor.multiple"].overridden and not settings["sor.missing"].overridden


def test_junk_in_the_settings_document_falls_back_to_the_defaults():
    settings = parse_settings({"sor.multiple": {"severity": "apocalyptic", "enabled": "yes"}, "nope": 3})
    assert settings["sor.multiple"].severity == "critical" and settings["sor.multiple"].enabled
    assert parse_settings(None) == parse_settings([])


def test_asking_for_an_unknown_rule_is_an_error():
    with pytest.raises(KeyError, match="no.such.rule"):
        run_findings(Model().graph(), rule_ids=["no.such.rule"])


def test_finding_keys_are_stable_across_builds_of_the_same_model():
    m = retail()
    m.owns("WMS", "Inventory")
    m.flow("ERP", "Web shop", "Inventory", pattern="batch")
    assert run_findings(m.graph()).keys == run_findings(m.graph()).keys
