"""Per-node ATP: on hand − allocated − reservations − safety stock − threshold + in-transit in its window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engines.atp.compile import NEVER, Compiled, held, held_code, positions, to_p4
from app.engines.atp.model import DAY, NO_DATE, Locations, Rules, Stock


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
    safety = comp.safety.resolve_code(stock.sku, stock.node)
    if comp.rules.use_dataset_safety_stock:
        safety = np.where(stock.safety_stock >= 0, stock.safety_stock, safety)  # a quantity is its own code
    atp = stock.on_hand - stock.allocated - held_code(safety, stock.on_hand)
    if not isinstance(extra_held, int) or extra_held:
        atp -= extra_held
    if not comp.node_threshold.empty:
        atp -= held_code(comp.node_threshold.resolve_code(stock.sku, stock.node), stock.on_hand)
    if comp.rules.in_transit:
        moving = np.flatnonzero(stock.in_transit > 0)  # most rows have nothing in transit
        supply = stock.supply_type[moving] if stock.supply_type is not None else None
        atp[moving] += arriving(comp, stock.in_transit[moving], stock.eta[moving], as_of, supply, stock.supply_types)
    if not comp.rules.backorders:
        np.maximum(atp, 0, out=atp)
    return atp


@dataclass(frozen=True, eq=False)
class NetworkHolds:
    """Units held per SKU before any channel: the brokering queue and network-wide reservations, the latter
    looked up at a moment (a reservation counts while its expiry is after it)."""

    queue: np.ndarray  # int64 (S,)
    key: np.ndarray  # int64, sorted: SKU << 32 | expiry offset from `base` (2³² − 1: never)
    cumulative: np.ndarray  # int64 (len(key) + 1,): units of the reservations before each key
    base: int

    def at(self, sku: np.ndarray, moment: np.ndarray | int) -> np.ndarray:
        """Held units for each (SKU index, moment) pair (broadcast)."""
        sku = np.asarray(sku, np.int64)
        held_units = self.queue[sku]
        if not len(self.key):
            return held_units
        offset = np.clip(np.asarray(moment, np.int64) - self.base, 0, 2**32 - 2)
        last = np.searchsorted(self.key, (sku << 32) + 2**32, "left")
        expired = np.searchsorted(self.key, (sku << 32) + offset, "right")
        return held_units + self.cumulative[last] - self.cumulative[expired]


def network_holds(comp: Compiled) -> NetworkHolds:
    """The brokering queue and network-wide reservations, indexed for look-ups by SKU and moment."""
    sku, node, units, expiry = comp.reservations
    whole = (sku >= 0) & (node == -1)
    sku, units, expiry = sku[whole], units[whole], expiry[whole]
    finite = expiry[expiry != NEVER]
    base = int(finite.min()) - 1 if len(finite) else 0
    offset = np.where(expiry == NEVER, 2**32 - 1, np.minimum(expiry - base, 2**32 - 2))
    key = (sku << 32) + offset
    order = np.argsort(key, kind="stable")
    return NetworkHolds(comp.queue, key[order], np.concatenate([[0], np.cumsum(units[order])]).astype(np.int64),
                        base)


def buffers_at(comp: Compiled, stock: Stock, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(safety stock, threshold) in units for some stock rows, as node ATP resolved them (the drill-down)."""
    sku, node, on_hand = stock.sku[rows], stock.node[rows], stock.on_hand[rows]
    safety = comp.safety.resolve_code(sku, node)
    if comp.rules.use_dataset_safety_stock:
        safety = np.where(stock.safety_stock[rows] >= 0, stock.safety_stock[rows], safety)
    threshold = comp.node_threshold.resolve_code(sku, node)
    return held_code(safety, on_hand), held_code(threshold, on_hand)


def reservations_held(comp: Compiled, stock: Stock, locations: Locations, as_of: int) -> np.ndarray | int:
    """Unexpired reservations at nodes at `as_of`: units per stock row (or 0 when there are none)."""
    n_skus, n = len(stock.skus), max(len(locations), 1)
    sku, node, units, expiry = comp.reservations
    local = (sku >= 0) & (node >= 0) & (expiry > as_of)
    if not local.any():
        return 0
    keys, units = sku[local] * n + node[local], units[local].astype(np.float64)
    row_keys = stock.sku.astype(np.int64) * n + stock.node
    if n_skus * n <= 4 * max(len(row_keys), 1):  # dense enough: one table lookup per row
        return np.bincount(keys, units, minlength=n_skus * n).astype(np.int64)[row_keys]
    distinct, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse, units).astype(np.int64)
    at = np.minimum(np.searchsorted(distinct, row_keys), len(distinct) - 1)
    return np.where(distinct[at] == row_keys, total[at], 0)


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


def unknown_references(rules: Rules, stock: Stock, locations: Locations) -> list[str]:
    """Notes on reservations and brokering-queue entries naming a SKU or location the datasets lack (ignored)."""
    notes = []
    sku_names = [r.sku for r in rules.reservations] + [name for name, _ in rules.brokering_queue]
    missing_skus = sorted({name for name, at in zip(sku_names, positions(stock.skus, sku_names), strict=True)
                           if at < 0})
    known = set(locations.ids.tolist())
    missing_nodes = sorted({r.location for r in rules.reservations if r.location and r.location not in known})
    if missing_skus:
        notes.append(f"{len(missing_skus):,} SKU(s) in reservations or the brokering queue are not in the datasets "
                     f"and were ignored: {', '.join(missing_skus[:5])}{'…' if len(missing_skus) > 5 else ''}.")
    if missing_nodes:
        notes.append(f"Reservations at unknown location(s) were ignored: {', '.join(missing_nodes[:5])}.")
    return notes
