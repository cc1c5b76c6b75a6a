"""Comparing scenarios: membership diff with replacements, findings, criteria flips, headline metrics."""

from __future__ import annotations

from dataclasses import replace

from app.graph import snapshot as s
from app.graph.compare import compare
from app.graph.model import build_graph
from tests.graph.model_builder import retail


def two_scenarios():
    """Today: stock by nightly file. Target: the same systems, stock by events, the WMS no longer SoR."""
    m = retail()
    m.requirement("REQ-1", "freshness(inventory, web) <= 60s", priority="must")
    nightly = m.flow("ERP", "Web shop", "Inventory", pattern="batch", latency=43200, worst=86400)
    m.owns("WMS", "Inventory")
    today = m.snapshot()
    events = s.Flow(9001, m["ERP"], m["Web shop"], frozenset({m["Inventory"]}), "event", 2, 30)
    wms_sor = next(o for o in today.ownerships if o.system == m["WMS"])
    target = replace(
        today,
        scenario_id=2,
        scenario_name="Target",
        flows=tuple(f for f in today.flows if f.id != nightly) + (events,),
        ownerships=tuple(o for o in today.ownerships if o is not wms_sor)
        + (s.Ownership(9002, m["WMS"], m["Inventory"], "authoritative"),),
        systems=today.systems + (s.System(9003, "OMS", "oms"),),
    )
    return m, nightly, build_graph(today), build_graph(target)


def test_a_flow_with_the_same_ends_and_entities_but_a_new_pattern_is_changed_not_added_and_removed():
    m, nightly, a, b = two_scenarios()
    diff = compare(a, b).model
    assert [(r.before, r.after, r.changed) for r in diff.flow_changes] == [
        (nightly, 9001, ("pattern", "latency", "worst_latency"))
    ]
    assert diff.flows.added == () and diff.flows.removed == ()
    assert [(r.before, r.after, r.changed) for r in diff.ownership_changes][0][1:] == (9002, ("role",))
    assert diff.systems.added == (9003,) and diff.systems.removed == ()


def test_findings_are_resolved_introduced_or_persisting_by_key():
    m, nightly, a, b = two_scenarios()
    findings = compare(a, b).findings
    resolved = {f.key for f in findings.resolved}
    assert f"sor.multiple:entity={m['Inventory']}" in resolved
    assert f"freshness.batch_critical:flow={nightly}:entity={m['Inventory']}" in resolved
    assert {f.key for f in findings.introduced} == {"system.orphan:system=9003"}
    assert all(x.key == y.key for x, y in findings.persisting)


def test_a_requirement_that_flips_from_fail_to_pass_is_reported():
    _, _, a, b = two_scenarios()
    criteria = compare(a, b).criteria
    assert [(c.ref, c.before, c.after) for c in criteria.to_pass] == [("REQ-1", "fail", "pass")]
    assert criteria.to_fail == ()


def test_headline_metrics_show_the_conflict_gone_and_the_web_fresher():
    m, _, a, b = two_scenarios()
    result = compare(a, b)
    assert (result.metrics_a.sor_conflicts, result.metrics_b.sor_conflicts) == (1, 0)
    assert result.metrics_a.inventory_freshness[m["Web"]] == 86400
    assert result.metrics_b.inventory_freshness[m["Web"]] == 30
    assert result.metrics_a.integrations == result.metrics_b.integrations == 1


def test_comparing_a_scenario_with_itself_finds_nothing():
    _, _, a, _ = two_scenarios()
    assert compare(a, a).empty


def test_comparing_the_other_way_round_reverses_every_part():
    _, _, a, b = two_scenarios()
    assert compare(b, a) == compare(a, b).reversed()
    assert not compare(a, b).empty
