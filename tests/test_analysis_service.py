"""The analysis service: snapshots from the database, rule settings, and the demo engagement's findings."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.graph import snapshot as pure
from app.services.analysis import scenario as analysis
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import save_scenario
from models import Engagement, Scenario, System
from models.vocab import DECISION_STATUSES, FLOW_DIRECTIONS, FLOW_PATTERNS, LIFECYCLE, OWNERSHIP_ROLES, PRIORITIES

TARGET = "Target A — central OMS"

CURRENT_STATE_FINDINGS = [
    ("sor.multiple", "Inventory has 2 systems of record"),
    ("channel.no_path", "Web gets no Order from its system of record"),
    ("channel.no_path", "Mobile app gets no Order from its system of record"),
    ("channel.no_path", "Stores gets no Order from its system of record"),
    ("channel.no_path", "Stores gets no Inventory from its system of record"),
    ("channel.no_path", "Marketplaces gets no Order from its system of record"),
    ("channel.no_path", "Marketplaces gets no Price from its system of record"),
    ("channel.no_path", "Call centre gets no Order from its system of record"),
    ("channel.no_path", "Call centre gets no Inventory from its system of record"),
    ("channel.no_path", "Call centre gets no Price from its system of record"),
    ("freshness.batch_critical",
     "SAP ECC → Salesforce Commerce Cloud sends Inventory by batch file towards Web, Mobile app"),
    ("freshness.batch_critical", "SAP ECC → ChannelAdvisor sends Inventory by batch file towards Marketplaces"),
    ("freshness.batch_critical",
     "Salesforce Commerce Cloud → SAP ECC sends Order by batch file on the order capture path"),
    ("freshness.batch_critical",
     "Blue Yonder WMS → SAP ECC sends Inventory by batch file towards Web, Mobile app, Marketplaces"),
    ("freshness.batch_critical", "Oracle Xstore POS → SAP ECC sends Order by batch file on the order capture path"),
    ("freshness.batch_critical",
     "Oracle Xstore POS → SAP ECC sends Inventory by batch file towards Web, Mobile app, Marketplaces"),
    ("freshness.batch_critical", "SAP ECC → Oracle Xstore POS sends Price by batch file towards Stores"),
    ("freshness.batch_critical", "Pricefx → SAP ECC sends Price by batch file towards Web, Mobile app, Stores"),
    ("freshness.batch_critical",
     "SAP ECC → Salesforce Commerce Cloud sends Price by batch file towards Web, Mobile app"),
    ("freshness.batch_critical", "ChannelAdvisor → SAP ECC sends Order by batch file on the order capture path"),
    ("freshness.batch_critical", "SAP ECC → Bleckmann 3PL sends Order by batch file on the order capture path"),
    ("lifecycle.retiring_critical", "SAP ECC is retiring but still carries Inventory, Price, Order, Payment"),
    ("sor.missing", "Customer has no system of record"),
    ("sor.missing", "Return has no system of record"),
    ("system.spof", "Salesforce Commerce Cloud is a single point of failure"),
    ("system.spof", "SAP ECC is a single point of failure"),
    ("system.spof", "MuleSoft Anypoint is a single point of failure"),
    ("coverage.must_unaddressed", "REQ-1 has no accepted decision"),
    ("coverage.must_unaddressed", "REQ-2 has no accepted decision"),
    ("coverage.must_unaddressed", "REQ-4 has no accepted decision"),
    ("coverage.must_unaddressed", "REQ-12 has no accepted decision"),
    ("coverage.must_unaddressed", "REQ-14 has no accepted decision"),
    ("entity.sync_cycle", "Payment loops between Salesforce Commerce Cloud, Adyen"),
    ("returns.no_order_lookup", "Web cannot look up orders from Stores, Marketplaces, Call centre"),
    ("returns.no_order_lookup", "Mobile app cannot look up orders from Stores, Marketplaces, Call centre"),
    ("returns.no_order_lookup", "Stores cannot look up orders from Web, Mobile app, Marketplaces, Call centre"),
    ("returns.no_order_lookup", "Marketplaces cannot look up orders from Web, Mobile app, Stores, Call centre"),
    ("returns.no_order_lookup", "Call centre cannot look up orders from Stores, Marketplaces"),
]  # fmt: skip


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def titles(report):
    return [(f.rule_id, f.title) for f in report.findings]


def test_the_pure_package_uses_the_vocabulary_codes_of_the_models():
    assert pure.SOR in OWNERSHIP_ROLES and pure.WRITE_ROLES.issubset(OWNERSHIP_ROLES)
    assert pure.SLOW_PATTERNS.issubset(FLOW_PATTERNS) and pure.TWO_WAY in FLOW_DIRECTIONS
    assert pure.MUST in PRIORITIES and pure.ACCEPTED in DECISION_STATUSES
    assert pure.LIVE_DECISION_STATUSES.issubset(DECISION_STATUSES)
    assert pure.RETIRING_LIFECYCLES.issubset(LIFECYCLE)


def test_the_demo_current_state_has_exactly_the_findings_its_story_needs(session, demo):
    report = analysis.analyse(session, demo).findings()
    assert titles(report) == CURRENT_STATE_FINDINGS
    assert report.counts == {"critical": 1, "high": 26, "medium": 11, "info": 0}
    nightly = next(f for f in report.findings if f.title.startswith("SAP ECC → Salesforce Commerce Cloud sends Inv"))
    assert "worst 24 h" in nightly.explanation


def test_target_a_resolves_the_stock_findings_and_keeps_the_price_ones(session, demo):
    a, b, result = analysis.compare_scenarios(session, demo, "current state", "target a")
    assert (a.scenario.name, b.scenario.name) == ("Current state", TARGET)
    resolved = {f.title for f in result.findings.resolved}
    assert "Inventory has 2 systems of record" in resolved and "REQ-1 has no accepted decision" in resolved
    # 18, and 4 channels that now look up each other's orders through the OMS (returns.no_order_lookup).
    assert len(result.findings.resolved) == 22 and result.findings.introduced == ()
    assert {f.title for _, f in result.findings.persisting} >= {
        "SAP ECC is retiring but still carries Price, Order, Payment", "Customer has no system of record"
    }
    assert [(c.ref, c.before, c.after) for c in result.criteria.changes] == [
        ("REQ-1", "fail", "pass"), ("REQ-2", "unknown", "pass"), ("REQ-5", "fail", "pass")
    ]
    web = b.channel_id("web")
    assert (result.metrics_a.inventory_freshness[web], result.metrics_b.inventory_freshness[web]) == (86400, 0)
    assert (result.metrics_a.sor_conflicts, result.metrics_b.sor_conflicts) == (1, 0)
    assert [b.snapshot.name_of(i) for i in result.model.systems.added] == ["Manhattan Active Omni"]
    [role] = result.model.ownership_changes
    assert b.snapshot.name_of(role.after) == "Blue Yonder WMS — Authoritative copy — Inventory"


def test_the_demo_criteria_fail_on_the_nightly_file_and_skip_prose(session, demo):
    loaded = analysis.analyse(session, demo)
    by_ref = {r.ref: r for r in loaded.criteria().requirements}
    assert by_ref["REQ-1"].status == "fail" and by_ref["REQ-1"].results[0].actual == 86400
    route = [loaded.snapshot.name_of(s) for s in by_ref["REQ-1"].results[0].path.systems]
    assert route == ["SAP ECC", "MuleSoft Anypoint", "Salesforce Commerce Cloud"]
    assert by_ref["REQ-2"].results[0].reason == "no_path"
    assert "REQ-3" not in by_ref  # "Exactly one system of record for Customer." is prose
    assert "REQ-6" not in by_ref and "REQ-14" not in by_ref  # availability and erasure are written as prose


def test_decisions_tied_to_another_scenario_are_left_out(session, demo):
    current = analysis.analyse(session, demo).snapshot
    target = analysis.analyse(session, demo, TARGET).snapshot
    assert [d.ref for d in current.decisions] == ["ADR-1", "ADR-2", "ADR-5"]
    assert [d.ref for d in target.decisions] == ["ADR-1", "ADR-2", "ADR-3", "ADR-4", "ADR-5"]


def test_the_snapshot_holds_the_scenario_members_and_the_engagement_wide_catalog(session, demo):
    current = analysis.analyse(session, demo).snapshot
    target = analysis.analyse(session, demo, TARGET).snapshot
    assert len(current.systems) == 16 and len(target.systems) == 17
    assert (len(current.flows), len(target.flows)) == (25, 29)
    assert len(current.channels) == len(target.channels) == 6 and len(current.requirements) == 13
    shop = next(s for s in current.systems if s.name == "Salesforce Commerce Cloud")
    assert {current.name_of(c) for c in shop.channel_ids} == {"Web", "Mobile app"}
    req = next(r for r in current.requirements if r.ref == "REQ-1")
    assert {current.name_of(c) for c in req.channel_ids} == {"Web", "Mobile app"}
    assert not next(s for s in current.systems if s.name == "Pricefx").has_owner


def test_loading_a_snapshot_takes_the_same_few_queries_whatever_the_size(session, engine, engagement, demo):
    def count(target: Engagement) -> int:
        scenario = analysis.find_scenario(session, target)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            analysis.load_snapshot(session, scenario)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len([s for s in statements if not s.startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"))])

    assert count(engagement) == count(demo) <= 11  # ten tables, plus the values the scenario holds of its own


def test_a_flow_whose_system_left_the_scenario_is_ignored_not_fatal(session, demo):
    target = session.scalar(select(Scenario).where(Scenario.engagement_id == demo.id, Scenario.name == TARGET))
    baseline = analysis.find_scenario(session, demo)
    pricefx = session.scalar(select(System).where(System.engagement_id == demo.id, System.name == "Pricefx"))
    save_element(session, demo, "system", {"scenario_ids": [baseline.id]}, pricefx, partial=True)
    loaded = analysis.analyse(session, demo, target)
    assert len(loaded.graph.dangling_flows) == 1
    assert "Pricefx → SAP ECC sends Price" not in " ".join(f.title for f in loaded.findings().findings)


def test_scenarios_are_found_by_id_or_loose_name_and_default_to_the_current_state(session, demo):
    target = session.scalar(select(Scenario).where(Scenario.engagement_id == demo.id, Scenario.name == TARGET))
    assert analysis.find_scenario(session, demo).name == "Current state"
    assert analysis.find_scenario(session, demo, str(target.id)) == target
    assert analysis.find_scenario(session, demo, "central oms") == target
    with pytest.raises(NotFound, match="No scenario 'Target B'"):
        analysis.find_scenario(session, demo, "Target B")
    save_scenario(session, demo, "Target B — composable")
    with pytest.raises(ValidationError, match="ambiguous"):
        analysis.find_scenario(session, demo, "target")


def test_a_rule_switched_off_or_reweighted_is_saved_on_the_engagement_and_honoured(session, demo):
    analysis.set_rule(session, demo, "system.spof", enabled=False)
    setting = analysis.set_rule(session, demo, "sor.multiple", True, "medium")
    assert (setting.enabled, setting.severity, setting.overridden) == (True, "medium", True)
    session.expire_all()
    reloaded = session.get(Engagement, demo.id)
    assert reloaded.settings["rules"] == {
        "system.spof": {"enabled": False, "severity": "high"},
        "sor.multiple": {"enabled": True, "severity": "medium"},
    }
    report = analysis.analyse(session, reloaded).findings()
    assert report.by_rule("system.spof") == () and report.disabled == ("system.spof",)
    assert [f.severity for f in report.by_rule("sor.multiple")] == ["medium"]


def test_setting_a_rule_back_to_its_default_removes_the_override(session, demo):
    analysis.set_rule(session, demo, "system.orphan", False, "high")
    analysis.set_rule(session, demo, "system.orphan", True, None)
    assert session.get(Engagement, demo.id).settings["rules"] == {}


def test_unknown_rules_and_severities_are_refused(session, demo):
    with pytest.raises(ValidationError) as err:
        analysis.set_rule(session, demo, "sor.nonsense", True, "dire")
    assert set(err.value.errors) == {"rule", "severity"}
    assert "sor.missing" in err.value.errors["rule"][0]
    assert session.get(Engagement, demo.id).settings == {}


def test_impact_needs_exactly_one_origin_and_known_names(session, demo):
    loaded = analysis.analyse(session, demo)
    with pytest.raises(ValidationError):
        loaded.impact()
    with pytest.raises(NotFound, match="No system 'Mainframe'"):
        loaded.impact("Mainframe")
    impact = loaded.impact("sap ecc", depth=1, entities=["price"])
    assert {loaded.snapshot.name_of(i.system_id) for i in impact.upstream} == {"Pricefx"}
    assert {loaded.snapshot.name_of(i.system_id) for i in impact.downstream} == {
        "Oracle Xstore POS", "MuleSoft Anypoint"
    }
