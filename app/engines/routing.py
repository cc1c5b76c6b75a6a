"""Order routing: assign every order line to a node (or leave it unfilled, with the reason) under a cost model.

A *group* is the lines of one order with one fulfilment method (an order mixing ship and pickup lines is two
groups). Each distinct node a group uses is one *shipment*: it costs the node's handling cost, plus shipping
(base + rate × haversine km, or distance bands) for ship groups; every shipment beyond the first is a split and
costs the split penalty; an unfilled line costs the unfilled penalty. A shipment also uses one order of the
node's daily capacity on the group's day. Lines are routed whole (a line is never split across nodes).

Strategies are plugins behind one interface (`Strategy.route(problem) -> Assignment`, registered in
STRATEGIES): `channel_origin` (today's channel-bound routing), `rules` (an ordered sourcing sequence) and
`optimal` (a MILP per batch, HiGHS through scipy). `route_orders` runs one over the orders batch by batch,
carrying ATP and capacity forward, and checks every assignment (`validate`): a plugin that breaks a constraint
is reported, not trusted. Pure numpy (+ scipy for the MILP): no Flask, no ORM.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from app.engines.atp import DAY, PICKUP, SHIP, channel_key

EARTH_KM = 6371.0088
UNLIMITED = np.iinfo(np.int64).max // 4
CRITERIA = ("single_node", "cost", "distance", "priority", "balance")
ORIGINS = ("dc", "own_store")  # or a location id
# Why a line is unfilled (index = code; 0 means assigned).
REASONS = ("", "unknown_sku", "no_coordinates", "not_eligible", "max_distance", "no_stock", "capacity",
           "max_splits", "unknown_store", "rejected")
R_SKU, R_COORD, R_ELIG, R_DIST, R_STOCK, R_CAP, R_SPLITS, R_STORE, R_REJECTED = range(1, 10)


class CostModelError(ValueError):
    """Bad cost model parameters: `errors` maps field -> message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class CostModel:
    """Costs and routing policy of a design (currency units; distances in km). Build with `parse_cost_model`."""

    base: float = 4.0  # per ship shipment
    rate_per_km: float = 0.02
    bands: tuple[tuple[float, float], ...] = ()  # (up to km, shipping cost), ascending; replaces base + rate
    handling_default: float = 1.5  # per shipment, where the locations dataset gives no handling_cost
    split_penalty: float = 3.0  # per shipment beyond the first of a group
    unfilled_penalty: float = 60.0  # per unfilled line
    max_distance_km: float | None = None  # promise: no ship shipment from farther than this
    max_splits: int = 2  # extra shipments allowed per group
    criteria: tuple[str, ...] = ("single_node", "cost", "priority", "balance")  # the rules strategy's ranking
    node_priority: tuple[tuple[str, int], ...] = ()  # lower first; unlisted nodes rank 100
    origin: tuple[tuple[str, str], ...] = (("web", "dc"), ("store", "own_store"))  # channel_origin's sources
    origin_default: str = "dc"
    batch_orders: int = 2000  # optimal: groups per MILP
    time_limit_s: float = 30.0  # optimal: per batch
    mip_gap: float = 1e-4  # optimal: relative gap at which HiGHS stops

    def shipping(self, km: np.ndarray) -> np.ndarray:
        """Shipping cost of one shipment over `km`."""
        km = np.asarray(km, np.float64)
        if not self.bands:
            return self.base + self.rate_per_km * km
        limits = np.array([b[0] for b in self.bands])
        costs = np.array([b[1] for b in self.bands])
        return costs[np.minimum(np.searchsorted(limits, km, side="left"), len(costs) - 1)]

    def to_document(self) -> dict[str, Any]:
        """The JSON form `parse_cost_model` reads."""
        return {
            "base": self.base, "rate_per_km": self.rate_per_km, "bands": [list(b) for b in self.bands],
            "handling_default": self.handling_default, "split_penalty": self.split_penalty,
            "unfilled_penalty": self.unfilled_penalty, "max_distance_km": self.max_distance_km,
            "max_splits": self.max_splits, "criteria": list(self.criteria),
            "node_priority": dict(self.node_priority), "origin": dict(self.origin),
            "origin_default": self.origin_default, "batch_orders": self.batch_orders,
            "time_limit_s": self.time_limit_s, "mip_gap": self.mip_gap,
        }


def parse_cost_model(document: Mapping[str, Any] | None) -> CostModel:
    """Validate a JSON cost model (missing keys take the defaults); CostModelError lists every problem."""
    document = dict(document or {})
    default = CostModel()
    errors: dict[str, str] = {}
    known = set(default.to_document())
    for key in document:
        if key not in known:
            errors[key] = f"Unknown setting (known: {', '.join(sorted(known))})."
    values: dict[str, Any] = {}

    def number(key: str, minimum: float = 0.0, allow_none: bool = False, integer: bool = False,
               positive: bool = False) -> None:
        if key not in document:
            return
        raw = document[key]
        if raw is None and allow_none:
            values[key] = None
            return
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            errors[key] = "Must be a number."
        elif integer and int(raw) != raw:
            errors[key] = "Must be a whole number."
        elif raw < minimum or (positive and raw <= 0):
            errors[key] = f"Must be {'more than' if positive else 'at least'} {minimum:g}."
        else:
            values[key] = int(raw) if integer else float(raw)

    for key in ("base", "rate_per_km", "handling_default", "split_penalty", "unfilled_penalty"):
        number(key)
    number("max_distance_km", allow_none=True, positive=True)
    number("max_splits", integer=True)
    number("batch_orders", minimum=1, integer=True)
    number("time_limit_s", positive=True)
    number("mip_gap")
    if "bands" in document:
        bands = document["bands"]
        ok = isinstance(bands, list) and all(
            isinstance(b, list | tuple) and len(b) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in b)
            for b in bands)
        if not ok:
            errors["bands"] = "Must be a list of [up to km, cost] pairs of numbers ≥ 0."
        elif any(b[0] <= a[0] for a, b in zip(bands, bands[1:], strict=False)):
            errors["bands"] = "Distances must increase."
        else:
            values["bands"] = tuple((float(a), float(b)) for a, b in bands)
    if "criteria" in document:
        crit = document["criteria"]
        if not isinstance(crit, list) or not crit or any(c not in CRITERIA for c in crit) or len(set(crit)) != len(
                crit):
            errors["criteria"] = f"Must be a list of distinct criteria from: {', '.join(CRITERIA)}."
        else:
            values["criteria"] = tuple(crit)
    if "node_priority" in document:
        prio = document["node_priority"]
        if not isinstance(prio, dict) or any(isinstance(v, bool) or not isinstance(v, int) for v in prio.values()):
            errors["node_priority"] = "Must map location ids to whole numbers."
        else:
            values["node_priority"] = tuple(sorted((str(k), int(v)) for k, v in prio.items()))
    if "origin" in document:
        origin = document["origin"]
        if not isinstance(origin, dict) or any(not isinstance(v, str) or not v.strip() for v in origin.values()):
            errors["origin"] = "Must map channels to dc, own_store or a location id."
        else:
            values["origin"] = tuple(sorted((channel_key(k), v.strip()) for k, v in origin.items()))
    if "origin_default" in document:
        if not isinstance(document["origin_default"], str) or not document["origin_default"].strip():
            errors["origin_default"] = "Must be dc, own_store or a location id."
        else:
            values["origin_default"] = document["origin_default"].strip()
    if errors:
        raise CostModelError(errors)
    return replace(default, **values)


# --- the problem ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Network:
    """Nodes, index-aligned (the ATP engine's Locations plus coordinates, capacity and handling cost)."""

    ids: np.ndarray  # str (N,)
    types: np.ndarray  # str (N,)
    lat: np.ndarray  # float (N,), NaN where unknown
    lon: np.ndarray  # float (N,)
    ship_from: np.ndarray  # bool (N,)
    pickup: np.ndarray  # bool (N,)
    capacity: np.ndarray  # int64 (N,) orders per day, -1 where unlimited
    handling: np.ndarray  # float (N,), NaN where the model's default applies

    def __len__(self) -> int:
        return len(self.ids)


def network_from_rows(ids: Sequence[str], types: Sequence[str], lat: Sequence[float], lon: Sequence[float],
                      ship_from: Sequence[bool] | None = None, pickup: Sequence[bool] | None = None,
                      capacity: Sequence[int] | None = None, handling: Sequence[float] | None = None) -> Network:
    """A Network from plain sequences (tests, examples): flags default to True, capacity to unlimited."""
    n = len(ids)
    return Network(np.asarray(list(ids), str), np.asarray(list(types), str), np.asarray(lat, np.float64),
                   np.asarray(lon, np.float64),
                   np.asarray(ship_from if ship_from is not None else [True] * n, bool),
                   np.asarray(pickup if pickup is not None else [True] * n, bool),
                   np.asarray(capacity if capacity is not None else [-1] * n, np.int64),
                   np.asarray(handling if handling is not None else [np.nan] * n, np.float64))


@dataclass(frozen=True, eq=False)
class Orders:
    """Order lines (any order); `sku` indexes the SKU list (-1: unknown), `channel` indexes `channels`."""

    channels: tuple[str, ...]
    order_id: np.ndarray  # str (L,)
    time: np.ndarray  # int64 seconds
    channel: np.ndarray  # int32
    fulfillment: np.ndarray  # int8 SHIP / PICKUP
    pickup_node: np.ndarray  # int32, -1 for ship lines (or an unknown store)
    lat: np.ndarray  # float ship-to, NaN where not given
    lon: np.ndarray
    sku: np.ndarray  # int32
    quantity: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.time)


def orders_from_rows(rows: Sequence[Mapping[str, Any]], skus: Sequence[str], nodes: Sequence[str]) -> Orders:
    """Orders from dicts {order_id, channel, fulfillment, sku, quantity, time?, lat?, lon?, pickup?} (tests)."""
    channels: list[str] = []
    for r in rows:
        if channel_key(r["channel"]) not in channels:
            channels.append(channel_key(r["channel"]))
    sku_at = {s: i for i, s in enumerate(skus)}
    node_at = {s: i for i, s in enumerate(nodes)}
    return Orders(
        channels=tuple(channels),
        order_id=np.asarray([str(r["order_id"]) for r in rows], str),
        time=np.asarray([int(r.get("time", 0)) for r in rows], np.int64),
        channel=np.asarray([channels.index(channel_key(r["channel"])) for r in rows], np.int32),
        fulfillment=np.asarray([PICKUP if r["fulfillment"] == "pickup" else SHIP for r in rows], np.int8),
        pickup_node=np.asarray([node_at.get(r.get("pickup"), -1) for r in rows], np.int32),
        lat=np.asarray([r.get("lat", np.nan) for r in rows], np.float64),
        lon=np.asarray([r.get("lon", np.nan) for r in rows], np.float64),
        sku=np.asarray([sku_at.get(r["sku"], -1) for r in rows], np.int32),
        quantity=np.asarray([int(r["quantity"]) for r in rows], np.int64),
    )


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass(frozen=True, eq=False)
class Problem:
    """One batch to route: its groups and lines (lines sorted by group), the ATP and capacity still left.

    `group_start[g]:group_start[g+1]` are group g's lines. `allowed` (G, N) is what the scenario permits for
    each group (eligibility, location flags, promise distance, known coordinates); strategies may narrow it.
    """

    network: Network
    cost: CostModel
    channels: tuple[str, ...]
    skus: np.ndarray  # (S,)
    atp: np.ndarray  # int64 (S, N) still available
    capacity: np.ndarray  # int64 (D, N) orders still possible per day (UNLIMITED where no limit)
    days: np.ndarray  # int64 (D,) day numbers since the epoch
    group_order: np.ndarray  # str (G,)
    group_channel: np.ndarray  # int32 (G,)
    group_method: np.ndarray  # int8 (G,)
    group_day: np.ndarray  # int32 (G,) index into days
    group_node: np.ndarray  # int32 (G,) pickup store, -1 for ship groups
    group_start: np.ndarray  # int64 (G + 1,)
    distance: np.ndarray  # float (G, N) km; 0 for pickup groups, NaN where unknown
    ship_cost: np.ndarray  # float (G, N): cost of one shipment from the node (shipping + handling)
    allowed: np.ndarray  # bool (G, N)
    block: np.ndarray  # int8 (G,): a reason that blocks the whole group, 0 if none
    sku: np.ndarray  # int32 (L,), -1 unknown
    quantity: np.ndarray  # int64 (L,)
    line_index: np.ndarray  # int64 (L,): position in the original orders

    @property
    def n_groups(self) -> int:
        return len(self.group_order)

    @property
    def group_of_line(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_groups), np.diff(self.group_start))

    def priority(self) -> np.ndarray:
        """Node priority (N,), lower first."""
        out = np.full(len(self.network), 100, np.int64)
        at = {s: i for i, s in enumerate(self.network.ids.tolist())}
        for node, rank in self.cost.node_priority:
            if node in at:
                out[at[node]] = rank
        return out


@dataclass(frozen=True, eq=False)
class Assignment:
    """Per line of the problem: the node (-1 unfilled) and the reason code (REASONS; 0 when assigned)."""

    node: np.ndarray  # int32 (L,)
    reason: np.ndarray  # int8 (L,)
    info: dict[str, Any] = field(default_factory=dict)


class Strategy(Protocol):
    """A routing strategy plugin: register an instance in STRATEGIES under its name."""

    name: str
    description: str

    def route(self, problem: Problem) -> Assignment: ...


# --- validation and cost --------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A constraint an assignment breaks."""

    kind: str  # atp, capacity, eligibility, pickup_store, max_splits, reason, shape
    detail: str


def shipments(problem: Problem, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (group, node) pairs used by assigned lines: (groups, nodes)."""
    ok = node >= 0
    g = problem.group_of_line[ok]
    pairs = np.unique(g.astype(np.int64) * len(problem.network) + node[ok])
    return (pairs // len(problem.network)).astype(np.int64), (pairs % len(problem.network)).astype(np.int64)


def validate(problem: Problem, a: Assignment, limit: int = 20) -> list[Violation]:
    """Every constraint the assignment breaks (at most `limit` of them)."""
    out: list[Violation] = []
    n_lines, n_nodes = len(problem.sku), len(problem.network)
    if a.node.shape != (n_lines,) or a.reason.shape != (n_lines,):
        return [Violation("shape", f"Expected {n_lines} lines, got {a.node.shape} and {a.reason.shape}.")]
    node = a.node.astype(np.int64)
    bad = ((node < 0) & (a.reason <= 0)) | ((node >= 0) & (a.reason != 0)) | (node >= n_nodes) | (
        a.reason >= len(REASONS))
    for i in np.flatnonzero(bad)[:limit]:
        out.append(Violation("reason", f"Line {problem.line_index[i]}: neither assigned nor unfilled with a reason."))
    node = np.where(bad, -1, node)
    ok = node >= 0
    g = problem.group_of_line
    lines = np.flatnonzero(ok)
    unknown = lines[problem.sku[lines] < 0]
    for i in unknown[:limit]:
        out.append(Violation("atp", f"Line {problem.line_index[i]}: an unknown SKU was assigned."))
    lines = lines[problem.sku[lines] >= 0]
    used = np.zeros_like(problem.atp)
    np.add.at(used, (problem.sku[lines], node[lines]), problem.quantity[lines])
    for s, n in np.argwhere(used > problem.atp)[:limit]:
        out.append(Violation("atp", f"{problem.network.ids[n]} ships {used[s, n]} of {problem.skus[s]} with "
                                    f"ATP {problem.atp[s, n]}."))
    not_allowed = ok & ~problem.allowed[g, np.maximum(node, 0)]
    for i in np.flatnonzero(not_allowed)[:limit]:
        out.append(Violation("eligibility", f"Line {problem.line_index[i]}: {problem.network.ids[node[i]]} is not "
                                            f"eligible for its channel, method or promise."))
    pick = ok & (problem.group_method[g] == PICKUP) & (node != problem.group_node[g])
    for i in np.flatnonzero(pick)[:limit]:
        out.append(Violation("pickup_store", f"Line {problem.line_index[i]}: a pickup line left its store."))
    sg, sn = shipments(problem, node)
    per_group = np.bincount(sg, minlength=problem.n_groups)
    for gi in np.flatnonzero(per_group > problem.cost.max_splits + 1)[:limit]:
        out.append(Violation("max_splits", f"Order {problem.group_order[gi]}: {per_group[gi]} shipments."))
    load = np.zeros_like(problem.capacity)
    np.add.at(load, (problem.group_day[sg], sn), 1)
    for d, n in np.argwhere(load > problem.capacity)[:limit]:
        out.append(Violation("capacity", f"{problem.network.ids[n]} takes {load[d, n]} orders on day "
                                         f"{problem.days[d]} (capacity {problem.capacity[d, n]})."))
    return out[:limit]


def assignment_cost(problem: Problem, node: np.ndarray) -> dict[str, float]:
    """Cost of an assignment: shipping, handling, split penalty, unfilled penalty and total."""
    sg, sn = shipments(problem, node)
    handling = _handling(problem)
    ship_mask = problem.group_method[sg] == SHIP
    shipping = float((problem.ship_cost[sg, sn] - handling[sn])[ship_mask].sum())
    handled = float(handling[sn].sum())
    per_group = np.bincount(sg, minlength=problem.n_groups)
    splits = int(np.maximum(per_group - 1, 0).sum())
    unfilled = int((node < 0).sum())
    split_cost = splits * problem.cost.split_penalty
    unfilled_cost = unfilled * problem.cost.unfilled_penalty
    return {"shipping": shipping, "handling": handled, "split_penalty": split_cost, "unfilled_penalty": unfilled_cost,
            "total": shipping + handled + split_cost + unfilled_cost}


def _handling(problem: Problem) -> np.ndarray:
    h = problem.network.handling
    return np.where(np.isnan(h), problem.cost.handling_default, h)


# --- strategies -----------------------------------------------------------------------------------


def _blocked(problem: Problem, node: np.ndarray, reason: np.ndarray, g: int, lo: int, hi: int) -> bool:
    """Unfill the lines the group can never have (whole-group block, unknown SKU); True when nothing is left."""
    if problem.block[g]:
        reason[lo:hi] = problem.block[g]
        return True
    if hi - lo == 1:
        if problem.sku[lo] < 0:
            reason[lo] = R_SKU
            return True
        return False
    unknown = problem.sku[lo:hi] < 0
    reason[lo:hi][unknown] = R_SKU
    return bool(unknown.all())


def _why(problem: Problem, allowed: np.ndarray, cap_ok: np.ndarray, atp: np.ndarray, s: int, q: int,
         g: int) -> int:
    """The reason a line found no node."""
    in_stock = atp[s] >= q
    beyond = (problem.group_method[g] == SHIP and problem.cost.max_distance_km is not None
              and (in_stock & (problem.distance[g] > problem.cost.max_distance_km)).any())
    if not allowed.any():
        return R_DIST if beyond else R_ELIG
    if not in_stock[allowed].any():
        return R_DIST if beyond else R_STOCK
    if not (allowed & cap_ok & (atp[s] >= q)).any():
        return R_CAP
    return R_SPLITS


def greedy_route(problem: Problem, allowed: np.ndarray, criteria: Sequence[str]) -> Assignment:
    """The sourcing sequence shared by `rules` and `channel_origin`, group by group in time order.

    Pickup groups: the pickup store, or unfilled. Ship groups: candidates = allowed nodes with capacity left;
    with "single_node" first, a node that holds every line wins (ranked by the other criteria); otherwise (or
    when none does) nodes are taken one at a time, the one covering the most remaining lines first (ties by the
    criteria; without "single_node", each line goes to its own best node), up to max_splits + 1 nodes.
    """
    atp = problem.atp.copy()
    cap = problem.capacity.copy()
    n_lines = len(problem.sku)
    node = np.full(n_lines, -1, np.int32)
    reason = np.zeros(n_lines, np.int8)
    single_first = bool(criteria) and criteria[0] == "single_node"
    rank = [c for c in criteria if c != "single_node"]
    priority = problem.priority().astype(np.float64)
    max_nodes = problem.cost.max_splits + 1
    starts = problem.group_start
    for g in range(problem.n_groups):
        lo, hi = int(starts[g]), int(starts[g + 1])
        if _blocked(problem, node, reason, g, lo, hi):
            continue
        day_cap = cap[problem.group_day[g]]
        ok_nodes = allowed[g]
        skus = problem.sku[lo:hi]
        qty = problem.quantity[lo:hi]
        todo = np.flatnonzero(skus >= 0)
        cap_ok = day_cap > 0
        cand = ok_nodes & cap_ok
        have = (atp[skus[todo]] >= qty[todo, None]) & cand  # (l, N)
        group_skus = skus[todo]

        def pick(cands: np.ndarray, g=g, group_skus=group_skus) -> int:
            """The best of the candidate nodes by the ranking criteria (np.lexsort: last key is primary)."""
            if len(cands) == 1 or not rank:
                return int(cands[0])
            keys = []
            for c in reversed(rank):
                if c == "cost":
                    keys.append(problem.ship_cost[g, cands])
                elif c == "distance":
                    keys.append(np.nan_to_num(problem.distance[g, cands], nan=1e12))
                elif c == "priority":
                    keys.append(priority[cands])
                elif c == "balance":  # most of the group's stock left first
                    keys.append(-atp[np.ix_(group_skus, cands)].sum(axis=0).astype(np.float64))
            return int(cands[np.lexsort(keys)[0]])

        chosen: list[int] = []
        if single_first:
            need = qty[todo]
            if len(todo) > 1 and len(set(group_skus.tolist())) < len(todo):
                inv = np.unique(group_skus, return_inverse=True)[1]
                need = np.bincount(inv, need)[inv].astype(np.int64)  # lines of one SKU need their sum at a node
            full = ((atp[group_skus] >= need[:, None]) & cand).all(axis=0)
            if full.any():
                best = pick(np.flatnonzero(full))
                node[lo + todo] = best
                np.subtract.at(atp, (group_skus, best), qty[todo])  # repeated SKUs accumulate
                day_cap[best] -= 1
                continue
        remaining = np.ones(len(todo), bool)
        while remaining.any() and len(chosen) < max_nodes:
            live = have & remaining[:, None]
            if single_first:
                cover = live.sum(axis=0)
                if cover.max() == 0:
                    break
                best = pick(np.flatnonzero(cover == cover.max()))  # most lines first, ties by the criteria
            else:  # the first remaining line's best node
                first = np.flatnonzero(remaining)[0]
                if not live[first].any():
                    remaining[first] = False
                    continue
                best = pick(np.flatnonzero(live[first]))
            take = live[:, best]
            # take lines one by one so that two lines of one SKU never overdraw the node together
            for i in np.flatnonzero(take):
                li = lo + todo[i]
                s, q = problem.sku[li], problem.quantity[li]
                if atp[s, best] >= q:
                    atp[s, best] -= q
                    node[li] = best
                    remaining[i] = False
            have[:, best] &= False
            for i in np.flatnonzero(remaining):  # stock just taken may leave a later line short elsewhere
                have[i] &= atp[skus[todo[i]]] >= qty[todo[i]]
            chosen.append(int(best))
            day_cap[best] -= 1
        for i in np.flatnonzero(node[lo + todo] < 0):
            li = lo + todo[i]
            allowed_g = ok_nodes
            usable = cap_ok.copy()
            usable[chosen] = True
            reason[li] = _why(problem, allowed_g, usable, atp,
                              problem.sku[li], problem.quantity[li], g)
            if reason[li] == R_SPLITS and len(chosen) < max_nodes:
                reason[li] = R_CAP
    return Assignment(node, reason)


@dataclass(frozen=True)
class RulesStrategy:
    """An ordered sourcing sequence (IBM Sterling / Fluent / HotWax style) over every eligible node."""

    name: str = "rules"
    description: str = ("Pickup → the pickup store; ship → eligible nodes with capacity and stock, ranked by the "
                        "cost model's criteria, within max splits.")

    def route(self, problem: Problem) -> Assignment:
        return greedy_route(problem, problem.allowed, problem.cost.criteria)


@dataclass(frozen=True)
class ChannelOriginStrategy:
    """Today's channel-bound routing: each channel ships only from its own source (cost model `origin`)."""

    name: str = "channel_origin"
    description: str = ("Web orders from DCs, store orders from their own store, other channels from a "
                        "configured node; nearest source first.")

    def route(self, problem: Problem) -> Assignment:
        return greedy_route(problem, problem.allowed & origin_mask(problem), ("single_node", "distance"))


def origin_mask(problem: Problem) -> np.ndarray:
    """(G, N): the nodes each group's channel may use under channel-origin routing."""
    net = problem.network
    mapping = dict(problem.cost.origin)
    out = np.zeros(problem.allowed.shape, bool)
    stores = np.isin(net.types, ["store", "dark_store"])
    for c, name in enumerate(problem.channels):
        rows = problem.group_channel == c
        source = mapping.get(channel_key(name), problem.cost.origin_default)
        if source == "dc":
            out[rows] = np.isin(net.types, ["dc", "3pl"])
        elif source == "own_store":
            for g in np.flatnonzero(rows):
                if problem.group_node[g] >= 0:
                    out[g, problem.group_node[g]] = True
                else:  # a store-channel ship order with no store on it: the nearest store
                    dist = np.where(stores, np.nan_to_num(problem.distance[g], nan=np.inf), np.inf)
                    if np.isfinite(dist).any():
                        out[g, int(np.argmin(dist))] = True
        else:
            out[rows] = net.ids == source
    pickup = problem.group_method == PICKUP
    out[pickup] = problem.allowed[pickup]  # pickup is always the pickup store
    return out


@dataclass(frozen=True)
class OptimalStrategy:
    """A MILP per batch minimising shipping + handling + split + unfilled cost (HiGHS via scipy.optimize.milp)."""

    name: str = "optimal"
    description: str = ("Cost-optimal assignment per batch (MILP, HiGHS) under ATP, capacity, eligibility and max "
                        "splits; a batch not solved in time falls back to rules.")

    def route(self, problem: Problem) -> Assignment:
        return solve_milp(problem)


def solve_milp(problem: Problem) -> Assignment:
    """Solve the batch exactly (within the cost model's time limit and gap); fall back to rules if no solution."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    started = time.perf_counter()
    n_lines, n_nodes = len(problem.sku), len(problem.network)
    gl = problem.group_of_line
    node = np.full(n_lines, -1, np.int32)
    reason = np.zeros(n_lines, np.int8)
    atp, cap = problem.atp, problem.capacity
    # candidate (line, node) pairs: allowed, known SKU, enough stock, capacity on the day
    known = problem.sku >= 0
    live = (~problem.block.astype(bool))[gl] & known
    li_all = np.flatnonzero(live)
    ok = problem.allowed[gl[li_all]] & (atp[problem.sku[li_all]] >= problem.quantity[li_all, None]) & (
        cap[problem.group_day[gl[li_all]]] > 0)
    xl, xn = np.nonzero(ok)
    xl = li_all[xl]
    # y: (group, node) pairs that have some candidate line
    ykey, y_of_x = np.unique(gl[xl].astype(np.int64) * n_nodes + xn, return_inverse=True)
    yg, yn = ykey // n_nodes, ykey % n_nodes
    ug = np.unique(yg)  # groups with a choice: one split variable each
    s_of_group = np.full(problem.n_groups, -1, np.int64)
    s_of_group[ug] = np.arange(len(ug))
    nx, ny, ns, nu = len(xl), len(ykey), len(ug), len(li_all)
    u_of_line = np.full(n_lines, -1, np.int64)
    u_of_line[li_all] = np.arange(nu)
    ox, oy, os_, ou = 0, nx, nx + ny, nx + ny + ns
    n_var = ou + nu
    c = np.zeros(n_var)
    c[oy:oy + ny] = problem.ship_cost[yg, yn]
    c[os_:os_ + ns] = problem.cost.split_penalty
    c[ou:] = problem.cost.unfilled_penalty
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(rr, cc, vv, lower, upper, count):
        nonlocal r
        rows.append(np.asarray(rr, np.int64) + r)
        cols.append(np.asarray(cc, np.int64))
        vals.append(np.asarray(vv, np.float64))
        lo.append(np.broadcast_to(np.asarray(lower, np.float64), (count,)))
        hi.append(np.broadcast_to(np.asarray(upper, np.float64), (count,)))
        r += count

    # each live line: Σ x + u = 1
    add(np.concatenate([u_of_line[xl], np.arange(nu)]), np.concatenate([ox + np.arange(nx), ou + np.arange(nu)]),
        np.ones(nx + nu), 1, 1, nu)
    # x ≤ y
    add(np.concatenate([np.arange(nx), np.arange(nx)]), np.concatenate([ox + np.arange(nx), oy + y_of_x]),
        np.concatenate([np.ones(nx), -np.ones(nx)]), -np.inf, 0, nx)
    # ATP per (sku, node)
    skey, s_row = np.unique(problem.sku[xl].astype(np.int64) * n_nodes + xn, return_inverse=True)
    add(s_row, ox + np.arange(nx), problem.quantity[xl], 0, atp[skey // n_nodes, skey % n_nodes], len(skey))
    # capacity per (day, node)
    dkey, d_row = np.unique(problem.group_day[yg].astype(np.int64) * n_nodes + yn, return_inverse=True)
    add(d_row, oy + np.arange(ny), np.ones(ny), 0, cap[dkey // n_nodes, dkey % n_nodes].astype(np.float64),
        len(dkey))
    # Σ y − s ≤ 1 and Σ y ≤ max_splits + 1 per group
    sg_row = s_of_group[yg]
    add(np.concatenate([sg_row, np.arange(ns)]), np.concatenate([oy + np.arange(ny), os_ + np.arange(ns)]),
        np.concatenate([np.ones(ny), -np.ones(ns)]), -np.inf, 1, ns)
    add(sg_row, oy + np.arange(ny), np.ones(ny), 0, problem.cost.max_splits + 1, ns)
    info: dict[str, Any] = {"variables": int(n_var), "constraints": int(r)}
    if n_var:
        matrix = coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_var))
        integrality = np.ones(n_var)
        integrality[os_:os_ + ns] = 0  # splits follow from the binaries
        upper = np.ones(n_var)
        upper[os_:os_ + ns] = np.inf
        result = milp(c, constraints=LinearConstraint(matrix.tocsr(), np.concatenate(lo), np.concatenate(hi)),
                      integrality=integrality, bounds=Bounds(np.zeros(n_var), upper),
                      options={"time_limit": problem.cost.time_limit_s, "mip_rel_gap": problem.cost.mip_gap,
                               "disp": False})
        info.update(status=int(result.status), message=str(result.message))
        if result.x is None:
            fallback = greedy_route(problem, problem.allowed, problem.cost.criteria)
            fallback.info.update(info, fallback=True, optimal=False, gap=None,
                                 seconds=time.perf_counter() - started)
            return fallback
        x = result.x[ox:ox + nx] > 0.5
        node[xl[x]] = xn[x]
        info.update(optimal=result.status == 0, fallback=False,
                    gap=float(getattr(result, "mip_gap", 0.0) or 0.0), objective=float(result.fun))
    else:
        info.update(status=0, optimal=True, fallback=False, gap=0.0, objective=0.0)
    # reasons for what stayed unfilled
    left_atp = atp.copy()
    took = node >= 0
    np.subtract.at(left_atp, (problem.sku[took], node[took]), problem.quantity[took])
    left_cap = cap.copy()
    sg, sn = shipments(problem, node)
    np.subtract.at(left_cap, (problem.group_day[sg], sn), 1)
    for g in range(problem.n_groups):
        a, b = int(problem.group_start[g]), int(problem.group_start[g + 1])
        if _blocked(problem, node, reason, g, a, b):
            continue
        for li in range(a, b):
            if node[li] < 0 and problem.sku[li] >= 0:
                used = np.zeros(n_nodes, bool)
                used[node[a:b][node[a:b] >= 0]] = True
                reason[li] = _why(problem, problem.allowed[g], (left_cap[problem.group_day[g]] > 0) | used, left_atp,
                                  problem.sku[li], problem.quantity[li], g)
                if reason[li] == R_SPLITS:  # stock and capacity existed: the penalty made it not worth it
                    reason[li] = R_STOCK if not (atp[problem.sku[li]] >= problem.quantity[li])[
                        problem.allowed[g]].any() else R_SPLITS
    if n_var and not info["optimal"]:
        # Stopped by the time limit with an incumbent: keep the better of it and the rules heuristic, and report
        # the gap of the kept solution to the solver's lower bound (lines no node could take count as constant).
        heuristic = greedy_route(problem, problem.allowed, problem.cost.criteria)
        mine = assignment_cost(problem, node)["total"]
        theirs = assignment_cost(problem, heuristic.node)["total"]
        bound = getattr(result, "mip_dual_bound", None)
        if theirs < mine:
            node, reason, mine = heuristic.node, heuristic.reason, theirs
            info["incumbent"] = "rules"
        if bound is not None and math.isfinite(bound):
            fixed = problem.cost.unfilled_penalty * int(len(problem.sku) - nu)
            info["gap"] = max(0.0, (mine - (bound + fixed)) / max(abs(mine), 1e-9))
    info["seconds"] = time.perf_counter() - started
    return Assignment(node, reason, info)


STRATEGIES: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    """Add a strategy plugin (a consultant's own routing) under its name."""
    STRATEGIES[strategy.name] = strategy
    return strategy


for _s in (ChannelOriginStrategy(), RulesStrategy(), OptimalStrategy()):
    register(_s)


# --- building problems and running ----------------------------------------------------------------


def build_problem(network: Network, orders: Orders, skus: np.ndarray, atp: np.ndarray, eligible: np.ndarray,
                  eligible_channels: Sequence[str], cost: CostModel, lines: np.ndarray | None = None,
                  capacity: np.ndarray | None = None, days: np.ndarray | None = None) -> Problem:
    """A Problem over `lines` (indexes into orders; default all), grouped and sorted by (time, order, method).

    `atp` (S, N) is per-node ATP; `eligible` (C, 2, N) the ATP rules' eligibility for `eligible_channels`
    (a channel it does not list is eligible everywhere); `capacity` (D, N) what is left on `days`.
    """
    if np.isnan(network.lat).any() or np.isnan(network.lon).any():
        missing = network.ids[np.isnan(network.lat) | np.isnan(network.lon)]
        raise CostModelError({"locations": f"Missing coordinates for {', '.join(missing[:5].tolist())}"
                                           + (" …" if len(missing) > 5 else "") + "."})
    lines = np.arange(len(orders)) if lines is None else np.asarray(lines, np.int64)
    n_nodes = len(network)
    order_code = np.unique(orders.order_id[lines], return_inverse=True)[1]
    first_time = np.zeros(order_code.max() + 1 if len(lines) else 0, np.int64)
    if len(lines):
        first_time[:] = np.iinfo(np.int64).max
        np.minimum.at(first_time, order_code, orders.time[lines])
    sort = np.lexsort((orders.fulfillment[lines], order_code, first_time[order_code]))
    lines = lines[sort]
    code = order_code[sort]
    method = orders.fulfillment[lines]
    new = np.ones(len(lines), bool)
    new[1:] = (code[1:] != code[:-1]) | (method[1:] != method[:-1])
    head = np.flatnonzero(new)
    start = np.append(head, len(lines)).astype(np.int64)
    g_time = first_time[code[head]] if len(lines) else np.zeros(0, np.int64)
    g_day_no = np.floor_divide(g_time, DAY)
    if days is None:
        days = np.unique(g_day_no)
    g_day = np.searchsorted(days, g_day_no).astype(np.int32)
    if capacity is None:
        cap = np.where(network.capacity >= 0, network.capacity, UNLIMITED)
        capacity = np.tile(cap, (len(days), 1))
    g_channel = orders.channel[lines[head]]
    g_method = method[head]
    g_node = np.where(g_method == PICKUP, orders.pickup_node[lines[head]], -1).astype(np.int32)
    # ship-to coordinates: the group's first line that has them
    lat = orders.lat[lines]
    lon = orders.lon[lines]
    g_lat = np.full(len(head), np.nan)
    g_lon = np.full(len(head), np.nan)
    has = ~(np.isnan(lat) | np.isnan(lon))
    gl = np.repeat(np.arange(len(head)), np.diff(start))
    first_with = np.full(len(head), -1)
    rev = np.flatnonzero(has)[::-1]
    first_with[gl[rev]] = rev
    hit = first_with >= 0
    g_lat[hit], g_lon[hit] = lat[first_with[hit]], lon[first_with[hit]]
    distance = haversine_km(g_lat[:, None], g_lon[:, None], network.lat[None, :], network.lon[None, :])
    distance[g_method == PICKUP] = 0.0
    handling = np.where(np.isnan(network.handling), cost.handling_default, network.handling)
    ship_cost = np.where(g_method[:, None] == SHIP, cost.shipping(np.nan_to_num(distance, nan=0.0)), 0.0) + handling
    # eligibility: the ATP rules, the location flags, the promise distance, the pickup store
    keys = [channel_key(c) for c in eligible_channels]
    elig = np.ones((len(orders.channels), 2, n_nodes), bool)
    for i, name in enumerate(orders.channels):
        if channel_key(name) in keys:
            elig[i] = eligible[keys.index(channel_key(name))]
    ships = network.ship_from | np.isin(network.types, ["dc", "3pl"])
    allowed = elig[g_channel, g_method]
    allowed &= np.where(g_method[:, None] == SHIP, ships[None, :], network.pickup[None, :])
    block = np.zeros(len(head), np.int8)
    is_ship = g_method == SHIP
    block[is_ship & ~hit] = R_COORD
    if cost.max_distance_km is not None:
        allowed &= ~(is_ship[:, None] & (distance > cost.max_distance_km))
    pick = ~is_ship
    own = np.zeros_like(allowed)
    own[np.flatnonzero(pick & (g_node >= 0)), g_node[pick & (g_node >= 0)]] = True
    allowed[pick] &= own[pick]
    block[pick & (g_node < 0)] = R_STORE
    allowed[block > 0] = False
    return Problem(
        network=network, cost=cost, channels=tuple(orders.channels), skus=np.asarray(skus), atp=atp.copy(),
        capacity=capacity.copy(), days=np.asarray(days, np.int64), group_order=orders.order_id[lines[head]],
        group_channel=g_channel.astype(np.int32), group_method=g_method.astype(np.int8), group_day=g_day,
        group_node=g_node, group_start=start, distance=distance, ship_cost=ship_cost, allowed=allowed,
        block=block, sku=orders.sku[lines], quantity=orders.quantity[lines], line_index=lines,
    )


@dataclass(frozen=True, eq=False)
class RoutingResult:
    """A strategy's routing of every order line (aligned with the input Orders), with checks and metrics."""

    strategy: str
    node: np.ndarray  # int32 (L,), -1 unfilled
    reason: np.ndarray  # int8 (L,)
    violations: tuple[Violation, ...]
    batches: tuple[dict[str, Any], ...]
    metrics: dict[str, Any]

    @property
    def trusted(self) -> bool:
        """False when the strategy broke a constraint."""
        return not self.violations


def dense_atp(n_skus: int, n_nodes: int, sku: np.ndarray, node: np.ndarray, atp: np.ndarray) -> np.ndarray:
    """Per-row node ATP (the ATP engine's `node_atp`) as an (S, N) matrix."""
    out = np.zeros((n_skus, n_nodes), np.int64)
    np.add.at(out, (sku, node), np.maximum(atp, 0))
    return out


def route_orders(network: Network, orders: Orders, skus: np.ndarray, atp: np.ndarray, eligible: np.ndarray,
                 eligible_channels: Sequence[str], cost: CostModel, strategy: str | Strategy = "rules",
                 progress: Callable[[float], None] | None = None) -> RoutingResult:
    """Route all orders with one strategy. `optimal` (and any strategy with `batched = True`) goes batch by batch
    (cost.batch_orders groups each, in time order); ATP and capacity carry from batch to batch."""
    if isinstance(strategy, str) and strategy not in STRATEGIES:
        raise KeyError(f"No routing strategy {strategy!r} (registered: {', '.join(STRATEGIES)}).")
    plugin = STRATEGIES[strategy] if isinstance(strategy, str) else strategy
    whole = build_problem(network, orders, skus, atp, eligible, eligible_channels, cost)
    batched = plugin.name == "optimal" or getattr(plugin, "batched", False)
    size = cost.batch_orders if batched else max(whole.n_groups, 1)
    atp_left, cap_left = whole.atp.copy(), whole.capacity.copy()
    node = np.full(len(orders), -1, np.int32)
    reason = np.zeros(len(orders), np.int8)
    violations: list[Violation] = []
    batches: list[dict[str, Any]] = []
    started = time.perf_counter()
    for b0 in range(0, max(whole.n_groups, 1), size):
        b1 = min(b0 + size, whole.n_groups)
        lines = whole.line_index[whole.group_start[b0]:whole.group_start[b1]]
        if b0 == 0 and b1 == whole.n_groups:  # one batch: the whole problem as it is
            problem = whole
        else:
            problem = build_problem(network, orders, skus, atp_left, eligible, eligible_channels, cost, lines=lines,
                                    capacity=cap_left, days=whole.days)
        t0 = time.perf_counter()
        a = plugin.route(problem)
        seconds = time.perf_counter() - t0
        broken = validate(problem, a)
        violations.extend(broken)
        a_node = np.where((a.node >= 0) & (a.node < len(network)), a.node, -1).astype(np.int32)
        a_reason = np.where(a_node >= 0, 0, np.where(a.reason > 0, a.reason, R_REJECTED)).astype(np.int8)
        node[problem.line_index] = a_node
        reason[problem.line_index] = a_reason
        took = (a_node >= 0) & (problem.sku >= 0)
        np.subtract.at(atp_left, (problem.sku[took], a_node[took]), problem.quantity[took])
        np.maximum(atp_left, 0, out=atp_left)
        sg, sn = shipments(problem, a_node)
        np.subtract.at(cap_left, (problem.group_day[sg], sn), 1)
        np.maximum(cap_left, 0, out=cap_left)
        costs = assignment_cost(problem, a_node)
        batches.append({"groups": int(b1 - b0), "lines": int(len(lines)), "seconds": round(seconds, 4),
                        "cost": round(costs["total"], 2), "violations": len(broken),
                        **{k: v for k, v in a.info.items() if k in ("optimal", "gap", "fallback", "status",
                                                                     "message", "variables", "incumbent")}})
        if progress:
            progress(b1 / max(whole.n_groups, 1))
    elapsed = time.perf_counter() - started
    metrics = routing_metrics(whole, node[whole.line_index], reason[whole.line_index], batches, elapsed)
    metrics["violations"] = [{"kind": v.kind, "detail": v.detail} for v in violations[:50]]
    metrics["trusted"] = not violations
    metrics["strategy"] = plugin.name
    return RoutingResult(plugin.name, node, reason, tuple(violations), tuple(batches), metrics)


def routing_metrics(problem: Problem, node: np.ndarray, reason: np.ndarray, batches: Sequence[dict[str, Any]],
                    seconds: float) -> dict[str, Any]:
    """The run's figures (docs/routing.md), for the whole problem (lines in problem order)."""
    net = problem.network
    n_nodes = len(net)
    gl = problem.group_of_line
    costs = assignment_cost(problem, node)
    sg, sn = shipments(problem, node)
    per_group = np.bincount(sg, minlength=problem.n_groups)
    groups_served = per_group > 0
    n_groups = problem.n_groups
    orders = len(np.unique(problem.group_order)) if n_groups else 0
    ship_sh = problem.group_method[sg] == SHIP
    dist = problem.distance[sg[ship_sh], sn[ship_sh]]
    store_types = np.isin(net.types, ["store", "dark_store"])
    lines = len(node)
    filled = int((node >= 0).sum())
    load = np.zeros((len(problem.days), n_nodes), np.int64)
    np.add.at(load, (problem.group_day[sg], sn), 1)
    limited = net.capacity > 0
    util = np.divide(load, np.where(limited, net.capacity, 1)[None, :], dtype=np.float64)
    util_limited = util[:, limited]
    at_cap = (load >= net.capacity[None, :]) & limited[None, :] & (load > 0)
    units = np.zeros(n_nodes, np.int64)
    np.add.at(units, node[node >= 0], problem.quantity[node >= 0])
    reasons = np.bincount(reason[node < 0], minlength=len(REASONS))

    def channel_block(rows_g: np.ndarray) -> dict[str, Any]:
        lmask = rows_g[gl]
        smask = rows_g[sg]
        pg = per_group[rows_g]
        served = pg > 0
        return {"lines": int(lmask.sum()), "filled": int((lmask & (node >= 0)).sum()),
                "fill_rate": _rate((lmask & (node >= 0)).sum(), lmask.sum()),
                "groups": int(rows_g.sum()), "shipments": int(smask.sum()),
                "split_rate": _rate((pg > 1).sum(), served.sum()),
                "from_stores": _rate((smask & ship_sh & store_types[sn]).sum(), (smask & ship_sh).sum())}

    total = costs["total"]
    return {
        "lines": lines, "filled": filled, "fill_rate": _rate(filled, lines),
        "orders": orders, "groups": n_groups, "shipments": int(len(sg)),
        "split_groups": int((per_group > 1).sum()), "splits": int(np.maximum(per_group - 1, 0).sum()),
        "split_rate": _rate((per_group > 1).sum(), groups_served.sum()),
        "shipments_per_order": round(float(len(sg) / max(groups_served.sum(), 1)), 4),
        "cost": {k: round(v, 2) for k, v in costs.items()},
        "cost_per_order": round(total / max(n_groups, 1), 4),
        "distance_km": {"mean": round(float(dist.mean()), 2) if len(dist) else None,
                        "p95": round(float(np.percentile(dist, 95)), 2) if len(dist) else None},
        "ship_shipments": int(ship_sh.sum()),
        "from_stores": _rate((ship_sh & store_types[sn]).sum(), ship_sh.sum()),
        "from_dcs": _rate((ship_sh & ~store_types[sn]).sum(), ship_sh.sum()),
        "utilisation": {"mean": round(float(util_limited.mean()), 4) if util_limited.size else None,
                        "max": round(float(util_limited.max()), 4) if util_limited.size else None,
                        "nodes_at_capacity": int(at_cap.any(axis=0).sum()),
                        "node_days_at_capacity": int(at_cap.sum())},
        "unfilled": {REASONS[i]: int(reasons[i]) for i in range(1, len(REASONS)) if reasons[i]},
        "by_channel": {name: channel_block(problem.group_channel == c) for c, name in enumerate(problem.channels)},
        "nodes": [{"id": str(net.ids[n]), "type": str(net.types[n]), "lat": float(net.lat[n]),
                   "lon": float(net.lon[n]), "shipments": int((sn == n).sum()), "units": int(units[n]),
                   "days_at_capacity": int(at_cap[:, n].sum()),
                   "peak_load": int(load[:, n].max()) if len(load) else 0,
                   "capacity": int(net.capacity[n])} for n in range(n_nodes)],
        "seconds": round(seconds, 4),
        "ms_per_order": round(1000 * seconds / max(n_groups, 1), 4),
        "solver": _solver_summary(batches),
    }


def _solver_summary(batches: Sequence[dict[str, Any]]) -> dict[str, Any]:
    gaps = [b["gap"] for b in batches if b.get("gap") is not None]
    return {"batches": len(batches),
            "optimal_batches": sum(1 for b in batches if b.get("optimal")),
            "fallback_batches": sum(1 for b in batches if b.get("fallback")),
            "max_gap": round(max(gaps), 6) if gaps else None,
            "max_batch_seconds": round(max((b["seconds"] for b in batches), default=0.0), 4)}


def _rate(part, whole) -> float:
    return round(float(part) / float(whole), 6) if whole else 0.0
