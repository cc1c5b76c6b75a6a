"""The routing engine: known answers on tiny networks, constraint checks, strategy plugins, properties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engines.routing import (
    REASONS,
    STRATEGIES,
    Assignment,
    CostModel,
    CostModelError,
    haversine_km,
    network_from_rows,
    orders_from_rows,
    parse_cost_model,
    route_orders,
)

# Three nodes on the equator, 0°, 1° and 2° east (1° ≈ 111.2 km); the customer sits on the first one.
NODES = ["DC", "S1", "S2"]


def net(capacity=None, handling=(0.0, 0.0, 0.0), types=("dc", "store", "store")):
    return network_from_rows(NODES, types, [0.0, 0.0, 0.0], [0.0, 1.0, 2.0], capacity=capacity, handling=handling)


def ship(order, sku, qty=1, lon=0.0, channel="web"):
    return {"order_id": order, "channel": channel, "fulfillment": "ship", "sku": sku, "quantity": qty,
            "lat": 0.0, "lon": lon}


def run(rows, atp, strategy, cost=None, network=None, skus=("A", "B")):
    network = network or net()
    orders = orders_from_rows(rows, list(skus), NODES)
    cost = cost or CostModel(base=0, rate_per_km=1.0, split_penalty=0, handling_default=0, unfilled_penalty=1000)
    return route_orders(network, orders, np.asarray(skus), np.asarray(atp, np.int64), np.ones((0, 2, 3), bool), [],
                        cost, strategy)


def test_haversine_is_about_111_km_per_degree_at_the_equator():
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(111.195, abs=0.01)


def test_the_nearest_node_with_stock_ships_a_single_line():
    result = run([ship("o1", "A", lon=2.0)], [[5, 5, 5], [0, 0, 0]], "optimal")
    assert result.node.tolist() == [2] and result.metrics["cost"]["total"] == pytest.approx(0.0, abs=1e-6)
    assert run([ship("o1", "A", lon=2.0)], [[5, 5, 5], [0, 0, 0]], "rules").node.tolist() == [2]


def test_one_node_holding_both_lines_beats_two_nearer_ones_when_splits_cost_more_than_the_detour():
    # customer at S1; A only near (S1), B at S1? no: A at S1, B at S2, both at DC (111 km away).
    rows = [ship("o1", "A", lon=1.0), ship("o1", "B", lon=1.0)]
    atp = [[5, 5, 0], [5, 0, 5]]
    cheap_split = CostModel(base=0, rate_per_km=1.0, split_penalty=10, handling_default=0, unfilled_penalty=1000)
    # split: S1 (0 km) + S2 (111 km) + 10 = 121.2; single node DC: 111.2 → DC wins
    result = run(rows, atp, "optimal", cheap_split)
    assert result.node.tolist() == [0, 0]
    assert result.metrics["cost"]["total"] == pytest.approx(111.195, abs=0.01)
    dear_handling = CostModel(base=0, rate_per_km=1.0, split_penalty=0, handling_default=0,
                              unfilled_penalty=1000)
    # no split penalty: S1 + S2 = 111.2 equals DC + DC = 111.2; add handling 200 at the DC → split wins
    result = run(rows, atp, "optimal", dear_handling, network=net(handling=(200.0, 0.0, 0.0)))
    assert result.node.tolist() == [1, 2] and result.metrics["splits"] == 1
    assert result.metrics["cost"]["total"] == pytest.approx(111.195, abs=0.01)


def test_capacity_pushes_the_second_order_to_the_next_node():
    rows = [ship("o1", "A", lon=0.0), ship("o2", "A", lon=0.0)]
    result = run(rows, [[5, 5, 5], [0, 0, 0]], "optimal", network=net(capacity=[1, -1, -1]))
    assert sorted(result.node.tolist()) == [0, 1]
    assert result.metrics["utilisation"]["nodes_at_capacity"] == 1
    assert result.metrics["cost"]["total"] == pytest.approx(111.195, abs=0.01)


def test_max_splits_zero_leaves_the_line_no_single_node_can_add_unfilled():
    rows = [ship("o1", "A"), ship("o1", "B")]
    atp = [[5, 0, 0], [0, 5, 0]]
    cost = CostModel(base=0, rate_per_km=1.0, split_penalty=0, handling_default=0, max_splits=0,
                     unfilled_penalty=1000)
    for strategy in ("rules", "optimal"):
        result = run(rows, atp, strategy, cost)
        assert result.metrics["shipments"] == 1 and result.metrics["filled"] == 1, strategy
        assert result.metrics["unfilled"] == {"max_splits": 1}, strategy


def test_unfilled_lines_say_why():
    rows = [ship("o1", "A", qty=9), ship("o2", "Z"),
            {"order_id": "o3", "channel": "web", "fulfillment": "ship", "sku": "A", "quantity": 1},
            {"order_id": "o4", "channel": "store", "fulfillment": "pickup", "sku": "A", "quantity": 1}]
    result = run(rows, [[5, 5, 5], [0, 0, 0]], "rules")
    assert [REASONS[r] for r in result.reason] == ["no_stock", "unknown_sku", "no_coordinates", "unknown_store"]
    far = CostModel(max_distance_km=50)
    assert REASONS[run([ship("o1", "A", lon=0.0)], [[0, 5, 5], [0, 0, 0]], "rules", far).reason[0]] == "max_distance"


def test_channel_origin_ships_web_from_dcs_and_pickup_from_the_store():
    rows = [ship("o1", "A", lon=2.0), {"order_id": "o2", "channel": "store", "fulfillment": "pickup",
                                         "sku": "B", "quantity": 1, "pickup": "S1"}]
    result = run(rows, [[5, 5, 5], [0, 1, 0]], "channel_origin")
    assert result.node.tolist() == [0, 1]
    assert run(rows, [[0, 5, 5], [0, 1, 0]], "channel_origin").reason.tolist()[0] != 0  # the DC has none


def test_optimal_is_never_worse_than_the_other_strategies_and_cuts_splits_versus_channel_origin():
    rng = np.random.default_rng(7)
    rows = []
    for o in range(60):
        lon = float(rng.uniform(0, 2))
        for sku in rng.choice(["A", "B"], size=rng.integers(1, 3), replace=False):
            rows.append(ship(f"o{o}", str(sku), lon=lon))
    atp = [[40, 30, 30], [20, 40, 40]]
    cost = CostModel(base=3, rate_per_km=0.05, split_penalty=4, unfilled_penalty=80, handling_default=1)
    results = {s: run(rows, atp, s, cost) for s in ("channel_origin", "rules", "optimal")}
    assert results["optimal"].metrics["solver"]["optimal_batches"] == 1
    best = results["optimal"].metrics["cost"]["total"]
    assert all(best <= r.metrics["cost"]["total"] + 1e-6 for r in results.values())
    assert results["rules"].metrics["cost"]["total"] <= best * 1.05
    assert all(r.trusted for r in results.values())


def test_a_plugin_that_breaks_constraints_is_reported_not_trusted():
    @dataclass(frozen=True)
    class Greedy:
        name: str = "everything_from_the_dc"
        description: str = "Ignores stock and capacity."

        def route(self, problem):
            n = len(problem.sku)
            return Assignment(np.zeros(n, np.int32), np.zeros(n, np.int8))

    rows = [ship("o1", "A", qty=3), ship("o2", "A", qty=3)]
    result = run(rows, [[4, 0, 0], [0, 0, 0]], Greedy(), network=net(capacity=[1, -1, -1]))
    kinds = {v.kind for v in result.violations}
    assert {"atp", "capacity"} <= kinds and not result.trusted and result.metrics["trusted"] is False


def test_a_registered_plugin_runs_by_name():
    @dataclass(frozen=True)
    class Nothing:
        name: str = "nothing"
        description: str = "Leaves every line unfilled."

        def route(self, problem):
            n = len(problem.sku)
            return Assignment(np.full(n, -1, np.int32), np.full(n, 5, np.int8))

    STRATEGIES["nothing"] = Nothing()
    try:
        result = run([ship("o1", "A")], [[1, 0, 0], [0, 0, 0]], "nothing")
        assert result.metrics["fill_rate"] == 0 and result.trusted
    finally:
        del STRATEGIES["nothing"]


def test_bad_cost_parameters_give_clear_errors():
    with pytest.raises(CostModelError) as caught:
        parse_cost_model({"rate_per_km": -1, "bands": [[10, 2], [5, 3]], "criteria": ["colour"],
                          "max_splits": 1.5, "speed": 3})
    assert set(caught.value.errors) == {"rate_per_km", "bands", "criteria", "max_splits", "speed"}
    assert "at least 0" in caught.value.errors["rate_per_km"]
    assert parse_cost_model({"bands": [[50, 3], [200, 5]]}).shipping(np.array([10, 60, 900])).tolist() == [3, 5, 5]
    missing = network_from_rows(["X"], ["dc"], [float("nan")], [0.0])
    orders = orders_from_rows([ship("o1", "A")], ["A"], ["X"])
    with pytest.raises(CostModelError, match="Missing coordinates for X"):
        route_orders(missing, orders, np.array(["A"]), np.array([[1]]), np.ones((0, 2, 1), bool), [], CostModel())


@st.composite
def instances(draw):
    n_orders = draw(st.integers(1, 8))
    rows = []
    for o in range(n_orders):
        pickup = draw(st.booleans())
        for sku in draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3)):
            qty = draw(st.integers(1, 3))
            if pickup:
                rows.append({"order_id": f"o{o}", "channel": "store", "fulfillment": "pickup", "sku": sku,
                             "quantity": qty, "pickup": draw(st.sampled_from(NODES[1:]))})
            else:
                rows.append(ship(f"o{o}", sku, qty, lon=draw(st.floats(0, 2))))
    atp = draw(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=2, max_size=2))
    capacity = draw(st.lists(st.sampled_from([-1, 0, 1, 2]), min_size=3, max_size=3))
    max_splits = draw(st.integers(0, 2))
    return rows, atp, capacity, max_splits


@settings(max_examples=60, deadline=None)
@given(instances(), st.sampled_from(["channel_origin", "rules", "optimal"]))
def test_every_line_is_assigned_or_unfilled_with_a_reason_and_no_constraint_breaks(instance, strategy):
    rows, atp, capacity, max_splits = instance
    cost = CostModel(max_splits=max_splits, time_limit_s=5)
    result = run(rows, atp, strategy, cost, network=net(capacity=capacity))
    assert result.trusted, result.violations
    assert ((result.node >= 0) == (result.reason == 0)).all()
    used = np.zeros((2, 3), np.int64)
    skus = ["A", "B"]
    for row, node in zip(rows, result.node, strict=True):
        if node >= 0:
            used[skus.index(row["sku"]), node] += row["quantity"]
    assert (used <= np.asarray(atp)).all()


@settings(max_examples=30, deadline=None)
@given(instances())
def test_optimal_never_costs_more_than_rules_when_it_proves_optimality(instance):
    rows, atp, capacity, max_splits = instance
    cost = CostModel(max_splits=max_splits, time_limit_s=5, mip_gap=0.0)
    best = run(rows, atp, "optimal", cost, network=net(capacity=capacity))
    if best.metrics["solver"]["optimal_batches"] == 1:
        for other in ("rules", "channel_origin"):
            mine = run(rows, atp, other, cost, network=net(capacity=capacity)).metrics["cost"]["total"]
            assert best.metrics["cost"]["total"] <= mine + 1e-6


def test_two_lines_of_one_sku_draw_their_sum_from_a_single_node():
    rows = [ship("o1", "A"), ship("o1", "A"), ship("o2", "A")]
    for strategy in ("rules", "optimal"):
        result = run(rows, [[0, 0, 2], [0, 0, 0]], strategy)
        assert result.node.tolist() == [2, 2, -1] and REASONS[result.reason[2]] == "no_stock", strategy
        assert result.trusted


def test_a_batch_stopped_by_the_time_limit_is_never_worse_than_rules_and_says_so():
    rng = np.random.default_rng(3)
    rows = [ship(f"o{o}", str(sku), lon=float(rng.uniform(0, 2))) for o in range(150)
            for sku in rng.choice(["A", "B"], size=2, replace=False)]
    cost = CostModel(base=3, rate_per_km=0.05, split_penalty=4, unfilled_penalty=80, time_limit_s=1e-6)
    atp = [[90, 60, 60], [40, 80, 80]]
    rushed = run(rows, atp, "optimal", cost)
    batch = rushed.batches[0]
    assert rushed.trusted and not batch["optimal"]
    assert batch["fallback"] or batch.get("incumbent") == "start" or batch["gap"] is not None
    assert rushed.metrics["cost"]["total"] <= run(rows, atp, "rules", cost).metrics["cost"]["total"] + 1e-6
    assert rushed.metrics["solver"]["optimal_batches"] == 0
