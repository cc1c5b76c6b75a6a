"""Routing quality: exact optima of hand-made instances, the guided heuristic, the whole-horizon MILP, pickups."""

from __future__ import annotations

import numpy as np
import pytest

from app.engines.routing import (
    REASONS,
    CostModel,
    CostModelError,
    build_problem,
    haversine_km,
    network_from_rows,
    orders_from_rows,
    parse_cost_model,
    route_orders,
)
from app.engines.routing.guided import guided_route
from app.engines.routing.instances import retail_instance

NODES = ["DC", "S1", "S2"]  # on the equator at 0°, 1° and 2° east
DEGREE = float(haversine_km(0.0, 0.0, 0.0, 1.0))
PER_KM = CostModel(base=0, rate_per_km=1.0, split_penalty=50, handling_default=0, unfilled_penalty=1000)


def net(capacity=None, pickup_capacity=None, ship_from=None):
    return network_from_rows(NODES, ["dc", "store", "store"], [0.0] * 3, [0.0, 1.0, 2.0], capacity=capacity,
                             pickup_capacity=pickup_capacity, ship_from=ship_from)


def ship(order, sku, lon, time=0):
    return {"order_id": order, "channel": "web", "fulfillment": "ship", "sku": sku, "quantity": 1, "lat": 0.0,
            "lon": lon, "time": time}


def pickup(order, sku, store, time=0):
    return {"order_id": order, "channel": "store", "fulfillment": "pickup", "sku": sku, "quantity": 1,
            "pickup": store, "time": time}


def run(rows, atp, strategy, network=None, cost=PER_KM):
    orders = orders_from_rows(rows, ["A", "B"], NODES)
    return route_orders(network or net(), orders, np.asarray(["A", "B"]), np.asarray(atp, np.int64),
                        np.ones((0, 2, 3), bool), [], cost, strategy)


# o1 (first) wants A at S1; o2 (later) wants A and B at S2. A: one at S1, one at the DC; B: one at S1 only.
# Taking S1's A for o1 (free) forces o2 to split (A from the DC, B from S1): 2° + 1° + 50. Sending o1's A from the
# DC (1°) lets o2 take both from S1 (1°): 2° in all, the optimum.
SCARCE = [ship("o1", "A", 1.0, time=0), ship("o2", "A", 2.0, time=60), ship("o2", "B", 2.0, time=60)]
SCARCE_ATP = [[1, 1, 0], [0, 1, 0]]


def test_the_optimum_of_a_scarce_stock_instance_is_known_exactly():
    result = run(SCARCE, SCARCE_ATP, "optimal")
    assert result.node.tolist() == [0, 1, 1]
    assert result.metrics["cost"]["total"] == pytest.approx(round(2 * DEGREE, 2), abs=0.01)
    assert result.metrics["solver"]["scope"] == "horizon" and result.batches[0]["optimal"]


def test_the_rules_sequence_pays_the_split_that_the_guided_heuristic_avoids():
    rules = run(SCARCE, SCARCE_ATP, "rules")
    guided = run(SCARCE, SCARCE_ATP, "guided")
    assert rules.metrics["cost"]["total"] == pytest.approx(round(3 * DEGREE + 50, 2), abs=0.01)
    assert guided.node.tolist() == [0, 1, 1]
    assert guided.metrics["cost"]["total"] == pytest.approx(round(2 * DEGREE, 2), abs=0.01)
    assert guided.trusted and rules.trusted


def test_a_store_that_does_not_ship_still_hands_over_click_and_collect():
    rows = [pickup("p1", "A", "S1"), pickup("p2", "B", "S1"), ship("s1", "A", 1.0)]
    atp = [[0, 5, 0], [0, 5, 0]]
    for strategy in ("rules", "guided", "optimal", "channel_origin"):
        result = run(rows, atp, strategy, network=net(capacity=[-1, 0, -1]))
        assert result.node.tolist()[:2] == [1, 1], strategy
        assert REASONS[result.reason[2]] in ("capacity", "no_stock"), strategy  # S1 ships nothing
        assert result.trusted, strategy


def test_pickups_use_their_own_capacity_and_leave_the_dispatch_capacity_to_ship_orders():
    rows = [pickup("p1", "A", "S1"), pickup("p2", "A", "S1"), ship("s1", "B", 1.0)]
    atp = [[0, 5, 0], [0, 5, 0]]
    for strategy in ("rules", "guided", "optimal"):
        result = run(rows, atp, strategy, network=net(capacity=[-1, 1, -1], pickup_capacity=[-1, 1, -1]))
        assert result.node.tolist() == [1, -1, 1], strategy
        assert REASONS[result.reason[1]] == "capacity", strategy
        assert result.trusted, strategy


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_guided_heuristic_is_never_worse_than_the_rules_sequence_and_never_below_the_optimum(seed):
    inst = retail_instance(150, seed, stores=8)
    costs = {}
    for strategy in ("rules", "guided", "optimal"):
        result = route_orders(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], inst.cost, strategy)
        assert result.trusted, strategy
        costs[strategy] = result.metrics["cost"]["total"]
        if strategy == "optimal":
            solver = result.metrics["solver"]
    assert costs["guided"] <= costs["rules"] + 1e-6
    assert solver["scope"] == "horizon" and solver["bound"] is not None
    assert costs["optimal"] <= costs["guided"] + 1e-6
    assert solver["bound"] <= costs["optimal"] + 0.01


def test_optimal_goes_batch_by_batch_beyond_the_horizon_and_says_so():
    inst = retail_instance(120, 5, stores=6)
    cost = parse_cost_model({"horizon_groups": 50, "batch_orders": 50, "base": 3.5, "rate_per_km": 0.015})
    result = route_orders(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], cost, "optimal")
    assert result.metrics["solver"]["scope"] == "batches" and len(result.batches) > 1
    assert result.metrics["solver"]["bound"] is None  # a batch's bound is not the whole run's
    assert result.trusted


def test_a_guided_solve_with_no_time_falls_back_to_the_rules_sequence():
    inst = retail_instance(80, 4, stores=5)
    problem = build_problem(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], inst.cost)
    a = guided_route(problem, time_limit=1e-9)
    rules = route_orders(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], inst.cost, "rules")
    assert a.info.get("incumbent") == "rules"
    assert (a.node == rules.node[problem.line_index]).all()


def test_generated_instances_are_seeded_and_scarce():
    one, again, other = retail_instance(300, 9), retail_instance(300, 9), retail_instance(300, 10)
    assert (one.atp == again.atp).all() and (one.orders.sku == again.orders.sku).all()
    assert not np.array_equal(one.orders.sku, other.orders.sku)
    assert one.atp.sum() < one.orders.quantity.sum()  # stock is tight
    assert (one.network.capacity == 0).any() and one.network.pickup.any()


@pytest.mark.parametrize(("document", "field"), [({"horizon_groups": -1}, "horizon_groups"),
                                                 ({"horizon_groups": 2.5}, "horizon_groups"),
                                                 ({"batch_orders": 0}, "batch_orders")])
def test_bad_horizon_settings_name_the_setting(document, field):
    with pytest.raises(CostModelError) as caught:
        parse_cost_model(document)
    assert list(caught.value.errors) == [field]


@pytest.mark.parametrize("strategy", ["rules", "guided", "optimal"])
def test_a_channel_never_takes_more_than_its_ring_fenced_allocation(strategy):
    rows = [ship("w1", "A", 1.0, time=0), ship("w2", "A", 1.0, time=60), pickup("p1", "A", "S1", time=120)]
    orders = orders_from_rows(rows, ["A", "B"], NODES)
    caps = np.array([[1, 2], [0, 0]], np.int64)  # A: web may take 1, store 2 (the rest is fenced for the store)
    result = route_orders(net(), orders, np.asarray(["A", "B"]), np.asarray([[0, 3, 0], [0, 0, 0]], np.int64),
                          np.ones((2, 2, 3), bool), ["web", "store"], PER_KM, strategy, channel_caps=caps)
    assert sorted(result.node.tolist()[:2]) == [-1, 1] and result.node[2] == 1  # one web order, and the pickup
    assert [REASONS[r] for r in result.reason if r] == ["ring_fence"]
    assert result.trusted


def test_a_plugin_that_ignores_a_ring_fence_is_reported():
    rows = [ship("w1", "A", 1.0), ship("w2", "A", 1.0)]
    orders = orders_from_rows(rows, ["A", "B"], NODES)
    problem = build_problem(net(), orders, np.asarray(["A", "B"]), np.asarray([[0, 3, 0], [0, 0, 0]], np.int64),
                            np.ones((1, 2, 3), bool), ["web"], PER_KM, channel_caps=np.array([[1], [0]], np.int64))
    from app.engines.routing import Assignment, validate

    broken = validate(problem, Assignment(np.array([1, 1], np.int32), np.zeros(2, np.int8)))
    assert [v.kind for v in broken] == ["ring_fence"]


def test_solving_prints_nothing_on_stdout_so_json_output_stays_parseable():
    import subprocess
    import sys
    from pathlib import Path

    script = ("import json, numpy as np\n"
              "from app.engines.routing import build_problem\n"
              "from app.engines.routing.guided import guided_route\n"
              "from app.engines.routing.instances import retail_instance\n"
              "i = retail_instance(30, 1, stores=4)\n"
              "p = build_problem(i.network, i.orders, i.skus, i.atp, i.eligible, [], i.cost)\n"
              "print(json.dumps({'lines': int((guided_route(p).node >= 0).sum())}))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.startswith("{") and out.stdout.count("\n") == 1
