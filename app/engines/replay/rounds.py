"""The replay itself (`replay`): receipts and order lines as one event stream per SKU, processed in rounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.engines.atp import (
    PICKUP,
    Compiled,
    Locations,
    Rules,
    Stock,
    arriving,
    channel_key,
    compile_rules,
    fence_caps,
    held,
    network_holds,
    resolve_safety,
)
from app.engines.atp.network import segment_members, segment_shares
from app.engines.replay.model import OK, OVERSOLD, PHANTOM, REFUSED, LineOutcomes, OrderLines, Receipts, ReplayResult
from app.engines.replay.summary import summarise


def replay(
    stock: Stock,
    locations: Locations,
    rules: Rules,
    orders: OrderLines,
    receipts: Receipts | None = None,
    latency_seconds: Mapping[str, float] | None = None,
    progress=None,
) -> ReplayResult:
    """Replay the order lines against the stock under the rules; `progress(fraction)` is called now and then."""
    receipts = receipts if receipts is not None else Receipts.empty()
    comp = compile_rules(rules, locations, stock.skus, orders.channels)
    latency = {channel_key(k): float(v) for k, v in (latency_seconds or {}).items()}
    lag = np.array([int(round(latency.get(c, 0.0))) for c in comp.channels], np.int64)
    line_channel = np.array([comp.channels.index(channel_key(c)) for c in orders.channels], np.int32)
    line_channel = line_channel[orders.channel] if len(orders) else np.zeros(0, np.int32)
    outcomes = _run(stock, locations, comp, orders, line_channel, receipts, lag, progress)
    summary = summarise(orders, outcomes, comp, line_channel, stock.skus, locations, lag)
    return ReplayResult(outcomes, summary, comp)


@dataclass(eq=False)
class _Dense:
    """Per SKU in play (rows) × node (columns): the static fields of the stock."""

    on_hand: np.ndarray
    allocated: np.ndarray
    safety_qty: np.ndarray
    safety_pct: np.ndarray | None  # p4 (0.0001 %), −1 where a quantity
    threshold_qty: np.ndarray
    threshold_pct: np.ndarray | None
    in_transit: np.ndarray
    eta: np.ndarray
    reserved: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # layers of (units, expiry), each (U, N)


def _reservation_layers(comp: Compiled, position: np.ndarray, shape: tuple[int, int]):
    """Reservations at nodes, for the SKUs in play, as layers of (units, expiry) matrices: the k-th reservation
    of a cell sits in layer k, so cells holding several reservations with different expiries stay exact."""
    sku, node, units, expiry = comp.reservations
    keep = (sku >= 0) & (node >= 0)
    keep[keep] = position[sku[keep]] >= 0
    rows, cols, units, expiry = position[sku[keep]], node[keep], units[keep], expiry[keep]
    cell = rows * shape[1] + cols
    order = np.argsort(cell, kind="stable")
    cell, units, expiry = cell[order], units[order], expiry[order]
    rank = np.arange(len(cell)) - np.searchsorted(cell, cell, "left")
    layers = []
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        at = rank == k
        u, e = np.zeros(shape[0] * shape[1], np.int64), np.zeros(shape[0] * shape[1], np.int64)
        u[cell[at]], e[cell[at]] = units[at], expiry[at]
        layers.append((u.reshape(shape), e.reshape(shape)))
    return tuple(layers)


def _dense(stock: Stock, comp: Compiled, used: np.ndarray, position: np.ndarray, n_nodes: int) -> _Dense:
    shape = (len(used), n_nodes)
    rows = position[stock.sku] >= 0
    r, c = position[stock.sku[rows]], stock.node[rows]

    def spread(values, fill):
        out = np.full(shape, fill, np.int64)
        out[r, c] = values[rows]
        return out

    dataset_safety = spread(stock.safety_stock, -1)
    sku_index = np.repeat(used, n_nodes).reshape(shape)
    node_index = np.tile(np.arange(n_nodes), len(used)).reshape(shape)
    qty, pct = resolve_safety(comp, sku_index, node_index, dataset_safety)
    t_qty, t_pct = comp.node_threshold.resolve(sku_index, node_index)
    return _Dense(spread(stock.on_hand, 0), spread(stock.allocated, 0), qty, pct, t_qty, t_pct,
                  spread(stock.in_transit, 0), spread(stock.eta, np.iinfo(np.int64).min),
                  _reservation_layers(comp, position, shape))


def _run(stock, locations, comp, orders, line_channel, receipts, lag, progress) -> LineOutcomes:
    n_lines, n_nodes = len(orders), len(locations)
    status = np.full(n_lines, REFUSED, np.int8)
    short = np.zeros(n_lines, np.int64)
    visible = np.zeros(n_lines, np.int64)
    true_atp = np.zeros(n_lines, np.int64)
    blamed = np.full(n_lines, -1, np.int32)
    if n_lines == 0:
        return LineOutcomes(status, short, visible, true_atp, blamed)

    used = np.unique(orders.sku)
    position = np.full(len(stock.skus), -1, np.int64)
    position[used] = np.arange(len(used))
    dense = _dense(stock, comp, used, position, n_nodes)
    keep = position[receipts.sku] >= 0 if len(receipts.time) else np.zeros(0, bool)

    # One event stream: receipts (kind 0) before orders (kind 1) at the same second, then input order.
    ev_sku = np.concatenate([position[receipts.sku[keep]], position[orders.sku]])
    ev_time = np.concatenate([receipts.time[keep], orders.time]).astype(np.int64)
    ev_kind = np.concatenate([np.zeros(int(keep.sum()), np.int8), np.ones(n_lines, np.int8)])
    ev_ref = np.concatenate([np.flatnonzero(keep), np.arange(n_lines)])
    order = np.lexsort((ev_ref, ev_kind, ev_time, ev_sku))
    ev_sku, ev_time, ev_kind, ev_ref = ev_sku[order], ev_time[order], ev_kind[order], ev_ref[order]
    n_events = len(order)
    starts = np.searchsorted(ev_sku, np.arange(len(used)), "left")
    rank = np.arange(n_events) - starts[ev_sku]

    # The state each order's channel saw: the last event of its SKU at or before t − L (never itself).
    t0 = int(ev_time.min())
    key = (ev_sku << 32) + (ev_time - t0)
    is_order = ev_kind == 1
    ch_of_event = np.zeros(n_events, np.int32)
    ch_of_event[is_order] = line_channel[ev_ref[is_order]]
    looked = np.maximum(ev_time - lag[ch_of_event] - t0, -1)
    seen = np.minimum(np.searchsorted(key, (ev_sku << 32) + looked, "right") - 1, np.arange(n_events) - 1)

    history = np.empty((n_events, n_nodes), np.int64)
    current = dense.on_hand.copy()
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(rank))])
    # Everything a round reads, laid out in round order once, so that each round takes slices, not gathers.
    r = _RoundArrays(by_rank, ev_sku, ev_time, ev_kind, ev_ref, seen, starts, lag, comp, orders, line_channel,
                     n_nodes, used)
    r.holds = network_holds(comp)
    r.receipts_in_round = np.add.reduceat((r.kind == 0).astype(np.int64), bounds[:-1]) > 0
    fixed = dense.allocated.copy()
    if dense.safety_pct is None:
        fixed = fixed + dense.safety_qty
    if dense.threshold_pct is None:
        fixed = fixed + dense.threshold_qty
    step = max(1, (len(bounds) - 1) // 50)
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        if r.receipts_in_round[k]:
            sel = slice(a, b)
            receipt = r.kind[sel] == 0
            idx, s, ref = r.event[sel][receipt], r.sku[sel][receipt], r.ref[sel][receipt]
            current[s, receipts.node[ref]] += receipts.quantity[ref]
            history[idx] = current[s]
            orders_here = ~receipt
            if orders_here.any():
                rows = np.flatnonzero(orders_here) + a
                _orders_round(rows, r, history, current, dense, fixed, comp, status, short, visible, true_atp,
                              blamed)
        else:
            _orders_round(slice(a, b), r, history, current, dense, fixed, comp, status, short, visible, true_atp,
                          blamed)
        if progress is not None and k % step == 0:
            progress(k / (len(bounds) - 1))
    return LineOutcomes(status, short, visible, true_atp, blamed)


def _network_level(comp: Compiled, totals: np.ndarray, sku: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """A channel's total after the network deductions: less the online threshold, floored unless backorders."""
    online = comp.online
    if online.sku_rule.any() and comp.online_channels.any():
        applies = online.sku_rule[sku] & comp.online_channels[channel]
        totals = totals - np.where(applies, held(online.qty_sku[sku], online.p4_sku[sku], totals), 0)
    return totals if comp.rules.backorders else np.maximum(totals, 0)


def _caps(comp: Compiled, atp: np.ndarray, deducted: np.ndarray, sku: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """What each view's channel may promise under segments and ring-fences, as in the ATP run."""
    rows = np.arange(len(sku))
    pool = (atp * comp.pool_nodes).sum(axis=1) - deducted
    if not comp.rules.backorders:
        pool = np.maximum(pool, 0)
    shared = pool
    if comp.rules.segments:
        reserved, shared = segment_shares(comp, pool, comp.sku_group[sku])
    cap = np.maximum(shared, 0)
    if comp.fenced:
        eligible_any = atp @ comp.any_eligible.T.astype(np.int64) - deducted[:, None]
        if not comp.rules.backorders:
            eligible_any = np.maximum(eligible_any, 0)
        cap = fence_caps(comp, eligible_any, shared)[0][rows, channel]
    if comp.rules.segments:
        member, only = segment_members(comp)
        cap = (reserved * member[:, channel].T).sum(axis=1) + np.where(only[channel], 0, cap)
    return cap


class _RoundArrays:
    """Per-event arrays in round order (k-th event of every SKU together), orders' fields filled in."""

    def __init__(self, by_rank, ev_sku, ev_time, ev_kind, ev_ref, seen, starts, lag, comp, orders, line_channel,
                 n_nodes, used) -> None:
        self.event = by_rank
        self.sku = ev_sku[by_rank]
        self.global_sku = used[self.sku]  # index into the stock's SKU list (network holds, SKU groups)
        self.kind = ev_kind[by_rank]
        self.ref = ev_ref[by_rank]
        time = ev_time[by_rank]
        is_order = self.kind == 1
        line = np.where(is_order, self.ref, 0)
        self.line = line
        self.channel = line_channel[line] if len(line_channel) else np.zeros(len(line), np.int32)
        self.qty = orders.quantity[line]
        self.time = time[:, None]
        self.lagged = (time - lag[self.channel])[:, None]
        j = seen[by_rank]
        self.initial = (j < starts[self.sku])[:, None]
        self.seen = np.maximum(j, 0)
        fulfil = orders.fulfillment[line]
        mask = comp.eligible[self.channel, fulfil]
        pickup = fulfil == PICKUP
        if pickup.any():
            mask = mask & np.where(pickup[:, None], np.arange(n_nodes)[None, :] == orders.pickup_node[line][:, None],
                                   True)
        table = comp.group_table[0]
        if (table >= 0).any():  # distribution groups: a channel sells only from its group for the SKU's group
            sku_class = np.where(comp.sku_group < 0, table.shape[1] - 1, comp.sku_group)[self.global_sku]
            group = table[self.channel, sku_class]
            mask = mask & ((group < 0)[:, None] | comp.group_nodes[np.maximum(group, 0)])
        self.mask = mask
        self.holds = None  # set by the caller
        self.receipts_in_round = np.zeros(0, bool)  # set by the caller, which knows the round bounds


def _orders_round(sel, r: _RoundArrays, history, current, dense, fixed, comp, status, short, visible, true_atp,
                  blamed) -> None:
    s = r.sku[sel]
    line = r.line[sel]
    qty = r.qty[sel]
    mask = r.mask[sel]
    now = current[s]
    then = np.where(r.initial[sel], dense.on_hand[s], history[r.seen[sel]])
    both = np.concatenate([then, now])  # one ATP computation for the stale and the true view
    atp = both - np.concatenate([fixed[s], fixed[s]])
    if dense.safety_pct is not None:
        atp = atp - held(np.concatenate([dense.safety_qty[s]] * 2), np.concatenate([dense.safety_pct[s]] * 2), both)
    if dense.threshold_pct is not None:
        atp = atp - held(np.concatenate([dense.threshold_qty[s]] * 2), np.concatenate([dense.threshold_pct[s]] * 2),
                         both)
    rules = comp.rules
    for units, expiry in dense.reserved:  # reservations hold ATP (not stock) until they expire
        moment = np.concatenate([r.lagged[sel], r.time[sel]])
        atp = atp - np.where(np.concatenate([expiry[s]] * 2) > moment, np.concatenate([units[s]] * 2), 0)
    if rules.in_transit:
        as_of = np.concatenate([r.lagged[sel], r.time[sel]])
        eta, transit = np.concatenate([dense.eta[s]] * 2), np.concatenate([dense.in_transit[s]] * 2)
        atp = atp + arriving(comp, transit, eta, as_of)
    if not rules.backorders:
        atp = np.maximum(atp, 0)
    n = len(s)
    atp_then, atp_now = atp[:n], atp[n:]
    sums = (atp * np.concatenate([mask, mask])).sum(axis=1)
    ch = r.channel[sel]
    sku2 = np.concatenate([r.global_sku[sel]] * 2)
    moments = np.concatenate([r.lagged[sel][:, 0], r.time[sel][:, 0]])
    deducted = r.holds.at(sku2, moments)  # brokering queue and network-wide reservations, as each view saw them
    sums = _network_level(comp, sums - deducted, sku2, np.concatenate([ch, ch]))
    seen_atp, true = sums[:n], sums[n:]
    if comp.fenced or rules.segments:
        cap = _caps(comp, atp, deducted, sku2, np.concatenate([ch, ch]))
        seen_atp, true = np.minimum(seen_atp, cap[:n]), np.minimum(true, cap[n:])

    physical_node = np.maximum(now - dense.allocated[s], 0)
    accept = np.ones(n, bool) if rules.backorders else seen_atp >= qty

    # Route to the eligible nodes with the most ATP, then to physical stock beyond ATP there.
    first = np.minimum(np.maximum(atp_now, 0), physical_node) * mask
    route = np.argsort(-first, axis=1, kind="stable")
    cap1 = np.take_along_axis(first, route, axis=1)
    take1 = np.clip(qty[:, None] - (np.cumsum(cap1, axis=1) - cap1), 0, cap1)
    rest = qty - take1.sum(axis=1)
    cap2 = np.take_along_axis(physical_node * mask, route, axis=1) - take1
    take2 = np.clip(rest[:, None] - (np.cumsum(cap2, axis=1) - cap2), 0, cap2)
    taken = np.zeros_like(now)
    np.put_along_axis(taken, route, (take1 + take2) * accept[:, None], axis=1)
    after = now - taken
    current[s] = after
    history[r.event[sel]] = after

    missing = np.where(accept, qty - taken.sum(axis=1), 0)
    oversold = accept & (missing > 0)
    status[line] = np.where(accept, np.where(oversold, OVERSOLD, OK), np.where(true >= qty, PHANTOM, REFUSED))
    short[line] = missing
    visible[line] = seen_atp
    true_atp[line] = true
    if oversold.any():
        gap = np.where(mask, np.maximum(atp_then, 0) - physical_node, np.iinfo(np.int64).min)
        blamed[line[oversold]] = np.argmax(gap[oversold], axis=1)
