"""Impact analysis: upstream and downstream by entity and depth, and what a change touches."""

from __future__ import annotations

from app.graph.impact import DOWNSTREAM, flow_impact, system_impact
from tests.graph.model_builder import Model


def landscape() -> tuple[Model, dict[str, int]]:
    m = Model()
    m.system("ERP", "erp").system("Shop", "ecommerce", channels=["Web"]).system("POS", "pos", channels=["Stores"])
    flows = {
        "stock": m.flow("ERP", "Shop", "Inventory", via="ESB"),
        "orders": m.flow("Shop", "ERP", "Order"),
        "prices": m.flow("Pricing", "ERP", "Price"),
        "till": m.flow("ERP", "POS", "Price"),
        "loyalty": m.flow("POS", "Loyalty", "Customer"),
        "reports": m.flow("Shop", "DWH", "Inventory"),
    }
    m.requirement("REQ-1").requirement("REQ-2").decision("ADR-1").decision("ADR-2")
    m.link("satisfied_by", "REQ-1", "Shop").link("affects", "ADR-1", "ESB").link("addresses", "REQ-2", "ADR-1")
    m.link("affects", "ADR-2", "Loyalty")
    return m, flows


def names(m: Model, items) -> set[tuple[str, int]]:
    by_id = {v: k for k, v in m.ids.items()}
    return {(by_id[i.system_id], i.distance) for i in items}


def test_downstream_of_a_system_follows_each_entity_it_sends_and_counts_middleware_as_a_hop():
    m, _ = landscape()
    impact = system_impact(m.graph(), m["ERP"])
    assert names(m, impact.downstream) == {("ESB", 1), ("POS", 1), ("Shop", 2), ("DWH", 3)}
    assert [i.distance for i in impact.downstream] == sorted(i.distance for i in impact.downstream)
    esb = next(i for i in impact.downstream if i.system_id == m["ESB"])
    assert esb.relay_only and esb.entities == (m["Inventory"],)


def test_downstream_follows_one_entity_at_a_time():
    m, _ = landscape()
    impact = system_impact(m.graph(), m["ERP"])
    # ERP sends Price to the POS, the POS sends Customer (not Price) to Loyalty: Loyalty is not downstream.
    assert m["Loyalty"] not in {i.system_id for i in impact.downstream}
    assert impact.by_entity(DOWNSTREAM)[m["Inventory"]] == (m["ESB"], m["Shop"], m["DWH"])


def test_upstream_of_a_system_goes_against_the_flows():
    m, _ = landscape()
    impact = system_impact(m.graph(), m["ERP"])
    assert names(m, impact.upstream) == {("Shop", 1), ("Pricing", 1)}


def test_depth_limits_how_far_the_walk_goes():
    m, _ = landscape()
    assert names(m, system_impact(m.graph(), m["ERP"], depth=1).downstream) == {("ESB", 1), ("POS", 1)}
    assert system_impact(m.graph(), m["ERP"], depth=0).downstream == ()


def test_an_entity_filter_follows_only_that_entity():
    m, _ = landscape()
    impact = system_impact(m.graph(), m["ERP"], entity_ids=[m["Price"]])
    assert names(m, impact.downstream) == {("POS", 1)} and names(m, impact.upstream) == {("Pricing", 1)}


def test_a_middleware_system_impacts_the_ends_of_every_flow_it_relays():
    m, flows = landscape()
    impact = system_impact(m.graph(), m["ESB"])
    assert names(m, impact.downstream) == {("Shop", 1), ("DWH", 2)} and names(m, impact.upstream) == {("ERP", 1)}
    assert flows["stock"] in impact.flows and impact.decisions == (m["ADR-1"],)


def test_a_flow_impacts_its_target_and_beyond_and_its_source_upstream():
    m, flows = landscape()
    impact = flow_impact(m.graph(), flows["stock"])
    assert names(m, impact.downstream) == {("ESB", 1), ("Shop", 1), ("DWH", 2)}
    assert names(m, impact.upstream) == {("ESB", 1), ("ERP", 1)}
    assert impact.entity_ids == (m["Inventory"],)


def test_channels_requirements_and_decisions_touched_are_listed():
    m, flows = landscape()
    impact = flow_impact(m.graph(), flows["stock"])
    assert impact.channels == (m["Web"],)
    assert impact.decisions == (m["ADR-1"],)  # it affects the middleware the flow passes
    assert impact.requirements == (m["REQ-1"], m["REQ-2"])  # satisfied by the Shop; addresses ADR-1


def test_a_system_with_no_flows_impacts_nothing_but_itself():
    m, _ = landscape()
    m.system("Island", channels=["Kiosk"])
    impact = system_impact(m.graph(), m["Island"])
    assert impact.upstream == () and impact.downstream == () and impact.channels == (m["Kiosk"],)
