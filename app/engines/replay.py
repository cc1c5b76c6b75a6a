"""Oversell replay: order lines in time order against stock, each channel seeing ATP as it was L(channel) ago.

Definitions (docs/atp.md):
- visible ATP: the channel's ATP under the rules, computed from the stock as it stood at t − L(channel);
- true ATP: the same rules over the stock as it stands at t;
- a line is accepted when visible ATP covers it (always, when backorders are allowed) and then consumes
  real stock: routed to the eligible nodes with the most ATP first, then to any physical stock left there;
- oversold: accepted, but the physical stock (on hand − allocated) of the eligible nodes cannot cover it;
- phantom stock-out: refused, though the true ATP, under the same rules, would have covered it.
Receipts add stock when they arrive. SKUs never interact, so each SKU's events form one stream; the k-th
event of every SKU is processed together ("rounds"), which keeps the work in numpy even for 1M lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from app.engines.atp import (
    DAY,
    PICKUP,
    Compiled,
    Locations,
    Rules,
    Stock,
    channel_key,
    compile_rules,
    fence_caps,
    resolve_safety,
)

OK, OVERSOLD, REFUSED, PHANTOM = 0, 1, 2, 3
STATUSES = ("accepted", "oversold", "refused", "phantom")
TOP = 10


@dataclass(frozen=True, eq=False)
class OrderLines:
    """Order lines; `channel` indexes `channels`, `sku` indexes the Stock's skus."""

    channels: tuple[str, ...]
    time: np.ndarray  # int64 seconds since the epoch
    channel: np.ndarray  # int32
    fulfillment: np.ndarray  # int8: SHIP or PICKUP
    pickup_node: np.ndarray  # int32, -1 for ship lines
    sku: np.ndarray  # int32
    quantity: np.ndarray  # int64
    unit_price: np.ndarray  # float64, NaN where unknown

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True, eq=False)
class Receipts:
    """Stock arrivals over time."""

    time: np.ndarray  # int64
    sku: np.ndarray  # int32
    node: np.ndarray  # int32
    quantity: np.ndarray  # int64

    @staticmethod
    def empty() -> Receipts:
        """No arrivals."""
        return Receipts(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))


@dataclass(frozen=True, eq=False)
class LineOutcomes:
    """What happened to each order line (aligned with the input)."""

    status: np.ndarray  # int8: OK, OVERSOLD, REFUSED, PHANTOM
    short: np.ndarray  # int64 units physical stock could not cover (oversold lines)
    visible: np.ndarray  # int64 ATP the channel saw
    true_atp: np.ndarray  # int64 ATP at the moment of the order
    blamed_node: np.ndarray  # int32 node whose stale figure most overstated stock (oversold lines), else -1


@dataclass(frozen=True)
class Totals:
    """Counts for a set of order lines; accepted includes oversold, refused includes phantom."""

    lines: int
    accepted: int
    oversold: int
    refused: int
    phantom: int
    units: int
    oversold_units: int
    phantom_units: int
    value: float | None
    oversold_value: float | None
    phantom_value: float | None

    @property
    def availability_rate(self) -> float:
        """Share of lines the channel accepted."""
        return self.accepted / self.lines if self.lines else 0.0

    @property
    def oversold_rate(self) -> float:
        """Share of lines accepted that stock could not cover."""
        return self.oversold / self.lines if self.lines else 0.0

    @property
    def phantom_rate(self) -> float:
        """Share of lines refused although stock was there."""
        return self.phantom / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class SkuBlame:
    """A SKU behind oversells or phantom stock-outs."""

    sku: str
    oversold_lines: int
    oversold_units: int
    phantom_lines: int


@dataclass(frozen=True)
class LocationBlame:
    """A location whose stale stock figure most overstated availability for oversold lines."""

    location_id: str
    oversold_lines: int
    oversold_units: int


@dataclass(frozen=True)
class ReplaySummary:
    """The replay's figures: overall, per channel, per day × channel, top SKUs and locations."""

    totals: Totals
    by_channel: tuple[tuple[str, Totals], ...]
    by_day: tuple[tuple[str, str, Totals], ...]  # (YYYY-MM-DD, channel, totals)
    top_skus: tuple[SkuBlame, ...]
    top_locations: tuple[LocationBlame, ...]
    latency_seconds: tuple[tuple[str, float], ...]


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """Per-line outcomes and their summary."""

    lines: LineOutcomes
    summary: ReplaySummary
    compiled: Compiled = field(repr=False)


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


# --- the replay itself ----------------------------------------------------------------------------


@dataclass(eq=False)
class _Dense:
    """Per SKU in play (rows) × node (columns): the static fields of the stock."""

    on_hand: np.ndarray
    allocated: np.ndarray
    safety_qty: np.ndarray
    safety_pct: np.ndarray | None
    in_transit: np.ndarray
    eta: np.ndarray


def _dense(stock: Stock, comp: Compiled, used: np.ndarray, position: np.ndarray, n_nodes: int) -> _Dense:
    shape = (len(used), n_nodes)
    rows = position[stock.sku] >= 0
    r, c = position[stock.sku[rows]], stock.node[rows]

    def spread(values, fill):
        out = np.full(shape, fill, np.int64)
        out[r, c] = values[rows]
        return out

    dataset_safety = spread(stock.safety_stock, -1)
    qty, pct = resolve_safety(comp, np.repeat(used, n_nodes).reshape(shape),
                              np.tile(np.arange(n_nodes), len(used)).reshape(shape), dataset_safety)
    return _Dense(spread(stock.on_hand, 0), spread(stock.allocated, 0), qty, pct,
                  spread(stock.in_transit, 0), spread(stock.eta, np.iinfo(np.int64).min))


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
                     n_nodes)
    r.receipts_in_round = np.add.reduceat((r.kind == 0).astype(np.int64), bounds[:-1]) > 0
    fixed = dense.allocated + comp.threshold[None, :]
    if dense.safety_pct is None:
        fixed = fixed + dense.safety_qty
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


class _RoundArrays:
    """Per-event arrays in round order (k-th event of every SKU together), orders' fields filled in."""

    def __init__(self, by_rank, ev_sku, ev_time, ev_kind, ev_ref, seen, starts, lag, comp, orders, line_channel,
                 n_nodes) -> None:
        self.event = by_rank
        self.sku = ev_sku[by_rank]
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
        self.mask = mask
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
        pct = dense.safety_pct[s]
        by_percent = np.ceil(np.maximum(both, 0) * np.nan_to_num(np.concatenate([pct, pct])) / 100.0)
        atp = atp - np.where(np.isnan(np.concatenate([pct, pct])), np.concatenate([dense.safety_qty[s]] * 2),
                             by_percent.astype(np.int64))
    rules = comp.rules
    if rules.in_transit:
        as_of = np.concatenate([r.lagged[sel], r.time[sel]])
        eta, transit = np.concatenate([dense.eta[s]] * 2), np.concatenate([dense.in_transit[s]] * 2)
        arriving = np.where((eta != np.iinfo(np.int64).min) & (eta <= as_of + rules.in_transit_horizon_days * DAY),
                            transit, 0)
        atp = atp + np.floor(arriving * (1.0 - rules.in_transit_discount_percent / 100.0) + 1e-9).astype(np.int64)
    if not rules.backorders:
        atp = np.maximum(atp, 0)
    n = len(s)
    atp_then, atp_now = atp[:n], atp[n:]
    sums = (atp * np.concatenate([mask, mask])).sum(axis=1)
    seen_atp, true = sums[:n], sums[n:]
    if comp.fenced:
        ch = r.channel[sel]
        eligible_any = atp @ comp.any_eligible.T.astype(np.int64)
        pool = (atp * comp.pool_nodes).sum(axis=1)
        cap = fence_caps(comp, eligible_any, pool)[0][np.arange(2 * n), np.concatenate([ch, ch])]
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


# --- summary --------------------------------------------------------------------------------------


def _group_totals(group: np.ndarray, n: int, orders: OrderLines, lines: LineOutcomes) -> list[Totals]:
    def count(mask):
        return np.bincount(group, mask.astype(np.float64), minlength=n)

    st, qty, price = lines.status, orders.quantity, orders.unit_price
    priced = ~np.isnan(price)
    value = np.where(priced, qty * np.nan_to_num(price), 0.0)
    short_value = np.where(priced, lines.short * np.nan_to_num(price), 0.0)
    phantom = st == PHANTOM
    accepted = (st == OK) | (st == OVERSOLD)
    columns = [
        np.bincount(group, minlength=n), count(accepted), count(st == OVERSOLD), count(~accepted), count(phantom),
        np.bincount(group, qty.astype(np.float64), minlength=n),
        np.bincount(group, lines.short.astype(np.float64), minlength=n),
        np.bincount(group, np.where(phantom, qty, 0).astype(np.float64), minlength=n),
    ]
    values = [np.bincount(group, v, minlength=n) for v in (value, short_value, np.where(phantom, value, 0.0))]
    any_price = np.bincount(group, priced.astype(np.float64), minlength=n) > 0
    out = []
    for g in range(n):
        ints = [int(c[g]) for c in columns]
        money = [round(float(v[g]), 2) if any_price[g] else None for v in values]
        out.append(Totals(*ints, *money))
    return out


def summarise(orders: OrderLines, lines: LineOutcomes, comp: Compiled, line_channel: np.ndarray,
              skus: np.ndarray, locations: Locations, lag: np.ndarray) -> ReplaySummary:
    """Totals overall, per channel and per day × channel; the SKUs and locations behind oversells."""
    n = len(orders)
    totals = _group_totals(np.zeros(n, np.int64), 1, orders, lines)[0]
    present = np.unique(line_channel)
    per_channel = _group_totals(line_channel.astype(np.int64), len(comp.channels), orders, lines)
    by_channel = tuple((comp.channels[c], per_channel[c]) for c in present)

    by_day: list[tuple[str, str, Totals]] = []
    if n:
        day = orders.time // DAY
        first = int(day.min())
        days = int(day.max()) - first + 1
        group = (day - first) * len(comp.channels) + line_channel
        cells = _group_totals(group.astype(np.int64), days * len(comp.channels), orders, lines)
        for d in range(days):
            label = datetime.fromtimestamp((first + d) * DAY, UTC).date().isoformat()
            for c in present:
                by_day.append((label, comp.channels[c], cells[d * len(comp.channels) + c]))

    oversold = lines.status == OVERSOLD
    phantom = lines.status == PHANTOM
    n_skus = len(skus)
    sku_lines = np.bincount(orders.sku, oversold.astype(np.float64), minlength=n_skus)
    sku_units = np.bincount(orders.sku, lines.short.astype(np.float64), minlength=n_skus)
    sku_phantom = np.bincount(orders.sku, phantom.astype(np.float64), minlength=n_skus)
    ranked = np.lexsort((-sku_phantom, -sku_lines, -sku_units))
    top_skus = tuple(
        SkuBlame(str(skus[i]), int(sku_lines[i]), int(sku_units[i]), int(sku_phantom[i]))
        for i in ranked[:TOP] if sku_units[i] > 0 or sku_phantom[i] > 0
    )
    blamed = lines.blamed_node >= 0
    n_nodes = len(locations)
    loc_lines = np.bincount(lines.blamed_node[blamed], minlength=n_nodes)
    loc_units = np.bincount(lines.blamed_node[blamed], lines.short[blamed].astype(np.float64), minlength=n_nodes)
    top_locations = tuple(
        LocationBlame(str(locations.ids[i]), int(loc_lines[i]), int(loc_units[i]))
        for i in np.lexsort((-loc_lines, -loc_units))[:TOP] if loc_lines[i] > 0
    )
    latency = tuple((comp.channels[c], float(lag[c])) for c in present)
    return ReplaySummary(totals, by_channel, tuple(by_day), top_skus, top_locations, latency)
