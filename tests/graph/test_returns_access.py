"""What the architecture allows for returns: order lookup, customer match, refund path and restock latency, the
criteria returnable(a -> b) and refund_path(a -> b), and the returns.no_order_lookup finding."""

from __future__ import annotations

from app.graph.criteria import FAIL, PASS, evaluate_criterion
from app.graph.findings import run_findings
from app.graph.returns import dc_latency, restock_latency, return_access
from tests.graph.model_builder import Model


def stores_blind() -> Model:
    """A web shop sends orders to the ERP; the POS sends its stock to the ERP nightly; payments sit in a PSP."""
    m = Model()
    m.system("Shop", "ecommerce", channels=["Web"])
    m.system("POS", "pos", channels=["Stores"])
    m.system("PSP", "payment", channels=["Web", "Stores"])
    m.owns("ERP", "Order").owns("ERP", "Inventory").owns("PSP", "Payment")
    m.flow("Shop", "ERP", "Order", latency=900, worst=3600)
    m.flow("POS", "ERP", "Order", "Inventory", pattern="batch", latency=43200, worst=86400)
    m.flow("ERP", "Shop", "Inventory", pattern="batch", latency=43200, worst=86400)
    m.flow("Shop", "POS", "Customer")
    return m


def with_oms(m: Model) -> Model:
    """The target: an OMS serving the stores gets the web orders within a minute."""
    m.system("OMS", "oms", channels=["Stores"])
    m.flow("Shop", "OMS", "Order", latency=2, worst=60)
    return m


def test_stores_without_an_order_path_cannot_look_up_web_orders_and_say_which_systems():
    m = stores_blind()
    access = return_access(m.graph(), m["Web"], m["Stores"])
    assert not access.order.ok and not access.refund
    assert access.blocked == "POS, PSP have no path to Web orders"
    assert access.customer.ok  # the shop sends customers to the POS


def test_an_oms_serving_the_stores_gives_them_the_order_and_a_refund_path_through_the_psp():
    m = with_oms(stores_blind())
    access = return_access(m.graph(), m["Web"], m["Stores"])
    assert access.order.ok and access.refund
    assert access.order.path.systems == (m["Shop"], m["OMS"])
    assert access.order.worst_latency == 60


def test_a_channel_always_sees_its_own_orders():
    m = stores_blind()
    assert return_access(m.graph(), m["Stores"], m["Stores"]).blocked == ""


def test_restocked_store_units_reach_the_web_along_the_inventory_path_and_dc_units_by_freshness():
    m = stores_blind()
    g = m.graph()
    # POS -> ERP nightly, ERP -> Shop nightly: two days at worst.
    assert restock_latency(g, m["Stores"], m["Web"]) == 172800
    assert restock_latency(g, m["Web"], m["Stores"]) is None  # the shop's stock never reaches the POS
    assert dc_latency(g, m["Web"]) == 86400


def test_the_criteria_pass_or_fail_with_the_blocking_systems_as_evidence():
    blind, target = stores_blind().graph(), with_oms(stores_blind()).graph()
    failed = evaluate_criterion(blind, "returnable(web -> stores)")
    assert failed.status == FAIL and failed.message == "POS, PSP have no path to Web orders"
    assert evaluate_criterion(blind, "refund_path(web -> stores)").status == FAIL
    assert evaluate_criterion(target, "returnable(web -> stores)").status == PASS
    passed = evaluate_criterion(target, "refund_path(web -> stores)")
    assert passed.status == PASS and "Shop → OMS" in passed.message


def test_a_malformed_returns_criterion_names_what_it_expects():
    result = evaluate_criterion(stores_blind().graph(), "returnable(web)")
    assert result.status == "error"
    assert "expected 'channel -> channel' here" in result.message


def test_a_store_channel_blind_to_web_orders_is_a_finding_and_the_oms_clears_it():
    m = stores_blind()
    findings = {f.title: f for f in run_findings(m.graph()).by_rule("returns.no_order_lookup")}
    # Neither side sees the other's orders: the shop gets no store orders either.
    assert set(findings) == {"Stores cannot look up orders from Web", "Web cannot look up orders from Stores"}
    assert set(findings["Stores cannot look up orders from Web"].systems) == {m["POS"], m["PSP"]}
    target = run_findings(with_oms(stores_blind()).graph()).by_rule("returns.no_order_lookup")
    assert [f.title for f in target] == ["Web cannot look up orders from Stores"]
