"""Building a batch to route: orders grouped and sorted, distances, shipment costs, what each group may use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from app.engines.atp import DAY, PICKUP, SHIP, channel_key
from app.engines.routing.cost_model import CostModel, CostModelError
from app.engines.routing.model import R_COORD, R_STORE, UNLIMITED, Network, Orders, Problem
from app.engines.routing.promise import delivery_days, promised_days

EARTH_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def dense_atp(n_skus: int, n_nodes: int, sku: np.ndarray, node: np.ndarray, atp: np.ndarray) -> np.ndarray:
    """Per-row node ATP (the ATP engine's `node_atp`) as an (S, N) matrix."""
    out = np.zeros((n_skus, n_nodes), np.int64)
    np.add.at(out, (sku, node), np.maximum(atp, 0))
    return out


def build_problem(network: Network, orders: Orders, skus: np.ndarray, atp: np.ndarray, eligible: np.ndarray,
                  eligible_channels: Sequence[str], cost: CostModel, lines: np.ndarray | None = None,
                  capacity: np.ndarray | None = None, days: np.ndarray | None = None,
                  pickup_capacity: np.ndarray | None = None, channel_caps: np.ndarray | None = None) -> Problem:
    """A Problem over `lines` (indexes into orders; default all), grouped and sorted by (time, order, method).

    `atp` (S, N) is per-node ATP; `eligible` (C, 2, N) the ATP rules' eligibility for `eligible_channels`
    (a channel it does not list is eligible everywhere); `capacity` (D, N) the ship orders and `pickup_capacity`
    (D, N) the pickups left on `days`; `channel_caps` (S, len(eligible_channels)) the units each channel may
    take of each SKU under ring-fenced allocation (None: shared stock).
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
    if pickup_capacity is None:
        pcap = np.where(network.pickup_capacity >= 0, network.pickup_capacity, UNLIMITED)
        pickup_capacity = np.tile(pcap, (len(days), 1))
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
    channel_cap = None
    if channel_caps is not None:
        channel_cap = np.full((len(skus), len(orders.channels)), UNLIMITED, np.int64)
        for i, name in enumerate(orders.channels):
            if channel_key(name) in keys:
                channel_cap[:, i] = channel_caps[:, keys.index(channel_key(name))]
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
    promised = delivery = None
    if cost.promise is not None:
        own = None if orders.promised is None else orders.promised[lines]
        promised = promised_days(cost.promise, tuple(orders.channels), g_time[gl], orders.channel[lines], own)
        delivery = delivery_days(cost.promise, network.ids, g_time, g_method, distance)
    return Problem(
        network=network, cost=cost, channels=tuple(orders.channels), skus=np.asarray(skus), atp=atp.copy(),
        capacity=capacity.copy(), days=np.asarray(days, np.int64), group_order=orders.order_id[lines[head]],
        group_channel=g_channel.astype(np.int32), group_method=g_method.astype(np.int8), group_day=g_day,
        group_node=g_node, group_start=start, distance=distance, ship_cost=ship_cost, allowed=allowed,
        block=block, sku=orders.sku[lines], quantity=orders.quantity[lines], line_index=lines,
        pickup_capacity=pickup_capacity.copy(), channel_cap=channel_cap, promised=promised, delivery=delivery,
    )


def sub_problem(problem: Problem, groups: np.ndarray, atp: np.ndarray, capacity: np.ndarray,
                pickup_capacity: np.ndarray, channel_cap: np.ndarray | None) -> tuple[Problem, np.ndarray]:
    """The problem restricted to `groups` (ascending) with the stock and capacity left; and the positions of
    its lines in `problem` (line i of the sub-problem is line `lines[i]` of `problem`)."""
    starts, ends = problem.group_start[groups], problem.group_start[groups + 1]
    sizes = ends - starts
    lines = np.repeat(starts - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(int(sizes.sum()))
    return replace(
        problem, atp=atp, capacity=capacity, pickup_capacity=pickup_capacity, channel_cap=channel_cap,
        group_order=problem.group_order[groups], group_channel=problem.group_channel[groups],
        group_method=problem.group_method[groups], group_day=problem.group_day[groups],
        group_node=problem.group_node[groups], group_start=np.r_[0, np.cumsum(sizes)].astype(np.int64),
        distance=problem.distance[groups], ship_cost=problem.ship_cost[groups], allowed=problem.allowed[groups],
        block=problem.block[groups], sku=problem.sku[lines], quantity=problem.quantity[lines],
        line_index=problem.line_index[lines],
        promised=None if problem.promised is None else problem.promised[lines],
        delivery=None if problem.delivery is None else problem.delivery[groups],
    ), lines
