"""Per-node ATP: on hand − allocated − reservations − safety stock − threshold + in-transit in its window."""

from __future__ import annotations

import numpy as np

from app.engines.atp.compile import Compiled, held, to_p4
from app.engines.atp.model import DAY, NO_DATE, Locations, Stock


def resolve_safety(comp: Compiled, sku: np.ndarray, node: np.ndarray,
                   dataset_safety: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Per row: (safety quantity, p4 or None) — SKU › SKU group › location › type › network, and the
    dataset's own safety_stock (SKU × location, the most specific of all) when the rules use it."""
    qty, p4 = comp.safety.resolve(sku, node)
    if comp.rules.use_dataset_safety_stock:
        given = dataset_safety >= 0
        qty = np.where(given, dataset_safety, qty)
        if p4 is not None:
            p4 = np.where(given, -1, p4)
    return qty, p4


def arriving(comp: Compiled, in_transit: np.ndarray, eta: np.ndarray, as_of: int | np.ndarray,
             supply_type: np.ndarray | None = None, supply_types: tuple[str, ...] = ()) -> np.ndarray:
    """In-transit units that count at `as_of`: ETA within [as_of − past due, as_of + horizon], less the
    discount of their supply type (or the default), rounded down."""
    rules = comp.rules
    as_of = np.asarray(as_of, np.int64)
    window = (eta != NO_DATE) & (eta <= as_of + rules.in_transit_horizon_days * DAY)
    if rules.in_transit_past_due_days is not None:
        window &= eta >= as_of - rules.in_transit_past_due_days * DAY
    units = np.where(window, in_transit, 0)
    discount = np.int64(to_p4(rules.in_transit_discount_percent))
    by_type = dict(rules.in_transit_discount_by_type)
    if supply_type is not None and by_type:
        table = np.array([to_p4(by_type.get(t, rules.in_transit_discount_percent)) for t in supply_types]
                         + [int(discount)], np.int64)
        discount = table[np.where(supply_type < 0, len(supply_types), supply_type)]
    return units - held(np.zeros_like(units), np.broadcast_to(discount, units.shape), units)


def node_atp(comp: Compiled, stock: Stock, as_of: int, extra_held: np.ndarray | int = 0) -> np.ndarray:
    """Per-row ATP of a Stock (int64); `extra_held` is subtracted like allocated stock (reservations)."""
    safety_qty, safety_p4 = resolve_safety(comp, stock.sku, stock.node, stock.safety_stock)
    threshold_qty, threshold_p4 = comp.node_threshold.resolve(stock.sku, stock.node)
    atp = (stock.on_hand - stock.allocated - extra_held - held(safety_qty, safety_p4, stock.on_hand)
           - held(threshold_qty, threshold_p4, stock.on_hand))
    if comp.rules.in_transit:
        atp = atp + arriving(comp, stock.in_transit, stock.eta, as_of, stock.supply_type, stock.supply_types)
    if not comp.rules.backorders:
        atp = np.maximum(atp, 0)
    return atp


def reservations_held(comp: Compiled, stock: Stock, locations: Locations,
                      as_of: int) -> tuple[np.ndarray | int, np.ndarray]:
    """Unexpired reservations at `as_of`: (units per stock row, or 0; units per SKU held network-wide)."""
    network = np.zeros(len(stock.skus), np.int64)
    live = [r for r in comp.rules.reservations if r.expires_at is None or r.expires_at > as_of]
    if not live:
        return 0, network
    sku_at = {name: i for i, name in enumerate(stock.skus.tolist())}
    node_at = {name: i for i, name in enumerate(locations.ids.tolist())}
    n = max(len(locations), 1)
    keys, units = [], []
    for r in live:
        s = sku_at.get(r.sku)
        if s is None:
            continue
        if r.location is None:
            network[s] += r.quantity
        elif r.location in node_at:
            keys.append(s * n + node_at[r.location])
            units.append(r.quantity)
    if not keys:
        return 0, network
    distinct, inverse = np.unique(np.asarray(keys, np.int64), return_inverse=True)
    total = np.bincount(inverse, np.asarray(units, np.float64)).astype(np.int64)
    row_keys = stock.sku.astype(np.int64) * n + stock.node
    at = np.minimum(np.searchsorted(distinct, row_keys), len(distinct) - 1)
    return np.where(distinct[at] == row_keys, total[at], 0), network


def fence_caps(comp: Compiled, eligible_any: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ring-fenced allocation for rows of (eligible ATP per channel (n, C), pool (n,)): (cap (n, C), reserved).

    Fences are served in priority order and never exceed what is left of the pool; what no fence holds is
    shared. A channel may sell its fence plus the shared remainder. With unused="share", the part of a fence
    its channel cannot reach (more than its eligible locations hold) returns to the shared remainder.
    """
    reserved = np.zeros_like(eligible_any)
    remaining = np.maximum(pool, 0).astype(np.int64)
    for c in comp.fence_order:
        if comp.fence_qty[c] >= 0:
            want = np.full_like(remaining, comp.fence_qty[c])
        else:
            want = np.floor(np.maximum(pool, 0) * comp.fence_pct[c] / 100.0 + 1e-9).astype(np.int64)
        got = np.minimum(want, remaining)
        reserved[:, c] = got
        remaining = remaining - got
    shared = remaining
    if comp.rules.unused_fence == "share":
        shared = shared + (reserved - np.minimum(reserved, np.maximum(eligible_any, 0))).sum(axis=1)
    return reserved + shared[:, None], reserved
