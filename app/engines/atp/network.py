"""Network ATP per SKU × channel: node sums over eligible nodes (within a channel's distribution group), less
the network-level deductions (brokering queue, network reservations, online threshold), then segments and
ring-fences."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from app.engines.atp.compile import P4, Compiled, compile_rules, held, to_p4
from app.engines.atp.model import SHIP, Locations, Rules, Stock
from app.engines.atp.node import fence_caps, network_holds, node_atp, reservations_held


@dataclass(frozen=True, eq=False)
class AtpResult:
    """Network ATP per SKU × channel, with the per-node figures behind it."""

    channels: tuple[str, ...]
    skus: np.ndarray  # (S,)
    node_atp: np.ndarray  # (R,) aligned with the stock rows
    eligible_sum: np.ndarray  # (S, C): Σ node ATP over the channel's eligible nodes (any fulfilment)
    network: np.ndarray  # (S, C): what the channel may promise (after deductions, segments and fences)
    ship: np.ndarray  # (S, C): the same for ship orders only
    pool: np.ndarray  # (S,): Σ node ATP over nodes that sell to some channel, less network deductions
    reserved: np.ndarray  # (S, C): ring-fenced quantity (zero in a shared pool)
    compiled: Compiled = field(repr=False)
    deducted: np.ndarray | None = None  # (S,): brokering queue + unexpired network reservations
    online_held: np.ndarray | None = None  # (S, C): the online threshold held back
    segments: tuple[str, ...] = ()
    segment_reserved: np.ndarray | None = None  # (S, G)
    segment_atp: np.ndarray | None = None  # (S, G): what the segment's customers may promise
    regions: tuple[str, ...] = ()
    region_network: np.ndarray | None = None  # (regions, S, C)


def _dense(stock: Stock, weights: np.ndarray, n_nodes: int) -> np.ndarray | None:
    """Node ATP as an (S, N) matrix when that is no bigger than a few times the rows (then sums are products)."""
    n_skus = len(stock.skus)
    if n_skus * n_nodes > 4 * max(len(stock.sku), 1):
        return None
    cells = stock.sku.astype(np.int64) * n_nodes + stock.node
    return np.bincount(cells, weights, minlength=n_skus * n_nodes).reshape(n_skus, n_nodes)


def _sums(comp: Compiled, stock: Stock, weights: np.ndarray, table: np.ndarray, sku_class: np.ndarray | None,
          dense: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Σ node ATP per SKU × channel over eligible nodes (any method, ship only), within each channel's
    distribution group for the SKU's group (`table`: channel × SKU class → group, −1 for any)."""
    n_skus, n_channels = len(stock.skus), len(comp.channels)
    masks = [comp.any_eligible.T, comp.eligible[:, SHIP].T]  # (N, C) each
    classes = [None] if sku_class is None or not (table >= 0).any() else list(range(table.shape[1]))
    any_sum = np.zeros((n_skus, n_channels), np.int64)
    ship = np.zeros((n_skus, n_channels), np.int64)
    for k in classes:
        inside = np.ones((len(comp.pool_nodes), n_channels), bool)
        if k is not None:
            for c in range(n_channels):
                if table[c, k] >= 0:
                    inside[:, c] = comp.group_nodes[table[c, k]]
        any_mask, ship_mask = masks[0] & inside, masks[1] & inside
        if dense is not None:  # float64 products are exact for any realistic stock level
            rows = slice(None) if k is None else sku_class == k
            # einsum, not @: a BLAS call on a (S, 10) × (10, C) product is slower and competes for cores
            both = np.einsum("sn,nc->sc", dense[rows], np.concatenate([any_mask, ship_mask], axis=1).astype(float))
            any_sum[rows], ship[rows] = both[:, :n_channels], both[:, n_channels:]
            continue
        in_class = None if k is None else (sku_class == k)[stock.sku]
        for c in range(n_channels):
            any_rows, ship_rows = any_mask[stock.node, c], ship_mask[stock.node, c]
            if in_class is not None:
                any_rows, ship_rows = any_rows & in_class, ship_rows & in_class
            any_sum[:, c] += np.bincount(stock.sku, weights * any_rows, minlength=n_skus).astype(np.int64)
            ship[:, c] += np.bincount(stock.sku, weights * ship_rows, minlength=n_skus).astype(np.int64)
    return any_sum, ship


def segment_shares(comp: Compiled, pool: np.ndarray, sku_group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row (a SKU's pool and its SKU group): (reserved (rows, G) in list order, never beyond what is
    left; the shared rest (rows,))."""
    segs = comp.rules.segments
    names = [name for name, _ in comp.rules.sku_groups]
    remaining = np.maximum(pool, 0)
    reserved = np.zeros((len(pool), len(segs)), np.int64)
    for g, seg in enumerate(segs):
        if seg.quantity is not None:
            want = np.full_like(remaining, seg.quantity)
        else:  # a percentage of the pool, rounded down
            want = np.maximum(pool, 0) * to_p4(seg.percent) // P4
        if seg.sku_group is not None:
            want = np.where(sku_group == names.index(seg.sku_group), want, 0)
        reserved[:, g] = np.minimum(want, remaining)
        remaining = remaining - reserved[:, g]
    return reserved, remaining


def segment_members(comp: Compiled) -> tuple[np.ndarray, np.ndarray]:
    """(member (G, C): the segment's channels; only (C,): a channel in a segment_only segment)."""
    member = np.zeros((len(comp.rules.segments), len(comp.channels)), bool)
    only = np.zeros(len(comp.channels), bool)
    for g, seg in enumerate(comp.rules.segments):
        for name in seg.channels:
            member[g, comp.channels.index(name)] = True
            only[comp.channels.index(name)] |= seg.consumption == "segment_only"
    return member, only


def _promise(comp: Compiled, eligible: np.ndarray, ship: np.ndarray, pool: np.ndarray, deducted: np.ndarray):
    """(network, ship, fence reserved, online held, segment reserved, segment ATP) for one region's sums."""
    rules = comp.rules
    eligible, ship = eligible - deducted[:, None], ship - deducted[:, None]
    online = np.zeros_like(eligible)
    if comp.online.sku_rule.any() and comp.online_channels.any():
        rule = comp.online.sku_rule[:, None] & comp.online_channels[None, :]
        base = np.maximum(eligible, 0)
        amount = held(comp.online.qty_sku[:, None], comp.online.p4_sku[:, None], base)
        online = np.where(rule, amount, 0)
        eligible, ship = eligible - online, ship - online
    if not rules.backorders:
        eligible, ship = np.maximum(eligible, 0), np.maximum(ship, 0)
    n_skus, n_channels = eligible.shape
    seg_reserved = np.zeros((n_skus, len(rules.segments)), np.int64)
    shared = pool
    if rules.segments:
        seg_reserved, shared = segment_shares(comp, pool, comp.sku_group)
    fence_reserved = np.zeros_like(eligible)
    if not rules.segments and not comp.fenced:
        return eligible, ship, fence_reserved, online, seg_reserved, seg_reserved
    shared_cap = np.broadcast_to(np.maximum(shared, 0)[:, None], eligible.shape)
    if comp.fenced:
        shared_cap, fence_reserved = fence_caps(comp, eligible, shared)
    cap = shared_cap
    if rules.segments:
        member, only = segment_members(comp)
        cap = seg_reserved @ member.astype(np.int64) + np.where(only[None, :], 0, shared_cap)
    first = np.array([s.consumption == "segment_first" for s in rules.segments], bool)
    seg_atp = seg_reserved + np.where(first[None, :], np.maximum(shared, 0)[:, None], 0)
    return (np.minimum(eligible, cap), np.minimum(ship, cap), fence_reserved, online, seg_reserved, seg_atp)


def network_atp(stock: Stock, locations: Locations, rules: Rules, as_of: int = 0,
                extra_channels: Iterable[str] = ()) -> AtpResult:
    """ATP for every SKU × channel and every node, at `as_of` (seconds since the epoch: in-transit ETAs and
    reservation expiry are judged against it)."""
    comp = compile_rules(rules, locations, stock.skus, extra_channels)
    atp = node_atp(comp, stock, as_of, reservations_held(comp, stock, locations, as_of))
    n_skus = len(stock.skus)
    deducted = network_holds(comp).at(np.arange(n_skus), as_of)
    weights = atp.astype(np.float64)
    sku_class = None
    if rules.group_assignments:
        sku_class = np.where(comp.sku_group < 0, len(rules.sku_groups), comp.sku_group)
    dense = _dense(stock, weights, len(locations))
    eligible, ship = _sums(comp, stock, weights, comp.group_table[0], sku_class, dense)
    if dense is not None:
        pool = np.einsum("sn,n->s", dense, comp.pool_nodes.astype(float)).astype(np.int64)
    else:
        pool = np.bincount(stock.sku, weights * comp.pool_nodes[stock.node], minlength=n_skus).astype(np.int64)
    pool = pool - deducted
    if not rules.backorders:
        pool = np.maximum(pool, 0)
    network, ship_atp, reserved, online, seg_reserved, seg_atp = _promise(comp, eligible, ship, pool, deducted)
    region_network = None
    if rules.regions:
        region_network = np.zeros((len(rules.regions), n_skus, len(comp.channels)), np.int64)
        for r in range(len(rules.regions)):
            table = comp.group_table[1 + r]
            if (table == comp.group_table[0]).all():
                region_network[r] = network
                continue
            r_eligible, r_ship = _sums(comp, stock, weights, table, sku_class, dense)
            region_network[r] = _promise(comp, r_eligible, r_ship, pool, deducted)[0]
    return AtpResult(
        comp.channels, stock.skus, atp, eligible, network, ship_atp, pool, reserved, comp,
        deducted=deducted, online_held=online, segments=tuple(s.name for s in rules.segments),
        segment_reserved=seg_reserved, segment_atp=seg_atp, regions=rules.regions, region_network=region_network,
    )
