"""ATP rules beyond eligibility: the OMS worked examples (IBM Sterling, HotWax, Saleor) come out exactly, and
levels, reservations, segments, distribution groups and the in-transit window behave as documented."""

from __future__ import annotations

import numpy as np
import pytest

from app.engines.atp import (
    DAY,
    DistributionGroup,
    Grant,
    GroupAssignment,
    Reservation,
    Rules,
    SafetyStock,
    Segment,
    allocate,
    locations_from_rows,
    network_atp,
    stock_from_rows,
)
from app.engines.rules import parse_rules, rules_to_document


def test_sterling_25_percent_safety_factor_truncates_10_to_7():
    # IBM Sterling: a 25 % safety factor on 10 units leaves 7.5, truncated to 7.
    node = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["SKU-1"], [0], [0], on_hand=[10])
    assert network_atp(stock, node, Rules(safety_default=SafetyStock(percent=25))).node_atp.tolist() == [7]


def test_decimal_percentages_are_kept_and_truncate_what_remains():
    node = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A", "B"], [0, 1], [0, 0], on_hand=[10, 1000])
    # 12.5 % of 10 holds back 1.25 -> 2 (8 left); 0.15 % of 1000 holds back 1.5 -> 2 (998 left).
    rules = Rules(safety_by_sku=(("A", SafetyStock(percent=12.5)), ("B", SafetyStock(percent=0.15))))
    assert network_atp(stock, node, rules).node_atp.tolist() == [8, 998]


def _brooklyn(safety: int, threshold: int, brooklyn_sells: bool):
    # Four locations holding 50 units with a safety stock each, and the Brooklyn store holding 50.
    network = locations_from_rows(["A", "B", "C", "D", "BROOKLYN"], ["store"] * 5)
    stock = stock_from_rows(["SHIRT"], [0] * 5, range(5), on_hand=[10, 15, 10, 15, 50])
    excluded = frozenset() if brooklyn_sells else frozenset({"BROOKLYN"})
    rules = Rules(
        channels=("online",), eligibility_default="none",
        grants=(Grant("online", "ship", frozenset({"store"}), exclude_locations=excluded),),
        safety_by_location=tuple((loc, SafetyStock(quantity=safety)) for loc in "ABCD"),
        online_threshold=SafetyStock(quantity=threshold),
    )
    return network_atp(stock, network, rules).network[0, 0]


def test_hotwax_online_atp_with_a_network_threshold_and_an_excluded_store_is_20():
    # HotWax: 100 − (5 × 4) − 10 − 50 = 20.
    assert _brooklyn(safety=5, threshold=10, brooklyn_sells=False) == 20


def test_hotwax_online_atp_after_lowering_the_buffers_and_including_brooklyn_is_87():
    # HotWax: 100 − (2 × 4) − 5 = 87.
    assert _brooklyn(safety=2, threshold=5, brooklyn_sells=True) == 87


def test_hotwax_online_atp_deducts_reserved_safety_threshold_brokering_queue_and_excluded_facilities():
    # HotWax: QOH 100 − (5 reserved + 5 safety + 5 threshold + 5 in the brokering queue + 5 excluded) = 75.
    network = locations_from_rows(["WH", "CLOSED"], ["dc", "store"])
    stock = stock_from_rows(["SHIRT"], [0, 0], [0, 1], on_hand=[95, 5], allocated=[5, 0], safety_stock=[5, -1])
    rules = Rules(channels=("shopify",), eligibility_default="none",
                  grants=(Grant("shopify", "ship", frozenset({"dc"})),),
                  online_threshold=SafetyStock(quantity=5), brokering_queue=(("SHIRT", 5),))
    result = network_atp(stock, network, rules)
    assert result.network[0, 0] == 75
    assert result.deducted.tolist() == [5] and result.online_held[0, 0] == 5


def test_the_online_threshold_applies_only_to_the_channels_it_names():
    network = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[40])
    rules = Rules(channels=("web", "store"), online_threshold=SafetyStock(percent=25), online_channels=("web",))
    assert network_atp(stock, network, rules).network[0].tolist() == [30, 40]


def test_saleor_prioritize_by_sorting_order_drains_warehouses_in_the_channel_order():
    # Saleor "prioritize warehouses by sorting order": 7 units from warehouses ordered A (5), B (10), C (3).
    assert allocate(7, np.array([5, 10, 3]), "sorting_order").tolist() == [5, 2, 0]
    assert allocate(7, np.array([5, 10, 3]), "sorting_order", order=np.array([2, 1, 0])).tolist() == [0, 4, 3]


def test_saleor_prioritize_high_stock_takes_from_the_warehouse_with_most_stock_first():
    assert allocate(7, np.array([5, 10, 3]), "high_stock").tolist() == [0, 7, 0]
    assert allocate(14, np.array([5, 10, 3]), "high_stock").tolist() == [4, 10, 0]
    assert allocate(30, np.array([5, 10, 3]), "high_stock").sum() == 18  # never more than there is


def test_an_unknown_allocation_strategy_is_refused_by_name():
    with pytest.raises(ValueError, match="cheapest"):
        allocate(1, np.array([1]), "cheapest")


def test_the_most_specific_level_wins_for_safety_stock_and_thresholds():
    network = locations_from_rows(["DC", "S1"], ["dc", "store"])
    stock = stock_from_rows(["COAT-1", "COAT-2", "SOCK"], [0, 1, 2, 0, 1, 2], [0, 0, 0, 1, 1, 1],
                            on_hand=[100] * 6)
    rules = Rules(
        sku_groups=(("coats", ("COAT-*",)),),
        safety_default=SafetyStock(quantity=1),
        safety_by_type=(("store", SafetyStock(quantity=2)),),
        safety_by_location=(("S1", SafetyStock(quantity=3)),),
        safety_by_sku_group=(("coats", SafetyStock(percent=10)),),
        safety_by_sku=(("COAT-2", SafetyStock(quantity=4)),),
        threshold_default=SafetyStock(quantity=1),
        threshold_by_sku_group=(("coats", SafetyStock(percent=5)),),
    )
    # COAT-1: group 10 % + group threshold 5 %; COAT-2: SKU 4 + 5 %; SOCK: network 1 / location 3, threshold 1.
    assert network_atp(stock, network, rules).node_atp.tolist() == [85, 91, 98, 85, 91, 96]


def test_reservations_count_until_they_expire():
    network = locations_from_rows(["DC", "S1"], ["dc", "store"])
    stock = stock_from_rows(["A"], [0, 0], [0, 1], on_hand=[20, 10])
    rules = Rules(reservations=(
        Reservation("A", 4, "S1", expires_at=10 * DAY),
        Reservation("A", 3, None, expires_at=5 * DAY),  # network-wide
        Reservation("A", 2, "DC"),  # until released
    ), channels=("web",))
    before = network_atp(stock, network, rules, as_of=DAY)
    assert before.node_atp.tolist() == [18, 6] and before.network[0, 0] == 21
    after = network_atp(stock, network, rules, as_of=20 * DAY)
    assert after.node_atp.tolist() == [18, 10] and after.network[0, 0] == 28


def test_a_segment_only_marketplace_sells_its_share_and_others_never_see_it():
    network = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[100])
    only = Rules(channels=("web", "amazon"),
                 segments=(Segment("amazon", frozenset({"amazon"}), percent=10, consumption="segment_only"),))
    result = network_atp(stock, network, only)
    assert result.network[0].tolist() == [90, 10]
    assert result.segment_reserved.tolist() == [[10]] and result.segment_atp.tolist() == [[10]]
    first = Rules(channels=("web", "amazon"), segments=(Segment("amazon", frozenset({"amazon"}), quantity=10),))
    assert network_atp(stock, network, first).network[0].tolist() == [90, 100]


def test_a_customer_segment_reserves_stock_without_a_channel_and_never_more_than_the_pool():
    network = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A", "COAT-1"], [0, 1], [0, 0], on_hand=[5, 50])
    rules = Rules(channels=("web",), sku_groups=(("coats", ("COAT-*",)),), segments=(
        Segment("loyalty", quantity=8, sku_group=None, consumption="segment_only"),
        Segment("vip", quantity=100, sku_group="coats"),
    ))
    result = network_atp(stock, network, rules)
    assert result.segment_reserved.tolist() == [[5, 0], [8, 42]]
    assert result.network[:, 0].tolist() == [0, 0]


def test_distribution_groups_limit_a_channel_per_sku_group_and_region():
    network = locations_from_rows(["DC", "N1", "S1"], ["dc", "store", "store"])
    stock = stock_from_rows(["SOFA", "CUP"], [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], on_hand=[5, 3, 2, 10, 20, 30])
    rules = Rules(
        channels=("web",), sku_groups=(("bulky", ("SOFA",)),), regions=("north",),
        distribution_groups=(DistributionGroup("dcs", frozenset({"dc"})),
                             DistributionGroup("north", locations=frozenset({"N1", "DC"}))),
        group_assignments=(GroupAssignment("web", "dcs", sku_group="bulky"),
                           GroupAssignment("web", "north", region="north")),
    )
    result = network_atp(stock, network, rules)
    assert result.network[:, 0].tolist() == [5, 60]  # bulky from DCs only; cups from everywhere
    # In the north region, the SKU-group assignment (any region) still wins over the region's own set: it is
    # more specific, so bulky stays DC-only; cups sell from the north set.
    assert result.region_network[0, :, 0].tolist() == [5, 30]


def test_in_transit_counts_only_within_the_past_due_window_with_a_discount_per_supply_type():
    node = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A", "B", "C", "D"], [0, 1, 2, 3], [0] * 4, on_hand=[0] * 4,
                            in_transit=[10, 10, 10, 10], eta=[9 * DAY, 4 * DAY, 12 * DAY, 20 * DAY],
                            supply_type=["po", "transfer", "po", None])
    rules = Rules(in_transit=True, in_transit_horizon_days=5, in_transit_past_due_days=2,
                  in_transit_discount_percent=10, in_transit_discount_by_type=(("po", 50),))
    # as of day 10: A (1 day overdue, po −50 %) 5; B (6 days overdue) 0; C (in 2 days, po) 5; D (in 10) 0.
    assert network_atp(stock, node, rules, as_of=10 * DAY).node_atp.tolist() == [5, 0, 5, 0]
    forever = Rules(in_transit=True, in_transit_horizon_days=5, in_transit_past_due_days=None)
    assert network_atp(stock, node, forever, as_of=10 * DAY).node_atp.tolist() == [10, 10, 10, 0]


def test_the_full_rules_document_round_trips():
    document = {
        "channels": ["web", "amazon"],
        "sku_groups": {"coats": ["COAT-*"]},
        "safety_stock": {"by_sku_group": {"coats": {"percent": 12.5}}},
        "thresholds": {"store": 1, "default": {"quantity": 2}, "by_sku": {"X": {"percent": 5}}},
        "network": {"online_threshold": {"quantity": 10}, "channels": ["web"], "brokering_queue": {"X": 3}},
        "reservations": [{"sku": "X", "location": "DC", "quantity": 2, "expires_at": "2025-03-10T18:00:00Z"}],
        "in_transit": {"enabled": True, "horizon_days": 3, "past_due_days": None, "discount_by_type": {"po": 20}},
        "segments": [{"name": "amazon", "channels": ["amazon"], "percent": 10, "consumption": "segment_only"}],
        "distribution": {"groups": {"dcs": {"location_types": ["dc"]}}, "regions": ["north"],
                         "assignments": [{"channel": "web", "group": "dcs", "region": "north"}]},
    }
    rules, errors = parse_rules(document)
    assert errors == {}
    again, _ = parse_rules(rules_to_document(rules))
    assert again == rules
    assert rules.reservations[0].expires_at == 1741629600
    assert rules_to_document(rules)["reservations"][0]["expires_at"] == "2025-03-10T18:00:00Z"


@pytest.mark.parametrize(("document", "place"), [
    ({"segments": [{"name": "a", "percent": 10, "consumption": "greedy"}]}, "segments[0].consumption"),
    ({"segments": [{"name": "a", "percent": 10, "sku_group": "coats"}]}, "segments[0].sku_group"),
    ({"reservations": [{"sku": "X", "quantity": 1, "expires_at": "next tuesday"}]}, "reservations[0].expires_at"),
    ({"reservations": [{"sku": "X", "quantity": -1}]}, "reservations[0].quantity"),
    ({"distribution": {"assignments": [{"channel": "web", "group": "nowhere"}]}}, "distribution.assignments[0].group"),
    ({"thresholds": {"by_sku_group": {"coats": {"quantity": 1}}}}, "thresholds.by_sku_group.coats"),
    ({"network": {"online_threshold": {"percent": 120}}}, "network.online_threshold.percent"),
    ({"network": {"brokering_queue": {"X": "ten"}}}, "network.brokering_queue.X"),
    ({"in_transit": {"past_due_days": -1}}, "in_transit.past_due_days"),
    ({"in_transit": {"discount_by_type": {"po": 150}}}, "in_transit.discount_by_type.po"),
    ({"sku_groups": {"coats": []}}, "sku_groups.coats"),
])
def test_a_bad_rule_is_an_error_naming_its_place(document, place):
    rules, errors = parse_rules(document)
    assert rules is None and place in errors
