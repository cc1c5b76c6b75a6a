"""Topology rules: orphans, single points of failure, point-to-point sprawl."""

from __future__ import annotations

import networkx as nx
import pytest

from app.graph.findings import run_findings
from app.graph.rules import topology as rules
from app.graph.topology import cut_off_by, integration_stats, strongly_connected
from tests.graph.model_builder import Model


def findings(m: Model, rule_id: str):
    return run_findings(m.graph(), rule_ids=[rule_id]).findings


def test_a_system_without_flows_is_an_orphan_but_middleware_is_not():
    m = Model()
    m.system("Forgotten")
    m.flow("A", "B", "Order", via="ESB")
    assert [f.systems for f in findings(m, "system.orphan")] == [(m["Forgotten"],)]


def test_a_system_whose_outage_isolates_two_others_is_a_single_point_of_failure():
    m = Model()
    for a, b in (("A", "B"), ("B", "C"), ("C", "A"), ("C", "Leaf 1"), ("C", "Leaf 2")):
        m.flow(a, b, "Order")  # a resilient triangle, and two leaves on C
    [f] = findings(m, "system.spof")
    assert f.systems == (m["C"], m["Leaf 1"], m["Leaf 2"]) and f.metrics["cut_off"] == 2
    assert "Leaf 1, Leaf 2 lose every connection" in f.explanation


def test_one_leaf_hanging_off_a_system_is_not_enough():
    m = Model()
    for a, b in (("A", "B"), ("B", "C"), ("C", "A"), ("C", "Leaf")):
        m.flow(a, b, "Order")
    assert findings(m, "system.spof") == ()


def test_a_busy_hub_on_most_routes_is_a_single_point_of_failure_even_with_a_bypass():
    m = Model()
    spokes = [f"S{i}" for i in range(6)]
    for s in spokes:
        m.flow(s, "Hub", "Order")
    for a, b in zip(spokes, spokes[1:], strict=False):
        m.flow(a, b, "Product")  # a ring: no spoke is cut off without the hub
    [f] = findings(m, "system.spof")
    assert f.systems == (m["Hub"],) and f.metrics["cut_off"] == 0 and f.metrics["betweenness"] >= 0.25


def test_large_landscapes_find_hubs_by_their_number_of_partners(monkeypatch):
    monkeypatch.setattr("app.graph.topology.EXACT_BETWEENNESS_LIMIT", 5)
    m = Model()
    spokes = [f"S{i}" for i in range(12)]  # the hub has 12 partners, 4× the median of 3
    for s in spokes:
        m.flow(s, "Hub", "Order")
    for a, b in zip(spokes, spokes[1:], strict=False):
        m.flow(a, b, "Product")
    [f] = findings(m, "system.spof")
    assert f.systems == (m["Hub"],) and "betweenness" not in f.metrics


def test_many_point_to_point_integrations_are_sprawl_against_a_hub_and_spoke_baseline():
    m = Model()
    names = [f"S{i}" for i in range(6)]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            m.flow(a, b, "Order")  # a full mesh: 15 integrations where a star needs 5
    [f] = findings(m, "integration.sprawl")
    assert f.metrics["integrations"] == 15 and f.metrics["baseline"] == 5 and f.metrics["ratio"] == 3.0
    assert f.key == "integration.sprawl:scenario"


def test_the_same_systems_through_middleware_are_no_sprawl():
    m = Model()
    names = [f"S{i}" for i in range(6)]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            m.flow(a, b, "Order", via="ESB")
    stats = integration_stats(m.graph())
    assert (stats.integrations, stats.point_to_point, stats.baseline) == (6, 0, 6)
    assert findings(m, "integration.sprawl") == ()


@pytest.mark.parametrize("seed", range(40))
def test_cut_vertices_and_what_they_cut_off_agree_with_networkx(seed):
    g = nx.gnm_random_graph(12 + seed % 7, 14 + seed % 11, seed=seed)
    got = cut_off_by(g)
    assert set(got) == set(nx.articulation_points(g))
    for vertex, cut in got.items():
        rest = g.subgraph(nx.node_connected_component(g, vertex) - {vertex})
        pieces = sorted(nx.connected_components(rest), key=lambda p: (-len(p), min(p)))
        assert cut == frozenset().union(*pieces[1:])


@pytest.mark.parametrize("seed", range(40))
def test_strongly_connected_components_agree_with_networkx(seed):
    g = nx.gnm_random_graph(10 + seed % 9, 12 + seed % 17, seed=seed, directed=True)
    got = sorted(map(tuple, strongly_connected({n: set(g.successors(n)) for n in g})))
    assert got == sorted(tuple(sorted(c)) for c in nx.strongly_connected_components(g) if len(c) > 1)


def test_the_thresholds_are_documented_constants():
    assert rules.SPOF_MIN_CUT_OFF == 2 and rules.HUB_MIN_NEIGHBOURS == 5 and rules.SPRAWL_MIN_RATIO == 1.5
