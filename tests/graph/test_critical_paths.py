"""Critical paths: the order, return and payment paths from the channels to fulfilment, next to the entity paths
from a system of record to the channels, and the rules that follow them."""

from __future__ import annotations

from app.graph.critical import CAPTURE_KINDS, critical_paths, single_points
from app.graph.findings import run_findings
from models.vocab import SYSTEM_CATEGORIES
from tests.graph.model_builder import Model


def findings(m: Model, rule_id: str):
    return run_findings(m.graph(), rule_ids=[rule_id]).findings


def orders_through_oms(oms_lifecycle: str = "active") -> Model:
    """The seed's shape: the web shop and the stores send every order to one OMS, which hands it to ERP and WMS."""
    m = Model()
    m.system("Web shop", "ecommerce", channels=["Web"]).system("POS", "pos", channels=["Stores"])
    m.system("OMS", "oms", lifecycle=oms_lifecycle).system("ERP", "erp").system("WMS", "wms")
    m.flow("Web shop", "OMS", "Order")
    m.flow("POS", "OMS", "Order")
    m.flow("OMS", "ERP", "Order")
    m.flow("OMS", "WMS", "Order")
    # Stock goes out from the ERP on its own flows, so the OMS is no cut vertex of the landscape.
    m.owns("ERP", "Inventory")
    m.flow("ERP", "WMS", "Inventory")
    m.flow("ERP", "Web shop", "Inventory")
    m.flow("ERP", "POS", "Inventory")
    return m


def test_the_categories_that_end_capture_paths_are_real_system_categories():
    for kind in CAPTURE_KINDS:
        assert kind.ends | kind.sinks <= set(SYSTEM_CATEGORIES), kind.kind


def test_the_order_capture_path_runs_from_the_channels_through_the_oms_to_erp_and_wms():
    m = orders_through_oms()
    g = m.graph()
    [order] = [p for p in critical_paths(g) if p.kind == "order"]
    assert order.starts == {m["Web shop"], m["POS"]} and order.sinks == {m["ERP"], m["WMS"]}
    assert order.systems == {m["Web shop"], m["POS"], m["OMS"], m["ERP"], m["WMS"]}
    assert order.channels(g) == (m["Web"], m["Stores"])
    assert single_points(g, order) == {m["OMS"]}


def test_a_retiring_oms_every_order_passes_through_is_a_retiring_system_on_a_critical_path():
    m = orders_through_oms("retiring")
    [f] = findings(m, "lifecycle.retiring_critical")
    assert f.systems == (m["OMS"],) and f.entities == (m["Order"],)
    assert "order capture path" in f.explanation and f.channels == (m["Web"], m["Stores"])


def test_a_retiring_oms_that_is_the_order_system_of_record_is_reported_without_any_fulfilment_system():
    m = Model()
    m.system("Web shop", "ecommerce", channels=["Web"]).system("Old OMS", "oms", lifecycle="retired")
    m.owns("Old OMS", "Order")
    m.flow("Web shop", "Old OMS", "Order")
    [f] = findings(m, "lifecycle.retiring_critical")
    assert f.systems == (m["Old OMS"],)


def test_a_retiring_system_that_orders_bypass_or_only_receive_afterwards_is_not_on_the_order_path():
    m = Model()
    m.system("Web shop", "ecommerce", channels=["Web"]).system("ERP", "erp")
    m.system("Old OMS", "oms", lifecycle="retiring").system("Old DWH", lifecycle="retiring")
    m.flow("Web shop", "ERP", "Order")
    m.flow("ERP", "Old DWH", "Order")  # reporting after fulfilment: the order is already handled
    m.flow("Old OMS", "ERP", "Product")  # the old OMS carries no orders any more
    assert findings(m, "lifecycle.retiring_critical") == ()


def test_retiring_systems_on_the_return_and_payment_paths_are_reported_too():
    m = Model()
    m.system("Web shop", "ecommerce", channels=["Web"]).system("OMS", "oms").system("PSP", "custom")
    m.system("Returns portal", lifecycle="retiring").system("Old PSP", "payment", lifecycle="retiring")
    m.flow("Web shop", "Returns portal", "Return")
    m.flow("Returns portal", "OMS", "Return")
    m.flow("Web shop", "Old PSP", "Payment")
    found = {f.systems[0]: f for f in findings(m, "lifecycle.retiring_critical")}
    assert set(found) == {m["Returns portal"], m["Old PSP"]}
    assert "return path" in found[m["Returns portal"]].explanation
    assert "payment path" in found[m["Old PSP"]].explanation


def test_the_oms_every_order_passes_through_is_a_single_point_of_failure_though_no_cut_vertex():
    m = orders_through_oms()
    [f] = findings(m, "system.spof")
    assert f.systems == (m["OMS"],) and f.entities == (m["Order"],)
    assert "every route of the order capture path passes through it" in f.explanation
    assert f.metrics["critical_paths"] == 1 and f.metrics["cut_off"] == 0


def test_a_second_route_for_orders_to_fulfilment_means_the_oms_is_no_single_point():
    m = orders_through_oms()
    m.flow("Web shop", "ERP", "Order")
    g = m.graph()
    [order] = [p for p in critical_paths(g) if p.kind == "order"]
    assert single_points(g, order) == frozenset()
    assert findings(m, "system.spof") == ()


def test_middleware_every_stock_update_passes_through_is_a_single_point_of_the_entity_path():
    m = Model()
    m.system("Web shop", "ecommerce", channels=["Web"]).system("POS", "pos", channels=["Stores"])
    m.system("ERP", "erp").system("ESB", "ipaas")
    m.owns("ERP", "Inventory")
    m.flow("ERP", "Web shop", "Inventory", via="ESB")
    m.flow("ERP", "POS", "Inventory", via="ESB")
    m.flow("Web shop", "POS", "Customer")  # keeps the ESB from being a cut vertex
    [f] = findings(m, "system.spof")
    assert f.systems[0] == m["ESB"] and "Inventory from its system of record" in f.explanation


def test_a_batch_order_feed_inside_the_order_path_is_time_critical_data_on_a_slow_feed():
    m = orders_through_oms()
    m.system("3PL", "3pl").system("DWH")
    nightly = m.flow("OMS", "3PL", "Order", pattern="batch", latency=3600, worst=86400)
    m.flow("ERP", "DWH", "Order", pattern="batch")  # after fulfilment: not on the path
    [f] = findings(m, "freshness.batch_critical")
    assert f.flows == (nightly,) and "on the order capture path" in f.title
    assert f.channels == (m["Web"], m["Stores"]) and "24 h" in f.explanation


def test_without_an_order_entity_or_any_channel_there_is_no_capture_path():
    m = Model()
    m.system("ERP", "erp").system("WMS", "wms")
    m.flow("ERP", "WMS", "Order")  # no customer-facing system starts an order path
    assert [p.kind for p in critical_paths(m.graph())] == []
    m2 = Model()
    m2.system("Web shop", "ecommerce", channels=["Web"]).system("OMS", "oms")
    m2.flow("Web shop", "OMS", "Product")
    assert critical_paths(m2.graph()) == ()
