"""Path rules: slow feeds of time-critical data, channels cut off, retiring systems, sync cycles."""

from __future__ import annotations

from dataclasses import replace

from app.graph.findings import run_findings
from tests.graph.model_builder import Model, retail


def findings(m: Model, rule_id: str):
    return run_findings(m.graph(), rule_ids=[rule_id]).findings


def test_a_nightly_inventory_file_towards_the_web_is_flagged_with_the_channels_it_feeds():
    m = retail()
    nightly = m.flow("ERP", "Web shop", "Inventory", pattern="batch", latency=43200, worst=86400, via="ESB")
    [f] = findings(m, "freshness.batch_critical")
    assert f.key == f"freshness.batch_critical:flow={nightly}:entity={m['Inventory']}"
    assert f.channels == (m["Web"], m["Mobile app"]) and m["ESB"] in f.systems
    assert "24 h" in f.explanation


def test_a_batch_feed_further_upstream_of_a_channel_is_flagged_too():
    m = retail()
    upstream = m.flow("POS", "ERP", "Inventory", pattern="manual")
    m.flow("ERP", "Web shop", "Inventory", pattern="event")
    assert [f.flows for f in findings(m, "freshness.batch_critical")] == [(upstream,)]


def test_batch_feeds_of_non_critical_data_or_away_from_customers_are_not_flagged():
    m = retail()
    m.system("DWH", "custom")
    m.flow("ERP", "DWH", "Inventory", pattern="batch")  # no channel downstream
    m.flow("ERP", "Web shop", "Product", pattern="batch")  # product is not time-critical
    m.system("Kiosk", channels=["Store associate app"])
    m.flow("ERP", "Kiosk", "Inventory", pattern="batch")  # the channel is not customer-facing
    assert findings(m, "freshness.batch_critical") == ()


def test_a_customer_facing_channel_without_inventory_order_or_price_from_the_sor_is_cut_off():
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", "Price", "Order")
    m.flow("POS", "ERP", "Order")
    found = {(f.channels[0], f.entities[0]): f for f in findings(m, "channel.no_path")}
    assert set(found) == {(m["Stores"], m["Inventory"]), (m["Stores"], m["Price"]), (m["Stores"], m["Order"])}
    assert "none of its systems (POS) holds Inventory" in found[(m["Stores"], m["Inventory"])].explanation
    assert "no flow carries Order from ERP to POS" in found[(m["Stores"], m["Order"])].explanation


def test_channels_nobody_serves_internal_channels_and_entities_without_sor_are_not_cut_off():
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", "Price", "Order")
    m.flow("ERP", "POS", "Inventory", "Price", "Order")
    m.channel("Marketplace")  # no system serves it
    m.system("Kiosk", channels=["Store associate app"])  # not customer-facing
    m.flow("Web shop", "CRM", "Customer")  # Customer has no system of record: sor.missing's business
    assert findings(m, "channel.no_path") == ()


def test_a_retiring_system_of_record_for_a_critical_entity_is_on_the_critical_path():
    m = retail()
    m.systems["ERP"] = replace(m.systems["ERP"], lifecycle="retiring")
    m.flow("ERP", "Web shop", "Inventory", "Price")
    [f] = findings(m, "lifecycle.retiring_critical")
    assert f.systems == (m["ERP"],) and f.entities == (m["Inventory"], m["Price"])
    assert "retiring" in f.title


def test_retiring_middleware_on_the_way_to_a_channel_is_on_the_critical_path():
    m = retail()
    m.system("Old ESB", "ipaas", lifecycle="retired")
    m.flow("ERP", "Web shop", "Inventory", via="Old ESB")
    [f] = findings(m, "lifecycle.retiring_critical")
    assert f.systems == (m["Old ESB"],)


def test_a_retiring_system_off_the_critical_paths_is_fine():
    m = retail()
    m.system("Old DWH", lifecycle="retiring")
    m.flow("ERP", "Old DWH", "Inventory")
    m.flow("ERP", "Web shop", "Inventory")
    assert findings(m, "lifecycle.retiring_critical") == ()


def test_one_way_flows_of_an_entity_that_loop_back_are_a_sync_cycle():
    m = Model()
    ab = m.flow("A", "B", "Price")
    bc = m.flow("B", "C", "Price", via="ESB")
    ca = m.flow("C", "A", "Price")
    m.flow("C", "A", "Product")  # another entity does not close a loop of Price
    [f] = findings(m, "entity.sync_cycle")
    assert f.entities == (m["Price"],) and f.flows == tuple(sorted((ab, bc, ca)))
    assert f.path[0] == f.path[-1] and set(f.path) == {m["A"], m["B"], m["C"]}


def test_a_single_two_way_flow_or_a_chain_of_them_is_no_cycle_but_a_loop_of_them_is():
    m = Model()
    m.flow("A", "B", "Customer", two_way=True)
    m.flow("B", "C", "Customer", two_way=True)
    assert findings(m, "entity.sync_cycle") == ()
    m.flow("C", "A", "Customer", two_way=True)
    assert len(findings(m, "entity.sync_cycle")) == 1
