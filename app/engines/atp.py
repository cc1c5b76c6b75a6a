"""Available-to-promise over one inventory pool: per-node ATP, eligibility, channel allocation (pure numpy).

Per node (an inventory row: one SKU at one location):
    ATP = on_hand + in-transit arriving within the horizon (less its discount) − allocated − safety stock
          − the location type's store buffer (threshold), floored at 0 unless backorders are allowed.
Per SKU × channel: the sum over the nodes eligible for the channel (any fulfilment method), then capped by
the channel's share of the pool when stock is ring-fenced. Quantities are whole units (int64) throughout:
percentages round against the retailer (safety stock up, discounted in-transit and fences down).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

SHIP, PICKUP = 0, 1
FULFILMENTS = ("ship", "pickup")
LOCATION_TYPES = ("store", "dc", "3pl", "dark_store")
NO_DATE = np.iinfo(np.int64).min  # a missing in-transit ETA (never counted)
DAY = 86_400


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyStock:
    """A safety stock: a fixed quantity or a percentage of on-hand (exactly one)."""

    quantity: int | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Grant:
    """Locations that may sell to a channel with one fulfilment method (ship or pickup)."""

    channel: str
    fulfillment: str
    location_types: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    exclude_locations: frozenset[str] = frozenset()
    # Only locations flagged ship_from (for ship) or pickup (for pickup) in the locations dataset.
    only_flagged: bool = False


@dataclass(frozen=True)
class RingFence:
    """Stock reserved for one channel: a quantity or a percentage of the SKU's pool."""

    channel: str
    quantity: int | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Rules:
    """A scenario's ATP rules, already validated (see app.engines.rules for the JSON form)."""

    channels: tuple[str, ...] = ()
    safety_default: SafetyStock | None = None
    safety_by_type: tuple[tuple[str, SafetyStock], ...] = ()
    safety_by_location: tuple[tuple[str, SafetyStock], ...] = ()
    safety_by_sku: tuple[tuple[str, SafetyStock], ...] = ()
    use_dataset_safety_stock: bool = True
    thresholds: tuple[tuple[str, int], ...] = ()  # store buffer per location type
    in_transit: bool = False
    in_transit_horizon_days: int = 0
    in_transit_discount_percent: float = 0.0
    grants: tuple[Grant, ...] = ()
    eligibility_default: str = "all"  # a channel × fulfilment pair with no grant: "all" locations or "none"
    allocation: str = "shared"  # or "ring_fenced"
    fences: tuple[RingFence, ...] = ()  # in priority order
    unused_fence: str = "keep"  # "share": fence a channel cannot reach goes back to the shared pool
    backorders: bool = False


# --- data -----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Locations:
    """The network's nodes, index-aligned arrays."""

    ids: np.ndarray  # str, (N,)
    types: np.ndarray  # str, (N,)
    ship_from: np.ndarray  # bool, (N,)
    pickup: np.ndarray  # bool, (N,)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Stock:
    """Inventory rows (one SKU at one node each); `skus` may hold SKUs with no row (ordered, never stocked)."""

    skus: np.ndarray  # str, (S,)
    sku: np.ndarray  # int32 index into skus, (R,)
    node: np.ndarray  # int32 index into the locations, (R,)
    on_hand: np.ndarray  # int64, (R,)
    allocated: np.ndarray  # int64, (R,)
    safety_stock: np.ndarray  # int64, (R,); -1 where the dataset gives none
    in_transit: np.ndarray  # int64, (R,)
    eta: np.ndarray  # int64 seconds since the epoch, NO_DATE where unknown, (R,)


def stock_from_rows(
    skus: Sequence[str],
    sku: Iterable[int],
    node: Iterable[int],
    on_hand: Iterable[int],
    allocated: Iterable[int] | None = None,
    safety_stock: Iterable[int] | None = None,
    in_transit: Iterable[int] | None = None,
    eta: Iterable[int] | None = None,
) -> Stock:
    """Build a Stock from plain sequences (tests, examples); missing columns are zero / not given."""
    sku = list(sku)
    n = len(sku)

    def col(values, default):
        return np.full(n, default, np.int64) if values is None else np.asarray(list(values), np.int64)

    return Stock(
        skus=np.asarray(list(skus), dtype=str),
        sku=np.asarray(sku, np.int32),
        node=np.asarray(list(node), np.int32),
        on_hand=col(on_hand, 0),
        allocated=col(allocated, 0),
        safety_stock=col(safety_stock, -1),
        in_transit=col(in_transit, 0),
        eta=col(eta, NO_DATE),
    )


def locations_from_rows(
    ids: Sequence[str], types: Sequence[str], ship_from: Sequence[bool] | None = None,
    pickup: Sequence[bool] | None = None,
) -> Locations:
    """Build Locations from plain sequences (tests, examples); flags default to False."""
    n = len(ids)
    return Locations(
        ids=np.asarray(list(ids), dtype=str),
        types=np.asarray(list(types), dtype=str),
        ship_from=np.asarray(list(ship_from) if ship_from is not None else [False] * n, bool),
        pickup=np.asarray(list(pickup) if pickup is not None else [False] * n, bool),
    )


# --- compiled rules -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Compiled:
    """Rules resolved against one network and SKU list: arrays the engines index directly."""

    rules: Rules
    channels: tuple[str, ...]
    eligible: np.ndarray  # bool (C, 2, N): channel × fulfilment × node
    any_eligible: np.ndarray  # bool (C, N)
    pool_nodes: np.ndarray  # bool (N,): eligible for some channel
    threshold: np.ndarray  # int64 (N,)
    safety_qty_node: np.ndarray  # int64 (N,): location > type > default
    safety_pct_node: np.ndarray  # float64 (N,), NaN where the rule is a quantity (or none)
    sku_rule: np.ndarray  # bool (S,): a per-SKU safety rule exists
    safety_qty_sku: np.ndarray  # int64 (S,)
    safety_pct_sku: np.ndarray  # float64 (S,)
    has_percent: bool
    fence_order: tuple[int, ...]  # channel indexes, priority first
    fence_qty: np.ndarray  # int64 (C,), -1 where a percentage
    fence_pct: np.ndarray  # float64 (C,)

    @property
    def fenced(self) -> bool:
        """True when channels get ring-fenced shares of the pool."""
        return self.rules.allocation == "ring_fenced" and bool(self.fence_order)


def channel_key(name: str) -> str:
    """Channels match case- and space-insensitively ("Web " is "web")."""
    return " ".join(str(name).split()).casefold()


def compile_rules(rules: Rules, locations: Locations, skus: np.ndarray,
                  extra_channels: Iterable[str] = ()) -> Compiled:
    """Resolve rules against the network and SKUs: eligibility masks, per-node buffers and safety stock."""
    channels: list[str] = []
    for name in (*rules.channels, *(g.channel for g in rules.grants), *(f.channel for f in rules.fences),
                 *extra_channels):
        if channel_key(name) not in channels:
            channels.append(channel_key(name))
    n = len(locations)
    types = locations.types
    ids = locations.ids
    eligible = np.zeros((len(channels), 2, n), bool)
    granted = np.zeros((len(channels), 2), bool)
    for g in rules.grants:
        c, f = channels.index(channel_key(g.channel)), FULFILMENTS.index(g.fulfillment)
        granted[c, f] = True
        mask = np.isin(types, list(g.location_types)) | np.isin(ids, list(g.locations))
        mask &= ~np.isin(ids, list(g.exclude_locations))
        if g.only_flagged:
            mask &= locations.ship_from if f == SHIP else locations.pickup
        eligible[c, f] |= mask
    if rules.eligibility_default == "all":
        eligible[~granted] = True
    any_eligible = eligible.any(axis=1)

    threshold = np.zeros(n, np.int64)
    for loc_type, qty in rules.thresholds:
        threshold[types == loc_type] = qty

    qty_node = np.zeros(n, np.int64)
    pct_node = np.full(n, np.nan)
    specs = [(np.ones(n, bool), rules.safety_default)] if rules.safety_default else []
    specs += [(types == t, s) for t, s in rules.safety_by_type]
    specs += [(ids == loc, s) for loc, s in rules.safety_by_location]
    for mask, spec in specs:  # later (more specific) rules overwrite earlier ones
        qty_node[mask] = spec.quantity or 0
        pct_node[mask] = np.nan if spec.percent is None else spec.percent

    s = len(skus)
    sku_rule = np.zeros(s, bool)
    qty_sku = np.zeros(s, np.int64)
    pct_sku = np.full(s, np.nan)
    if rules.safety_by_sku:
        position = {name: i for i, name in enumerate(skus.tolist())}
        for name, spec in rules.safety_by_sku:
            i = position.get(name)
            if i is not None:
                sku_rule[i] = True
                qty_sku[i] = spec.quantity or 0
                pct_sku[i] = np.nan if spec.percent is None else spec.percent

    fence_qty = np.full(len(channels), -1, np.int64)
    fence_pct = np.full(len(channels), np.nan)
    order: list[int] = []
    for fence in rules.fences:
        c = channels.index(channel_key(fence.channel))
        if c in order:
            continue
        order.append(c)
        if fence.quantity is not None:
            fence_qty[c] = fence.quantity
        else:
            fence_pct[c] = fence.percent
    return Compiled(
        rules=rules,
        channels=tuple(channels),
        eligible=eligible,
        any_eligible=any_eligible,
        pool_nodes=any_eligible.any(axis=0) if channels else np.ones(n, bool),
        threshold=threshold,
        safety_qty_node=qty_node,
        safety_pct_node=pct_node,
        sku_rule=sku_rule,
        safety_qty_sku=qty_sku,
        safety_pct_sku=pct_sku,
        has_percent=not (np.isnan(pct_node).all() and np.isnan(pct_sku).all()),
        fence_order=tuple(order),
        fence_qty=fence_qty,
        fence_pct=fence_pct,
    )


def resolve_safety(comp: Compiled, sku: np.ndarray, node: np.ndarray,
                   dataset_safety: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Per row: (safety quantity, safety percentage or None) — SKU rule > location > type > default,
    and the dataset's own safety_stock (SKU × location, the most specific of all) when the rules use it."""
    per_sku = comp.sku_rule[sku]
    qty = np.where(per_sku, comp.safety_qty_sku[sku], comp.safety_qty_node[node]) if comp.sku_rule.any() \
        else comp.safety_qty_node[node]
    pct = None
    if comp.has_percent:
        pct = np.where(per_sku, comp.safety_pct_sku[sku], comp.safety_pct_node[node])
    if comp.rules.use_dataset_safety_stock:
        given = dataset_safety >= 0
        qty = np.where(given, dataset_safety, qty)
        if pct is not None:
            pct = np.where(given, np.nan, pct)
    return qty, pct


def node_atp(
    comp: Compiled,
    on_hand: np.ndarray,
    allocated: np.ndarray,
    safety_qty: np.ndarray,
    safety_pct: np.ndarray | None,
    threshold: np.ndarray,
    in_transit: np.ndarray,
    eta: np.ndarray,
    as_of: int | np.ndarray,
) -> np.ndarray:
    """Per-node ATP for broadcastable arrays (rows, or SKU × node matrices); int64."""
    rules = comp.rules
    safety = safety_qty
    if safety_pct is not None:
        by_percent = np.ceil(np.maximum(on_hand, 0) * np.nan_to_num(safety_pct) / 100.0).astype(np.int64)
        safety = np.where(np.isnan(safety_pct), safety_qty, by_percent)
    atp = on_hand - allocated - safety - threshold
    if rules.in_transit:
        horizon = np.asarray(as_of, np.int64) + rules.in_transit_horizon_days * DAY
        arriving = np.where((eta != NO_DATE) & (eta <= horizon), in_transit, 0)
        keep = 1.0 - rules.in_transit_discount_percent / 100.0
        atp = atp + np.floor(arriving * keep + 1e-9).astype(np.int64)
    if not rules.backorders:
        atp = np.maximum(atp, 0)
    return atp


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


# --- network ATP ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AtpResult:
    """Network ATP per SKU × channel, with the per-node figures behind it."""

    channels: tuple[str, ...]
    skus: np.ndarray  # (S,)
    node_atp: np.ndarray  # (R,) aligned with the stock rows
    eligible_sum: np.ndarray  # (S, C): Σ node ATP over the channel's eligible nodes (any fulfilment)
    network: np.ndarray  # (S, C): what the channel may promise (eligible sum, capped by its allocation)
    ship: np.ndarray  # (S, C): the same for ship orders only
    pool: np.ndarray  # (S,): Σ node ATP over nodes that sell to some channel
    reserved: np.ndarray  # (S, C): ring-fenced quantity (zero in a shared pool)
    compiled: Compiled = field(repr=False)


def network_atp(stock: Stock, locations: Locations, rules: Rules, as_of: int = 0,
                extra_channels: Iterable[str] = ()) -> AtpResult:
    """ATP for every SKU × channel and every node, at `as_of` (seconds since the epoch, for in-transit ETAs)."""
    comp = compile_rules(rules, locations, stock.skus, extra_channels)
    qty, pct = resolve_safety(comp, stock.sku, stock.node, stock.safety_stock)
    atp = node_atp(comp, stock.on_hand, stock.allocated, qty, pct, comp.threshold[stock.node],
                   stock.in_transit, stock.eta, as_of)
    n_skus, n_channels = len(stock.skus), len(comp.channels)
    weights = atp.astype(np.float64)  # bincount sums float64: exact for any realistic stock level
    eligible_sum = np.zeros((n_skus, n_channels), np.int64)
    ship = np.zeros((n_skus, n_channels), np.int64)
    for c in range(n_channels):
        any_rows = comp.any_eligible[c][stock.node]
        ship_rows = comp.eligible[c, SHIP][stock.node]
        eligible_sum[:, c] = np.bincount(stock.sku, weights * any_rows, minlength=n_skus)
        ship[:, c] = np.bincount(stock.sku, weights * ship_rows, minlength=n_skus)
    pool = np.bincount(stock.sku, weights * comp.pool_nodes[stock.node], minlength=n_skus).astype(np.int64)
    if comp.fenced:
        cap, reserved = fence_caps(comp, eligible_sum, pool)
        network, ship = np.minimum(eligible_sum, cap), np.minimum(ship, cap)
    else:
        network, reserved = eligible_sum, np.zeros_like(eligible_sum)
    return AtpResult(comp.channels, stock.skus, atp, eligible_sum, network, ship, pool, reserved, comp)
