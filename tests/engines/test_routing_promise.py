"""Routing promise dates: hand-checked promised and predicted days, late lines counted and costed, settings checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest

from app.engines.routing import (
    CostModelError,
    assignment_cost,
    build_problem,
    network_from_rows,
    orders_from_rows,
    parse_cost_model,
    route_orders,
)
from app.engines.routing.instances import retail_instance
from app.engines.routing.promise import NO_PROMISE, PromiseSettings

KM_PER_DEGREE = 111.195  # one degree of latitude
CUSTOMER = (52.0, -1.0)
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: int = 3) -> int:
    """Seconds since the epoch of 2025-03-<day> hour:minute UTC."""
    return int(datetime(2025, 3, day, hour, minute, tzinfo=UTC).timestamp())


def day_no(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def network(km: list[float], handling: list[float]):
    """One node per distance, due north of the customer."""
    ids = [f"N{i}" for i in range(len(km))]
    return network_from_rows(ids, ["dc"] * len(km), [CUSTOMER[0] + k / KM_PER_DEGREE for k in km],
                             [CUSTOMER[1]] * len(km), handling=handling)


def order(oid: str, placed: int, sku: str = "A", promised: int | None = None) -> dict:
    return {"order_id": oid, "channel": "web", "fulfillment": "ship", "sku": sku, "quantity": 1, "time": placed,
            "lat": CUSTOMER[0], "lon": CUSTOMER[1], "promised": promised}


def cost_model(**promise):
    """4 + 0.02/km shipping; 1 day up to 50 km, 2 up to 300 km, 3 beyond; web promised in `standard` days."""
    doc = {"transit_days": [[50, 1], [300, 2], [None, 3]], "standard_days": {"web": 1}, "late_cost_per_day": 5.0}
    doc.update(promise)
    return parse_cost_model({"base": 4.0, "rate_per_km": 0.02, "split_penalty": 3.0, "unfilled_penalty": 60.0,
                             "promise": doc})


def route(rows, km, handling, atp, cost, strategy="rules"):
    net = network(km, handling)
    orders = orders_from_rows(rows, ["A", "B"], net.ids.tolist())
    return route_orders(net, orders, np.asarray(["A", "B"]), np.asarray(atp, np.int64),
                        np.ones((0, 2, len(km)), bool), [], cost, strategy)


def test_an_order_placed_after_the_nodes_cut_off_ships_the_next_day_and_misses_a_next_day_promise():
    cost = cost_model(cutoffs={"N0": "14:00"})
    result = route([order("before", at(13, 30)), order("after", at(15, 30))], [10.0], [1.0], [[2], [0]], cost)
    # 10 km: 1 day in transit. Before 14:00 it leaves on Monday and arrives Tuesday, as promised (Monday + 1);
    # after 14:00 it leaves on Tuesday and arrives Wednesday: one day late.
    assert result.promised.tolist() == [day_no(date(2025, 3, 4))] * 2
    assert result.predicted.tolist() == [day_no(date(2025, 3, 4)), day_no(date(2025, 3, 5))]
    promise = result.metrics["promise"]
    assert (promise["on_time"], promise["late"], promise["late_line_days"]) == (1, 1, 1)
    assert promise["late_cost"] == 5.0 and result.metrics["cost"]["late_penalty"] == 5.0
    assert promise["late_lines"] == [{"order": "after", "sku": "A", "node": "N0", "promised": "2025-03-04",
                                      "predicted": "2025-03-05", "days_late": 1}]


def test_an_order_placed_exactly_at_the_cut_off_still_leaves_that_day():
    result = route([order("o", at(14, 0))], [10.0], [1.0], [[1], [0]], cost_model(default_cutoff="14:00"))
    assert result.metrics["promise"]["late"] == 0


def test_a_far_node_is_the_only_one_with_stock_so_the_line_ships_late_and_is_counted():
    cost = cost_model(standard_days={"web": 2})
    result = route([order("o", at(9))], [10.0, 400.0], [1.0, 1.0], [[0, 1], [0, 0]], cost, "optimal")
    # 400 km: 3 days in transit against a 2-day promise; shipped late rather than left unfilled (5 < 60)
    assert result.node.tolist() == [1]
    assert result.predicted[0] - result.promised[0] == 1
    promise = result.metrics["promise"]
    assert promise["late"] == 1 and promise["late_by_days"] == {"1": 1, "2": 0, "3+": 0}
    assert promise["by_channel"]["web"] == {"lines": 1, "late": 1, "on_time_rate": 0.0}


@pytest.mark.parametrize("strategy", ["rules", "guided", "optimal"])
def test_a_late_cost_flips_the_choice_to_the_on_time_node(strategy):
    # N0 at 100 km: 4 + 2 + handling 0.5 = 6.5, two days in transit; N1 at 30 km: 4 + 0.6 + 3 = 7.6, one day.
    rows = [order("o", at(9))]
    atp = [[1, 1], [0, 0]]
    free = route(rows, [100.0, 30.0], [0.5, 3.0], atp, cost_model(late_cost_per_day=0.0), strategy)
    costly = route(rows, [100.0, 30.0], [0.5, 3.0], atp, cost_model(late_cost_per_day=5.0), strategy)
    assert free.node.tolist() == [0] and free.metrics["promise"]["late"] == 1
    assert costly.node.tolist() == [1] and costly.metrics["promise"]["late"] == 0
    assert costly.metrics["cost"]["total"] == pytest.approx(7.6, abs=0.01)


def test_the_orders_own_promised_date_wins_over_the_channels_standard_promise():
    rows = [order("o", at(9), promised=at(0, day=6)), order("p", at(9))]
    result = route(rows, [400.0], [1.0], [[2], [0]], cost_model())
    # both arrive Thursday 6 March (3 days); "o" was promised that day, "p" the standard Monday + 1
    assert result.promised.tolist() == [day_no(date(2025, 3, 6)), day_no(date(2025, 3, 4))]
    assert result.metrics["promise"]["late"] == 1 and result.metrics["promise"]["late_line_days"] == 2


def test_a_pickup_has_no_transit_and_is_ready_the_day_it_leaves_the_store_shelf():
    net = network_from_rows(["S"], ["store"], [CUSTOMER[0]], [CUSTOMER[1]])
    rows = [{"order_id": "c", "channel": "store", "fulfillment": "pickup", "sku": "A", "quantity": 1,
             "time": at(18), "pickup": "S"}]
    cost = cost_model(standard_days={"store": 0}, cutoffs={"S": "17:00"})
    result = route_orders(net, orders_from_rows(rows, ["A"], ["S"]), np.asarray(["A"]), np.asarray([[1]]),
                          np.ones((0, 2, 1), bool), [], cost, "rules")
    assert result.predicted[0] == day_no(date(2025, 3, 4))  # after the store's cut-off: the next morning
    assert result.metrics["promise"]["late_line_days"] == 1


def test_unfilled_lines_have_no_predicted_date_and_are_not_counted_late():
    result = route([order("o", at(9))], [10.0], [1.0], [[0], [0]], cost_model())
    assert result.predicted.tolist() == [NO_PROMISE]
    assert result.metrics["promise"]["lines"] == 0 and result.metrics["unfilled"] == {"no_stock": 1}


def test_without_promise_settings_nothing_is_late_and_no_dates_are_given():
    net = network([10.0], [1.0])
    cost = parse_cost_model({})
    result = route_orders(net, orders_from_rows([order("o", at(23))], ["A"], ["N0"]), np.asarray(["A"]),
                          np.asarray([[1]]), np.ones((0, 2, 1), bool), [], cost, "rules")
    assert result.metrics["promise"] is None and result.promised is None
    assert result.metrics["cost"]["late_penalty"] == 0.0


def test_the_three_cost_strategies_agree_on_a_small_case_with_promise_dates():
    # two orders for the last unit near the customer: whoever gets it is on time, the other ships late from afar
    rows = [order("early", at(9)), order("late", at(10)), order("both", at(11), sku="B")]
    atp = [[1, 0, 1], [1, 1, 0]]
    costs = {s: route(rows, [10.0, 400.0, 120.0], [1.0, 1.0, 1.0], atp, cost_model(), s) for s in
             ("rules", "guided", "optimal")}
    totals = {s: r.metrics["cost"]["total"] for s, r in costs.items()}
    assert totals["rules"] == pytest.approx(totals["guided"]) == pytest.approx(totals["optimal"])
    assert all(r.trusted for r in costs.values())
    assert {s: r.metrics["promise"]["late"] for s, r in costs.items()} == {"rules": 1, "guided": 1, "optimal": 1}


def test_on_a_generated_instance_with_promise_dates_optimal_is_no_worse_than_guided_nor_guided_than_rules():
    inst = retail_instance(150, seed=5)
    cost = replace(inst.cost, promise=PromiseSettings(cutoffs=(("DC-MID", 12 * 60),), default_cutoff=15 * 60,
                                                      standard_days=(("web", 1), ("marketplace", 2), ("store", 0))),
                   time_limit_s=20.0)
    p = build_problem(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], cost)
    totals = {}
    for strategy in ("rules", "guided", "optimal"):
        result = route_orders(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], cost, strategy)
        assert result.trusted
        totals[strategy] = assignment_cost(p, result.node[p.line_index])["total"]
        assert totals[strategy] == pytest.approx(result.metrics["cost"]["total"], abs=0.01)
    assert totals["optimal"] <= totals["guided"] + 1e-6 <= totals["rules"] + 2e-6
    assert route_orders(inst.network, inst.orders, inst.skus, inst.atp, inst.eligible, [], cost,
                        "rules").metrics["promise"]["late"] > 0


@pytest.mark.parametrize(("promise", "field", "words"), [
    ({"transit_days": [[300, 2], [50, 1]]}, "promise.transit_days", "increase"),
    ({"transit_days": [[50, 1.5]]}, "promise.transit_days", "whole number"),
    ({"transit_days": [[None, 3], [50, 1]]}, "promise.transit_days", "Band 1"),
    ({"cutoffs": {"DC-A": "25:00"}}, "promise.cutoffs.DC-A", "HH:MM"),
    ({"default_cutoff": "noon"}, "promise.default_cutoff", "HH:MM"),
    ({"standard_days": {"web": -1}}, "promise.standard_days", "whole numbers"),
    ({"late_cost_per_day": "5"}, "promise.late_cost_per_day", "number"),
    ({"late_days": 3}, "promise.late_days", "Unknown setting"),
    ("yes", "promise", "object"),
])
def test_bad_promise_settings_are_refused_naming_the_field(promise, field, words):
    with pytest.raises(CostModelError) as caught:
        parse_cost_model({"promise": promise})
    assert field in caught.value.errors and words in caught.value.errors[field]


def test_promise_settings_round_trip_through_their_document():
    cost = cost_model(cutoffs={"N0": "14:30"}, default_cutoff="16:00")
    again = parse_cost_model(cost.to_document())
    assert again.promise == cost.promise
    assert again.promise.to_document()["transit_days"] == [[50.0, 1], [300.0, 2], [None, 3]]
    assert parse_cost_model({"promise": None}).promise is None
