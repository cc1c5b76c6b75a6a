"""Coverage rules: must-haves without an accepted decision, decisions without a requirement."""

from __future__ import annotations

from app.graph.findings import run_findings
from tests.graph.model_builder import Model


def findings(m: Model, rule_id: str):
    return run_findings(m.graph(), rule_ids=[rule_id]).findings


def test_a_must_have_without_any_decision_is_unaddressed():
    m = Model().requirement("REQ-1", priority="must")
    [f] = findings(m, "coverage.must_unaddressed")
    assert f.requirements == (m["REQ-1"],) and "no decision addresses it" in f.explanation


def test_a_must_have_addressed_only_by_a_proposed_decision_is_unaddressed_and_says_so():
    m = Model().requirement("REQ-1", priority="must").decision("ADR-1", status="proposed")
    m.link("addresses", "REQ-1", "ADR-1")
    [f] = findings(m, "coverage.must_unaddressed")
    assert f.decisions == (m["ADR-1"],) and "ADR-1 (proposed)" in f.explanation


def test_an_accepted_decision_covers_it_and_shoulds_and_dropped_musts_are_not_checked():
    m = Model().requirement("REQ-1", priority="must").decision("ADR-1")
    m.link("addresses", "REQ-1", "ADR-1")
    m.requirement("REQ-2", priority="should").requirement("REQ-3", priority="must", status="dropped")
    assert findings(m, "coverage.must_unaddressed") == ()


def test_a_live_decision_without_a_requirement_is_an_orphan_but_a_rejected_one_is_not():
    m = Model().decision("ADR-1").decision("ADR-2", status="rejected").decision("ADR-3", status="proposed")
    m.requirement("REQ-1").link("addresses", "REQ-1", "ADR-3")
    [f] = findings(m, "coverage.decision_orphan")
    assert f.decisions == (m["ADR-1"],) and f.severity == "info"
