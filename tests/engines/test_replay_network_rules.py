"""The replay applies the network-level ATP rules as the ATP run does: the brokering queue, network-wide
reservations until they expire, the online threshold and distribution groups."""

from __future__ import annotations

import numpy as np

from app.engines.atp import (
    DistributionGroup,
    GroupAssignment,
    Reservation,
    Rules,
    SafetyStock,
    locations_from_rows,
    stock_from_rows,
)
from app.engines.replay import OrderLines, replay
from app.engines.replay.model import OK, REFUSED


def web_orders(times, skus, quantities):
    n = len(times)
    return OrderLines(("web",), np.asarray(times, np.int64), np.zeros(n, np.int32), np.zeros(n, np.int8),
                      np.full(n, -1, np.int32), np.asarray(skus, np.int32), np.asarray(quantities, np.int64),
                      np.ones(n))


def test_the_brokering_queue_and_online_threshold_hold_units_back_from_web_orders():
    dc = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[10])
    rules = Rules(channels=("web",), online_threshold=SafetyStock(quantity=3), brokering_queue=(("A", 2),))
    outcome = replay(stock, dc, rules, web_orders([10, 20], [0, 0], [5, 1]))
    # 10 − 2 in the queue − 3 threshold = 5: the first line takes them all, the second finds none.
    assert outcome.lines.status.tolist() == [OK, REFUSED]
    assert outcome.lines.visible.tolist() == [5, 0]


def test_a_network_reservation_holds_stock_only_until_it_expires():
    dc = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[10])
    rules = Rules(channels=("web",), reservations=(Reservation("A", 8, None, expires_at=100),))
    outcome = replay(stock, dc, rules, web_orders([50, 200], [0, 0], [5, 5]))
    assert outcome.lines.status.tolist() == [REFUSED, OK]
    assert outcome.lines.visible.tolist() == [2, 10]


def test_a_distribution_group_keeps_bulky_web_orders_to_the_dcs():
    network = locations_from_rows(["DC", "S1"], ["dc", "store"])
    stock = stock_from_rows(["SOFA", "CUP"], [0, 1], [1, 1], on_hand=[4, 4])
    rules = Rules(channels=("web",), sku_groups=(("bulky", ("SOFA",)),),
                  distribution_groups=(DistributionGroup("dcs", frozenset({"dc"})),),
                  group_assignments=(GroupAssignment("web", "dcs", sku_group="bulky"),))
    outcome = replay(stock, network, rules, web_orders([10, 10], [0, 1], [1, 1]))
    assert outcome.lines.status.tolist() == [REFUSED, OK]


def test_a_reservation_at_a_node_holds_its_atp_until_it_expires_without_touching_physical_stock():
    network = locations_from_rows(["DC", "S1"], ["dc", "store"])
    stock = stock_from_rows(["A"], [0, 0], [0, 1], on_hand=[6, 4])
    rules = Rules(channels=("web",), reservations=(Reservation("A", 5, "DC", expires_at=100),
                                                   Reservation("A", 1, "DC", expires_at=300),
                                                   Reservation("A", 2, "S1")))
    outcome = replay(stock, network, rules, web_orders([50, 200, 400], [0, 0, 0], [3, 3, 1]))
    # t=50: DC 6 − 5 − 1 = 0, S1 4 − 2 = 2 -> 3 refused; t=200: DC 5, S1 2 -> 3 accepted;
    # t=400: the DC's last reservation has gone: 6 − 3 = 3 at the DC (the S1 one never expires).
    assert outcome.lines.status.tolist() == [REFUSED, OK, OK]
    assert outcome.lines.visible.tolist() == [2, 7, 5]


def test_segments_cap_what_each_channel_sees_in_the_replay_as_in_the_atp_run():
    from app.engines.atp import Segment, network_atp

    dc = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[100])
    rules = Rules(channels=("web", "amazon"),
                  segments=(Segment("amazon", frozenset({"amazon"}), percent=10, consumption="segment_only"),))
    assert network_atp(stock, dc, rules).network[0].tolist() == [90, 10]
    lines = OrderLines(("web", "amazon"), np.array([10, 20, 30], np.int64), np.array([0, 1, 1], np.int32),
                       np.zeros(3, np.int8), np.full(3, -1, np.int32), np.zeros(3, np.int32),
                       np.array([95, 10, 1], np.int64), np.ones(3))
    outcome = replay(stock, dc, rules, lines)
    # web sees 90 of the 100 (refused 95); amazon its 10; then 90 left, amazon's share 9 — and it takes 1.
    assert outcome.lines.visible.tolist() == [90, 10, 9]
    assert outcome.lines.status.tolist() == [REFUSED, OK, OK]
