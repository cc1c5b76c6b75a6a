"""The oversell replay: definitions on hand-made cases, the zero-latency invariant, and agreement with a
line-by-line reference written straight from the definitions (docs/atp.md)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engines.atp import Grant, RingFence, Rules, SafetyStock, locations_from_rows, stock_from_rows
from app.engines.replay import OK, OVERSOLD, PHANTOM, REFUSED, OrderLines, Receipts, replay

HOUR = 3600


def orders(channels, rows, price=None):
    """rows: (time, channel index, fulfilment 0/1, pickup node, sku, quantity)."""
    a = np.array(rows, dtype=np.int64).reshape(-1, 6)
    return OrderLines(tuple(channels), a[:, 0], a[:, 1].astype(np.int32), a[:, 2].astype(np.int8),
                      a[:, 3].astype(np.int32), a[:, 4].astype(np.int32), a[:, 5],
                      np.full(len(a), np.nan) if price is None else np.asarray(price, float))


def receipts(rows):
    a = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return Receipts(a[:, 0], a[:, 1].astype(np.int32), a[:, 2].astype(np.int32), a[:, 3])


DC = locations_from_rows(["DC"], ["dc"])


def test_a_stale_channel_accepts_a_line_stock_no_longer_covers_and_it_is_oversold():
    stock = stock_from_rows(["A"], [0], [0], on_hand=[3])
    lines = orders(["web"], [(0, 0, 0, -1, 0, 2), (HOUR, 0, 0, -1, 0, 2)], price=[10.0, 10.0])
    result = replay(stock, DC, Rules(), lines, latency_seconds={"web": 2 * HOUR})
    assert result.lines.status.tolist() == [OK, OVERSOLD]
    assert result.lines.short.tolist() == [0, 1]  # one unit was there, one was not
    totals = result.summary.totals
    assert (totals.accepted, totals.oversold, totals.oversold_units, totals.oversold_value) == (2, 1, 1, 10.0)
    assert result.summary.top_skus[0].sku == "A" and result.summary.top_locations[0].location_id == "DC"


def test_a_stale_channel_refuses_a_line_a_receipt_has_since_covered_and_it_is_a_phantom_stock_out():
    stock = stock_from_rows(["A"], [0], [0], on_hand=[0])
    lines = orders(["web"], [(2 * HOUR, 0, 0, -1, 0, 1)])
    result = replay(stock, DC, Rules(), lines, receipts([(HOUR, 0, 0, 5)]), {"web": 3 * HOUR})
    assert result.lines.status.tolist() == [PHANTOM]
    assert (result.lines.visible.tolist(), result.lines.true_atp.tolist()) == ([0], [5])


def test_a_fresh_channel_sees_the_receipt_and_accepts():
    stock = stock_from_rows(["A"], [0], [0], on_hand=[0])
    lines = orders(["web"], [(2 * HOUR, 0, 0, -1, 0, 1)])
    result = replay(stock, DC, Rules(), lines, receipts([(HOUR, 0, 0, 5)]), {"web": 60})
    assert result.lines.status.tolist() == [OK]


def test_siloed_stores_sell_only_their_own_stock_while_a_central_pool_ships_from_any_store():
    network = locations_from_rows(["S1", "S2"], ["store", "store"], ship_from=[True, True], pickup=[True, True])
    stock = stock_from_rows(["A"], [0, 0], [0, 1], on_hand=[0, 4])
    lines = orders(["store", "web"], [(0, 0, 1, 0, 0, 1), (10, 1, 0, -1, 0, 1)])
    siloed = Rules(channels=("store", "web"), eligibility_default="none",
                   grants=(Grant("store", "pickup", frozenset({"store"})),))
    result = replay(stock, network, siloed, lines)
    assert result.lines.status.tolist() == [REFUSED, REFUSED]  # no stock at S1, web may not use stores
    central = Rules(channels=("store", "web"), eligibility_default="none",
                    grants=(Grant("store", "pickup", frozenset({"store"})), Grant("web", "ship", frozenset({"store"}))))
    assert replay(stock, network, central, lines).lines.status.tolist() == [REFUSED, OK]


def test_the_summary_counts_per_channel_and_per_day():
    stock = stock_from_rows(["A"], [0], [0], on_hand=[1])
    day = 86_400
    lines = orders(["web", "app"], [(0, 0, 0, -1, 0, 1), (day + 5, 1, 0, -1, 0, 1), (day + 9, 0, 0, -1, 0, 1)])
    summary = replay(stock, DC, Rules(), lines).summary
    by_channel = dict(summary.by_channel)
    assert (by_channel["web"].lines, by_channel["web"].accepted, by_channel["app"].refused) == (2, 1, 1)
    days = {(d, c): t.lines for d, c, t in summary.by_day}
    assert days == {("1970-01-01", "web"): 1, ("1970-01-01", "app"): 0, ("1970-01-02", "web"): 1,
                    ("1970-01-02", "app"): 1}


# --- a reference replay, one line at a time, written from the definitions -------------------------

TYPES = ("store", "dc")


def reference(stock, locations, rules, lines, arrivals, latency):
    """Plain Python: per SKU, a list of (time, state) after each event; channels look back L seconds."""
    n = len(locations)
    channels = list(dict.fromkeys([*rules.channels, *lines.channels]))
    thresholds = dict(rules.thresholds)
    safety_type = dict(rules.safety_by_type)

    def eligible(channel, fulfil, node):
        granted = [g for g in rules.grants if g.channel == channel and g.fulfillment == fulfil]
        if not granted:
            return rules.eligibility_default == "all"
        flag = locations.ship_from[node] if fulfil == "ship" else locations.pickup[node]
        return any(str(locations.types[node]) in g.location_types and (flag or not g.only_flagged) for g in granted)

    def node_atp(on_hand, row_safety, node):
        spec = safety_type.get(str(locations.types[node]))
        safety = row_safety if row_safety >= 0 else 0
        if row_safety < 0 and spec is not None:
            safety = spec.quantity if spec.quantity is not None else math.ceil(max(on_hand, 0) * spec.percent / 100)
        value = on_hand - allocated_of(node) - safety - thresholds.get(str(locations.types[node]), 0)
        return value if rules.backorders else max(value, 0)

    def channel_atp(state, channel, fulfil, pickup):
        atps = [node_atp(state[k], safety_of(k), k) for k in range(n)]
        mask = [eligible(channel, fulfil, k) and (fulfil == "ship" or k == pickup) for k in range(n)]
        seen = sum(a for a, m in zip(atps, mask, strict=True) if m)
        if rules.allocation == "ring_fenced" and rules.fences:
            pool = max(sum(a for k, a in enumerate(atps) if any(eligible(c, f, k) for c in channels
                                                                 for f in ("ship", "pickup"))), 0)
            left, fenced = pool, {}
            for fence in rules.fences:
                want = fence.quantity if fence.quantity is not None else math.floor(pool * fence.percent / 100 + 1e-9)
                fenced[fence.channel] = min(want, left)
                left -= fenced[fence.channel]
            if rules.unused_fence == "share":
                for c, r in fenced.items():
                    reach = max(sum(a for k, a in enumerate(atps)
                                    if eligible(c, "ship", k) or eligible(c, "pickup", k)), 0)
                    left += r - min(r, reach)
            seen = min(seen, fenced.get(channel, 0) + left)
        return seen, atps, mask

    status = [None] * len(lines)
    events = [(int(arrivals.sku[i]), int(arrivals.time[i]), 0, i) for i in range(len(arrivals.time))]
    events += [(int(lines.sku[i]), int(lines.time[i]), 1, i) for i in range(len(lines))]
    for sku in sorted({e[0] for e in events}):
        rows = {int(stock.node[r]): r for r in range(len(stock.sku)) if stock.sku[r] == sku}

        def allocated_of(k, rows=rows):
            return int(stock.allocated[rows[k]]) if k in rows else 0

        def safety_of(k, rows=rows):
            return int(stock.safety_stock[rows[k]]) if k in rows else -1

        state = [int(stock.on_hand[rows[k]]) if k in rows else 0 for k in range(n)]
        history = []  # (time, state after the event)
        for _, t, kind, i in sorted(e for e in events if e[0] == sku):
            if kind == 0:
                state[int(arrivals.node[i])] += int(arrivals.quantity[i])
            else:
                channel = lines.channels[lines.channel[i]]
                fulfil = "pickup" if lines.fulfillment[i] else "ship"
                then = next((s for when, s in reversed(history) if when <= t - latency.get(channel, 0)), None)
                then = then if then is not None else [int(stock.on_hand[rows[k]]) if k in rows else 0 for k in range(n)]
                visible, _, _ = channel_atp(then, channel, fulfil, int(lines.pickup_node[i]))
                true, atps, mask = channel_atp(state, channel, fulfil, int(lines.pickup_node[i]))
                qty = int(lines.quantity[i])
                physical = [max(state[k] - allocated_of(k), 0) if mask[k] else 0 for k in range(n)]
                if rules.backorders or visible >= qty:
                    first = [min(max(atps[k], 0), physical[k]) if mask[k] else 0 for k in range(n)]
                    order = sorted(range(n), key=lambda k, first=first: -first[k])
                    need = qty
                    for k in order:
                        got = min(need, first[k])
                        state[k] -= got
                        physical[k] -= got
                        need -= got
                    for k in order:
                        got = min(need, physical[k])
                        state[k] -= got
                        need -= got
                    status[i] = OVERSOLD if need > 0 else OK
                else:
                    status[i] = PHANTOM if true >= qty else REFUSED
            history.append((t, list(state)))
    return status


@st.composite
def cases(draw):
    n_nodes, n_skus = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n_nodes, max_size=n_nodes))
    flags = draw(st.lists(st.booleans(), min_size=n_nodes, max_size=n_nodes))
    locations = locations_from_rows([f"L{i}" for i in range(n_nodes)], types, flags, flags)
    cells = draw(st.lists(st.tuples(st.integers(0, n_skus - 1), st.integers(0, n_nodes - 1)), min_size=1,
                          max_size=n_skus * n_nodes, unique=True))
    k = len(cells)
    stock = stock_from_rows([f"S{i}" for i in range(n_skus)], [c[0] for c in cells], [c[1] for c in cells],
                            on_hand=draw(st.lists(st.integers(-2, 8), min_size=k, max_size=k)),
                            allocated=draw(st.lists(st.integers(0, 2), min_size=k, max_size=k)),
                            safety_stock=draw(st.lists(st.integers(-1, 2), min_size=k, max_size=k)))
    channels = ["web", "store"]
    n_lines = draw(st.integers(1, 25))
    rows = []
    for _ in range(n_lines):
        fulfil = draw(st.integers(0, 1))
        rows.append((draw(st.integers(0, 20)) * 600, draw(st.integers(0, 1)), fulfil,
                     draw(st.integers(0, n_nodes - 1)) if fulfil else -1, draw(st.integers(0, n_skus - 1)),
                     draw(st.integers(1, 3))))
    arrivals = [(draw(st.integers(0, 20)) * 600, draw(st.integers(0, n_skus - 1)), draw(st.integers(0, n_nodes - 1)),
                 draw(st.integers(1, 5))) for _ in range(draw(st.integers(0, 4)))]
    grants = tuple(Grant(c, f, frozenset(draw(st.sets(st.sampled_from(TYPES), min_size=1))),
                         only_flagged=draw(st.booleans()))
                   for c in channels for f in ("ship", "pickup") if draw(st.booleans()))
    fences = ()
    if draw(st.booleans()):
        fences = (RingFence("store", percent=draw(st.integers(0, 60))),)
    rules = Rules(channels=tuple(channels), grants=grants, eligibility_default=draw(st.sampled_from(("all", "none"))),
                  thresholds=(("store", draw(st.integers(0, 2))),),
                  safety_by_type=(("dc", SafetyStock(percent=draw(st.integers(0, 30)))),),
                  allocation="ring_fenced" if fences else "shared", fences=fences,
                  unused_fence=draw(st.sampled_from(("keep", "share"))), backorders=draw(st.booleans()))
    latency = {"web": draw(st.sampled_from((0, 600, 3600))), "store": draw(st.sampled_from((0, 1200)))}
    arrived = receipts(arrivals) if arrivals else Receipts.empty()
    return stock, locations, rules, orders(channels, rows), arrived, latency


@settings(max_examples=200, deadline=None)
@given(cases())
def test_the_vectorised_replay_agrees_with_the_line_by_line_reference(case):
    stock, locations, rules, lines, arrivals, latency = case
    result = replay(stock, locations, rules, lines, arrivals, latency)
    assert result.lines.status.tolist() == reference(stock, locations, rules, lines, arrivals, latency)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_with_zero_latency_and_a_central_pool_nothing_is_oversold_and_no_stock_out_is_phantom(case):
    stock, locations, rules, lines, arrivals, _ = case
    central = Rules(channels=rules.channels, thresholds=rules.thresholds, safety_by_type=rules.safety_by_type)
    result = replay(stock, locations, central, lines, arrivals, {"web": 0, "store": 0})
    assert not np.isin(result.lines.status, [OVERSOLD, PHANTOM]).any()
