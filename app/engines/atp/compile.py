"""Rules resolved against one network and SKU list: eligibility masks, per-level buffers, groups and segments.

Percentages are held as integers in units of 0.0001 % ("p4", −1 where the rule is a quantity), so the held
back quantity ceil(base × p4 / 10⁶) is exact integer arithmetic: what remains is truncated, as IBM Sterling
truncates a safety factor (25 % of 10 holds back 3, leaving 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from app.engines.atp.model import FULFILMENTS, SHIP, Locations, Rules, SafetyStock

P4 = 1_000_000  # 100 % in units of 0.0001 %
NEVER = np.iinfo(np.int64).max  # the expiry of a reservation held until released


def channel_key(name: str) -> str:
    """Channels match case- and space-insensitively ("Web " is "web")."""
    return " ".join(str(name).split()).casefold()


def to_p4(percent: float | None) -> int:
    """A percentage as an integer number of 0.0001 % (−1 for none)."""
    return -1 if percent is None else int(round(percent * 10_000))


def held_code(code: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Units held back for a Levels code: the quantity (code ≥ 0), or −code − 1 in p4 of the base rounded up."""
    percent_rows = np.flatnonzero(code < 0)
    if not len(percent_rows):
        return code
    out = code.copy()
    p4 = -code[percent_rows] - 1
    out[percent_rows] = (np.maximum(base[percent_rows], 0) * p4 + (P4 - 1)) // P4
    return out


def held(qty: np.ndarray, p4: np.ndarray | None, base: np.ndarray) -> np.ndarray:
    """Units held back: the quantity, or the percentage of the (non-negative) base rounded up."""
    if p4 is None:
        return qty
    by_percent = -((-np.maximum(base, 0) * np.maximum(p4, 0)) // P4)
    return np.where(p4 < 0, qty, by_percent)


@dataclass(frozen=True, eq=False)
class Levels:
    """One buffer (safety stock, node threshold or online threshold) resolved per node and per SKU."""

    qty_node: np.ndarray  # int64 (N,): location › type › network
    p4_node: np.ndarray  # int64 (N,), −1 where a quantity
    sku_rule: np.ndarray  # bool (S,): a SKU or SKU-group rule exists (it beats any node rule)
    qty_sku: np.ndarray  # int64 (S,)
    p4_sku: np.ndarray  # int64 (S,)

    @property
    def has_percent(self) -> bool:
        """True when some level is a percentage."""
        return bool((self.p4_node >= 0).any() or (self.p4_sku[self.sku_rule] >= 0).any())

    @property
    def empty(self) -> bool:
        """True when nothing is held back at any level."""
        return not self.sku_rule.any() and not self.qty_node.any() and not (self.p4_node >= 0).any()

    def resolve_code(self, sku: np.ndarray, node: np.ndarray) -> np.ndarray:
        """One int64 per row: the quantity, or −(p4 + 1) for a percentage (one gather instead of two)."""
        node_code = np.where(self.p4_node >= 0, -self.p4_node - 1, self.qty_node)
        if not self.sku_rule.any():
            return node_code[node]
        sku_code = np.where(self.p4_sku >= 0, -self.p4_sku - 1, self.qty_sku)
        return np.where(self.sku_rule[sku], sku_code[sku], node_code[node])

    def resolve(self, sku: np.ndarray, node: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(quantity, p4 or None) for broadcastable SKU and node indexes."""
        if self.sku_rule.any():
            rule = self.sku_rule[sku]
            qty = np.where(rule, self.qty_sku[sku], self.qty_node[node])
            p4 = np.where(rule, self.p4_sku[sku], self.p4_node[node]) if self.has_percent else None
        else:
            qty = self.qty_node[node]
            p4 = self.p4_node[node] if self.has_percent else None
        return qty, p4


class SkuIndex:
    """Finds SKU names in a SKU array by binary search; the sort order is worked out once, on first use.
    Datasets hand the engines their SKUs sorted (np.unique), so usually there is nothing to sort."""

    def __init__(self, skus: np.ndarray) -> None:
        self.skus = skus
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None

    def find(self, names) -> np.ndarray:
        """Index of each name (−1 where absent)."""
        wanted = np.asarray(list(names), dtype=str)
        if not len(wanted) or not len(self.skus):
            return np.full(len(wanted), -1, np.int64)
        if self._sorted is None:
            skus = self.skus
            if len(skus) < 2 or bool((skus[:-1] <= skus[1:]).all()):
                self._sorted = (np.arange(len(skus)), skus)
            else:
                order = np.argsort(skus, kind="stable")
                self._sorted = (order, skus[order])
        order, sorted_skus = self._sorted
        at = np.minimum(np.searchsorted(sorted_skus, wanted), len(sorted_skus) - 1)
        return np.where(sorted_skus[at] == wanted, order[at], -1)


def positions(skus: np.ndarray, names) -> np.ndarray:
    """Index of each name in `skus` (−1 where absent)."""
    return SkuIndex(skus).find(names)


def sku_group_index(rules: Rules, skus: np.ndarray, index: SkuIndex | None = None) -> np.ndarray:
    """Per SKU, the index of the first SKU group listing it (exactly, or by a "PREFIX*" pattern); −1 if none."""
    out = np.full(len(skus), -1, np.int32)
    if not rules.sku_groups or not len(skus):
        return out
    for g in range(len(rules.sku_groups) - 1, -1, -1):  # backwards, so the first listed group wins
        exact = [p for p in rules.sku_groups[g][1] if not p.endswith("*")]
        for pattern in rules.sku_groups[g][1]:
            if pattern.endswith("*"):
                out[np.char.startswith(skus, pattern[:-1])] = g
        found = (index or SkuIndex(skus)).find(exact)
        out[found[found >= 0]] = g
    return out


def _levels(n: int, s: int, node_specs, group_specs, sku_specs, group_of: np.ndarray,
            index: SkuIndex, rules: Rules) -> Levels:
    qty_node, p4_node = np.zeros(n, np.int64), np.full(n, -1, np.int64)
    for mask, spec in node_specs:  # later (more specific) rules overwrite earlier ones
        qty_node[mask], p4_node[mask] = spec.quantity or 0, to_p4(spec.percent)
    rule, qty_sku, p4_sku = np.zeros(s, bool), np.zeros(s, np.int64), np.full(s, -1, np.int64)
    names = [name for name, _ in rules.sku_groups]
    for group, spec in group_specs:
        if group in names:
            mask = group_of == names.index(group)
            rule[mask], qty_sku[mask], p4_sku[mask] = True, spec.quantity or 0, to_p4(spec.percent)
    if sku_specs:
        found = index.find(name for name, _ in sku_specs)
        keep = found >= 0
        at = found[keep]
        rule[at] = True
        qty_sku[at] = np.array([spec.quantity or 0 for _, spec in sku_specs], np.int64)[keep]
        p4_sku[at] = np.array([to_p4(spec.percent) for _, spec in sku_specs], np.int64)[keep]
    return Levels(qty_node, p4_node, rule, qty_sku, p4_sku)


@dataclass(frozen=True, eq=False)
class Compiled:
    """Rules resolved against one network and SKU list: arrays the engines index directly."""

    rules: Rules
    channels: tuple[str, ...]
    eligible: np.ndarray  # bool (C, 2, N): channel × fulfilment × node
    any_eligible: np.ndarray  # bool (C, N)
    pool_nodes: np.ndarray  # bool (N,): eligible for some channel
    safety: Levels
    node_threshold: Levels
    online: Levels  # the network-level online threshold per SKU (node arrays unused)
    online_channels: np.ndarray  # bool (C,)
    sku_group: np.ndarray  # int32 (S,): SKU group index, −1 for none
    group_nodes: np.ndarray  # bool (D, N): distribution group membership
    group_table: np.ndarray  # int32 (1 + regions, C, G + 1): group per channel × SKU group (last: none); −1 any
    fence_order: tuple[int, ...]  # channel indexes, priority first
    fence_qty: np.ndarray  # int64 (C,), −1 where a percentage
    fence_pct: np.ndarray  # float64 (C,)
    reservations: np.ndarray  # int64 (4, K): SKU index (−1 unknown), node (−1 network-wide, −2 unknown), units,
    #                          expiry (NEVER when none)
    queue: np.ndarray  # int64 (S,): the brokering queue per SKU

    @property
    def fenced(self) -> bool:
        """True when channels get ring-fenced shares of the pool."""
        return self.rules.allocation == "ring_fenced" and bool(self.fence_order)

    @property
    def threshold(self) -> np.ndarray:
        """Per-node threshold quantities (the node levels only; see node_threshold for SKU levels)."""
        return self.node_threshold.qty_node


def _channels(rules: Rules, extra: Iterable[str]) -> list[str]:
    channels: list[str] = []
    for name in (*rules.channels, *(g.channel for g in rules.grants), *(f.channel for f in rules.fences),
                 *(a.channel for a in rules.group_assignments), *(c for s in rules.segments for c in s.channels),
                 *extra):
        if channel_key(name) not in channels:
            channels.append(channel_key(name))
    return channels


def _eligibility(rules: Rules, locations: Locations, channels: list[str]) -> np.ndarray:
    types, ids = locations.types, locations.ids
    eligible = np.zeros((len(channels), 2, len(locations)), bool)
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
    return eligible


def _groups(rules: Rules, locations: Locations, channels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    names = [d.name for d in rules.distribution_groups]
    nodes = np.zeros((len(names), len(locations)), bool)
    for i, d in enumerate(rules.distribution_groups):
        nodes[i] = np.isin(locations.types, list(d.location_types)) | np.isin(locations.ids, list(d.locations))
    sku_names = [name for name, _ in rules.sku_groups]
    table = np.full((1 + len(rules.regions), len(channels), len(sku_names) + 1), -1, np.int32)
    # Least specific first, so later ones overwrite: any › region › SKU group › SKU group in the region.
    ordered = sorted(rules.group_assignments, key=lambda a: (a.sku_group is not None, a.region is not None))
    for a in ordered:
        c, d = channels.index(channel_key(a.channel)), names.index(a.group)
        cols = slice(None) if a.sku_group is None else sku_names.index(a.sku_group)
        if a.region is None:
            table[:, c, cols] = d
        else:
            table[1 + rules.regions.index(a.region), c, cols] = d
    return nodes, table


def _reservations(rules: Rules, locations: Locations, index: SkuIndex) -> np.ndarray:
    held_ = rules.reservations
    if not held_:
        return np.zeros((4, 0), np.int64)
    node_at = {name: i for i, name in enumerate(locations.ids.tolist())}
    return np.array([
        index.find(r.sku for r in held_),
        [-1 if r.location is None else node_at.get(r.location, -2) for r in held_],
        [r.quantity for r in held_],
        [NEVER if r.expires_at is None else r.expires_at for r in held_],
    ], np.int64)


def _queue(rules: Rules, index: SkuIndex) -> np.ndarray:
    queue = np.zeros(len(index.skus), np.int64)
    if rules.brokering_queue:
        found = index.find(name for name, _ in rules.brokering_queue)
        units = np.array([u for _, u in rules.brokering_queue], np.float64)
        queue += np.bincount(found[found >= 0], units[found >= 0], minlength=len(index.skus)).astype(np.int64)
    return queue


def compile_rules(rules: Rules, locations: Locations, skus: np.ndarray,
                  extra_channels: Iterable[str] = ()) -> Compiled:
    """Resolve rules against the network and SKUs: eligibility masks, per-level buffers, groups."""
    channels = _channels(rules, extra_channels)
    n, s = len(locations), len(skus)
    types, ids = locations.types, locations.ids
    eligible = _eligibility(rules, locations, channels)
    any_eligible = eligible.any(axis=1)
    index = SkuIndex(skus)
    group_of = sku_group_index(rules, skus, index)

    safety_nodes = [(np.ones(n, bool), rules.safety_default)] if rules.safety_default else []
    safety_nodes += [(types == t, x) for t, x in rules.safety_by_type]
    safety_nodes += [(ids == loc, x) for loc, x in rules.safety_by_location]
    safety = _levels(n, s, safety_nodes, rules.safety_by_sku_group, rules.safety_by_sku, group_of, index, rules)
    threshold_nodes = [(np.ones(n, bool), rules.threshold_default)] if rules.threshold_default else []
    threshold_nodes += [(types == t, x if isinstance(x, SafetyStock) else SafetyStock(quantity=int(x)))
                        for t, x in rules.thresholds]
    threshold_nodes += [(ids == loc, x) for loc, x in rules.threshold_by_location]
    node_threshold = _levels(n, s, threshold_nodes, rules.threshold_by_sku_group, rules.threshold_by_sku,
                             group_of, index, rules)
    online_groups = list(rules.online_threshold_by_sku_group)
    online = _levels(1, s, [], online_groups, rules.online_threshold_by_sku, group_of, index, rules)
    if rules.online_threshold is not None:  # the network level: every SKU without its own rule
        spec = rules.online_threshold
        fill = ~online.sku_rule
        online.qty_sku[fill], online.p4_sku[fill] = spec.quantity or 0, to_p4(spec.percent)
        online.sku_rule[:] = True
    keys = {channel_key(c) for c in rules.online_channels}
    online_channels = np.array([not keys or c in keys for c in channels], bool)
    group_nodes, group_table = _groups(rules, locations, channels)

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
        reservations=_reservations(rules, locations, index), queue=_queue(rules, index),
        rules=rules, channels=tuple(channels), eligible=eligible, any_eligible=any_eligible,
        pool_nodes=any_eligible.any(axis=0) if channels else np.ones(n, bool),
        safety=safety, node_threshold=node_threshold, online=online, online_channels=online_channels,
        sku_group=group_of, group_nodes=group_nodes, group_table=group_table,
        fence_order=tuple(order), fence_qty=fence_qty, fence_pct=fence_pct,
    )
