"""Building the graph: systems as nodes, flow legs as edges, middleware as a hop, two-way flows both ways."""

from __future__ import annotations

import subprocess
import sys

from app.graph.model import reachable
from tests.graph.model_builder import Model


def test_a_flow_through_middleware_is_two_hops_with_the_whole_latency_on_the_first():
    m = Model()
    m.flow("ERP", "Shop", "Inventory", pattern="batch", latency=600, worst=3600, via="ESB")
    g = m.graph()
    hops = [(h.source, h.target, h.latency, h.worst_latency) for h in g.hops]
    assert hops == [(m["ERP"], m["ESB"], 600, 3600), (m["ESB"], m["Shop"], 0.0, 0.0)]
    edges = g.graph.get_edge_data(m["ERP"], m["ESB"])
    assert list(edges.values())[0]["pattern"] == "batch"


def test_a_two_way_flow_gives_edges_both_ways_through_its_middleware():
    m = Model()
    flow = m.flow("CRM", "Shop", "Customer", via="ESB", two_way=True)
    g = m.graph()
    pairs = {(h.source, h.target) for h in g.hops}
    assert pairs == {(m["CRM"], m["ESB"]), (m["ESB"], m["Shop"]), (m["Shop"], m["ESB"]), (m["ESB"], m["CRM"])}
    assert {st.flow_id for st in g.steps} == {flow} and len(g.steps) == 2


def test_an_unknown_latency_stays_unknown_on_both_legs():
    m = Model()
    m.flow("ERP", "Shop", "Inventory", latency=None, via="ESB")
    assert [h.latency for h in m.graph().hops] == [None, None]


def test_data_entering_middleware_on_one_flow_does_not_leave_on_another():
    m = Model()
    m.flow("ERP", "WMS", "Order", via="ESB")
    m.flow("Shop", "CRM", "Order", via="ESB")
    g = m.graph()
    assert reachable(g, m.entities["Order"].id, [m["ERP"]]) == {m["ERP"], m["WMS"]}


def test_the_node_attributes_carry_roles_channels_and_ownership():
    m = Model()
    m.system("Shop", "ecommerce", channels=["Web"], owned=False).owns("Shop", "Inventory", "replica")
    node = m.graph().graph.nodes[m["Shop"]]
    assert node["category"] == "ecommerce" and node["has_owner"] is False
    assert node["channels"] == {m["Web"]} and node["roles"] == {m["Inventory"]: {"replica"}}


def test_flows_whose_ends_are_not_in_the_scenario_are_left_out_and_reported():
    m = Model()
    kept = m.flow("ERP", "Shop", "Inventory")
    lost = m.flow("ERP", "Gone", "Inventory")
    del m.systems["Gone"]
    g = m.graph()
    assert [f.id for f in g.flows] == [kept] and g.dangling_flows == (lost,)


def test_holders_are_systems_with_a_role_or_a_flow_of_the_entity():
    m = Model()
    m.owns("PIM", "Product").flow("ERP", "Shop", "Inventory")
    m.system("Loner")
    g = m.graph()
    assert g.holders(m["Product"]) == {m["PIM"]}
    assert g.holders(m["Inventory"]) == {m["ERP"], m["Shop"]}
    assert g.entities_in_use == {m["Product"], m["Inventory"]}


def test_the_analysis_package_imports_neither_flask_nor_sqlalchemy_nor_the_models():
    # `app/__init__.py` itself imports Flask; what counts is what app.graph brings in on top of it.
    code = (
        "import sys, app; before = set(sys.modules); import app.graph, app.graph.report, app.graph.compare; "
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('flask', 'sqlalchemy', 'models')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
