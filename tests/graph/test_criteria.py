"""Evaluating criteria on a scenario: pass, fail or unknown with evidence, and errors instead of crashes."""

from __future__ import annotations

from app.graph.criteria import ERROR, FAIL, PASS, UNKNOWN, evaluate_all, evaluate_criterion, evaluate_requirement
from tests.graph.model_builder import Model, retail


def stock_by_file() -> Model:
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", "Price", pattern="batch", latency=43200, worst=86400, via="ESB")
    return m


def test_freshness_fails_with_the_path_and_its_worst_latency_as_evidence():
    m = stock_by_file()
    r = evaluate_criterion(m.graph(), "freshness(inventory, web) <= 60s")
    assert r.status == FAIL and r.actual == 86400 and r.expected == "<= 1 min"
    assert r.path.systems == (m["ERP"], m["ESB"], m["Web shop"]) and r.systems == r.path.systems
    assert "worst latency 24 h over 2 hop(s)" in r.message


def test_freshness_passes_when_the_worst_latency_meets_the_bound():
    m = stock_by_file()
    assert evaluate_criterion(m.graph(), "freshness(inventory, app) <= 1d").status == PASS
    assert evaluate_criterion(m.graph(), "freshness(inventory, app) < 1d").status == FAIL


def test_freshness_is_unknown_with_a_reason_when_the_model_cannot_tell():
    m = stock_by_file()
    m.flow("Shop", "CRM", "Customer")
    g = m.graph()
    no_sor = evaluate_criterion(g, "freshness(customer, web) <= 1h")
    no_holder = evaluate_criterion(g, "freshness(inventory, stores) <= 1h")
    assert (no_sor.status, no_sor.reason) == (UNKNOWN, "no_sor")
    assert (no_holder.status, no_holder.reason) == (UNKNOWN, "no_holder")
    assert "none of the channel's systems holds" in no_holder.message


def test_sor_count_counts_systems_of_record():
    m = retail()
    m.owns("WMS", "Inventory")
    g = m.graph()
    assert evaluate_criterion(g, "sor_count(inventory) == 1").status == FAIL
    assert evaluate_criterion(g, "sor_count(inventory) == 2").status == PASS
    r = evaluate_criterion(g, "sor_count(customer) == 1")
    assert r.status == FAIL and r.actual == 0 and "none" in r.message


def test_reachable_follows_flows_carrying_the_entity_from_a_channel_system_to_a_category():
    m = retail()
    m.system("OMS", "oms")
    m.flow("POS", "OMS", "Order", via="ESB")
    r = evaluate_criterion(m.graph(), "reachable(order, store -> OMS)")
    assert r.status == PASS and r.path.systems == (m["POS"], m["ESB"], m["OMS"])
    assert evaluate_criterion(m.graph(), "reachable(inventory, store -> oms)").status == FAIL


def test_reachable_accepts_a_category_label_or_a_system_name_and_fails_when_none_exists():
    m = retail()
    m.flow("POS", "ERP", "Order")
    g = m.graph()
    assert evaluate_criterion(g, "reachable(order, stores -> ERP)").status == PASS
    assert evaluate_criterion(g, "reachable(order, stores -> \"E-commerce platform\")").status == FAIL
    missing = evaluate_criterion(g, "reachable(order, stores -> OMS)")
    assert missing.status == FAIL and missing.reason == "no_target" and "OMS" in missing.message


def test_no_pattern_lists_the_offending_flows():
    m = retail()
    manual = m.flow("POS", "ERP", "Order", pattern="manual")
    g = m.graph()
    r = evaluate_criterion(g, "no_pattern(order, manual)")
    assert r.status == FAIL and r.flows == (manual,) and "1 manual flow(s): POS → ERP: Order" in r.message
    assert evaluate_criterion(g, "no_pattern(order, Batch file)").status == PASS


def test_max_hops_counts_middleware_as_a_hop():
    m = stock_by_file()
    g = m.graph()
    assert evaluate_criterion(g, "max_hops(price, app) <= 2").status == PASS
    r = evaluate_criterion(g, "max_hops(price, app) <= 1")
    assert r.status == FAIL and r.actual == 2
    assert evaluate_criterion(g, "max_hops(price, stores) <= 1").status == UNKNOWN


def test_a_name_that_matches_nothing_or_too_much_is_an_error_pointing_at_it():
    m = retail()
    m.channel("Kiosk app")
    g = m.graph()
    unknown = evaluate_criterion(g, "freshness(stock, web) <= 60s")
    assert (unknown.status, unknown.column) == (ERROR, 11) and "no entity matches 'stock'" in unknown.message
    ambiguous = evaluate_criterion(g, "freshness(inventory, app) <= 60s")
    assert ambiguous.status == ERROR and "is ambiguous: Kiosk app, Mobile app" in ambiguous.message


def test_a_malformed_criterion_is_an_error_result_not_an_exception():
    r = evaluate_criterion(retail().graph(), "freshness(inventory, web) <= 60 parsecs")
    assert r.status == ERROR and r.message.startswith("column 33: unknown unit 'parsecs'")


def test_a_requirement_evaluates_each_criterion_line_and_keeps_prose_aside():
    m = stock_by_file()
    m.requirement("REQ-1", "Stock must be fresh.\nfreshness(inventory, web) <= 60s\n\nsor_count(inventory) == 1")
    result = evaluate_requirement(m.graph(), m.requirements[0])
    assert [(r.line, r.status) for r in result.results] == [(2, FAIL), (4, PASS)]
    assert result.prose == ("Stock must be fresh.",) and result.status == FAIL


def test_a_requirement_takes_the_worst_verdict_of_its_lines_error_over_fail_over_unknown_over_pass():
    m = stock_by_file()
    m.requirement("REQ-1", "sor_count(inventory) == 1\nfreshness(customer, web) <= 1h")
    m.requirement("REQ-2", "sor_count(inventory) == 1\nfreshness(inventory, web) <= 1d")
    m.requirement("REQ-3", "Only prose here.")
    m.requirement("REQ-4", "sor_count(inventory) == 1\nfreshness(nothing, web) <= 1d")
    m.requirement("REQ-5", "freshness(inventory, web) <= 1s\nfreshness(customer, web) <= 1h")
    m.requirement("REQ-6", "freshness(inventory, web) <= 1s\nfreshness(nothing, web) <= 1d")
    report = evaluate_all(m.graph())
    assert [(r.ref, r.status) for r in report.requirements] == [
        ("REQ-1", UNKNOWN), ("REQ-2", PASS), ("REQ-4", ERROR), ("REQ-5", FAIL), ("REQ-6", ERROR)]
    assert report.counts == {"pass": 4, "fail": 2, "unknown": 2, "error": 2}


def test_the_empty_model_makes_everything_unknown_or_an_error_never_a_crash():
    g = Model().graph()
    assert evaluate_criterion(g, "freshness(inventory, web) <= 60s").status == ERROR
    assert evaluate_all(g).requirements == ()
