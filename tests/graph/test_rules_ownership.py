"""Ownership rules: systems of record, conflicting writers, customer data in unowned systems."""

from __future__ import annotations

from app.graph.findings import run_findings
from tests.graph.model_builder import Model, retail


def findings(m: Model, rule_id: str):
    return run_findings(m.graph(), rule_ids=[rule_id]).findings


def test_an_entity_in_use_without_a_system_of_record_is_reported_with_its_holders():
    m = retail()
    m.flow("Web shop", "CRM", "Customer")
    [f] = findings(m, "sor.missing")
    assert f.key == f"sor.missing:entity={m['Customer']}" and f.severity == "high"
    assert f.entities == (m["Customer"],) and set(f.systems) == {m["Web shop"], m["CRM"]}
    assert f.title == "Customer has no system of record"


def test_an_entity_nobody_uses_is_not_reported_missing():
    m = retail()  # Product and Customer exist but no flow or ownership names them
    assert findings(m, "sor.missing") == ()


def test_two_systems_of_record_for_one_entity_are_critical():
    m = retail()
    m.owns("WMS", "Inventory")
    [f] = findings(m, "sor.multiple")
    assert f.severity == "critical" and set(f.systems) == {m["ERP"], m["WMS"]}


def test_two_writers_syncing_both_ways_conflict():
    m = Model()
    m.owns("Shop", "Customer", "writes").owns("CRM", "Customer", "writes")
    there = m.flow("Shop", "CRM", "Customer")
    back = m.flow("CRM", "Shop", "Customer", via="ESB")
    [f] = findings(m, "writers.conflict")
    assert set(f.systems) == {m["Shop"], m["CRM"]} and f.flows == tuple(sorted((there, back)))


def test_a_two_way_flow_between_two_writers_is_a_conflict_too():
    m = Model()
    m.owns("Shop", "Customer", "sor").owns("CRM", "Customer", "authoritative")
    m.flow("Shop", "CRM", "Customer", two_way=True)
    assert len(findings(m, "writers.conflict")) == 1


def test_a_one_way_feed_or_a_reader_is_no_conflict():
    m = Model()
    m.owns("Shop", "Customer", "writes").owns("CRM", "Customer", "writes").owns("DWH", "Customer", "reads")
    m.flow("Shop", "CRM", "Customer")
    m.flow("Shop", "DWH", "Customer", two_way=True)
    assert findings(m, "writers.conflict") == ()


def test_customer_data_flowing_into_an_unowned_system_is_reported_once_per_system():
    m = Model()
    m.system("Survey tool", owned=False).system("Relay", "ipaas", owned=False)
    first = m.flow("Shop", "Survey tool", "Customer")
    second = m.flow("CRM", "Survey tool", "Customer", "Order")
    relayed = m.flow("Shop", "CRM", "Customer", via="Relay")
    m.flow("Survey tool", "Shop", "Product")
    found = {f.systems: f.flows for f in findings(m, "customer.unowned_system")}
    assert found == {(m["Survey tool"],): tuple(sorted((first, second))), (m["Relay"],): (relayed,)}


def test_unowned_systems_that_get_no_customer_data_are_fine():
    m = Model()
    m.system("Pricing", owned=False)
    m.flow("Pricing", "Shop", "Price")
    assert findings(m, "customer.unowned_system") == ()
