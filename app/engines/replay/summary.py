"""The replay's figures: totals overall, per channel and per day × channel; the SKUs and locations to blame."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from app.engines.atp import DAY, Compiled, Locations
from app.engines.replay.model import (
    OK,
    OVERSOLD,
    PHANTOM,
    LineOutcomes,
    LocationBlame,
    OrderLines,
    ReplaySummary,
    SkuBlame,
    Totals,
)

TOP = 10


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
