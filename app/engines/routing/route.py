"""`route_orders`: run one strategy over all the orders, batch by batch, checking every assignment."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.engines.atp import PICKUP, channel_key
from app.engines.routing.cost_model import CostModel
from app.engines.routing.metrics import routing_metrics
from app.engines.routing.model import R_REJECTED, Network, Orders, RoutingResult, Strategy, Violation
from app.engines.routing.problem import build_problem
from app.engines.routing.promise import NO_PROMISE
from app.engines.routing.strategies import STRATEGIES
from app.engines.routing.validation import assignment_cost, shipments, validate

KEPT_INFO = ("optimal", "gap", "fallback", "status", "message", "variables", "incumbent", "bound", "warm_start")


def route_orders(network: Network, orders: Orders, skus: np.ndarray, atp: np.ndarray, eligible: np.ndarray,
                 eligible_channels: Sequence[str], cost: CostModel, strategy: str | Strategy = "rules",
                 progress: Callable[[float], None] | None = None,
                 channel_caps: np.ndarray | None = None) -> RoutingResult:
    """Route all orders with one strategy. `optimal` solves the whole run as one problem up to cost.horizon_groups
    groups, and beyond that (like any strategy with `batched = True`) goes batch by batch (cost.batch_orders
    groups each, in time order); ATP, capacity and ring-fenced allocations (`channel_caps`, (S, C) over
    `eligible_channels`) carry from batch to batch."""
    if isinstance(strategy, str) and strategy not in STRATEGIES:
        raise KeyError(f"No routing strategy {strategy!r} (registered: {', '.join(STRATEGIES)}).")
    plugin = STRATEGIES[strategy] if isinstance(strategy, str) else strategy
    whole = build_problem(network, orders, skus, atp, eligible, eligible_channels, cost, channel_caps=channel_caps)
    batched = (plugin.name == "optimal" and whole.n_groups > cost.horizon_groups) or getattr(plugin, "batched", False)
    size = cost.batch_orders if batched else max(whole.n_groups, 1)
    atp_left, cap_left, pick_left = whole.atp.copy(), whole.capacity.copy(), whole.pickup_capacity.copy()
    chan_left = None if channel_caps is None else np.asarray(channel_caps, np.int64).copy()
    keys = [channel_key(c) for c in eligible_channels]
    chan_of = np.asarray([keys.index(channel_key(c)) if channel_key(c) in keys else -1 for c in orders.channels],
                         np.int64)
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
                                    capacity=cap_left, days=whole.days, pickup_capacity=pick_left,
                                    channel_caps=chan_left)
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
        if chan_left is not None:
            c_took = chan_of[problem.group_channel[problem.group_of_line[took]]]
            listed = c_took >= 0
            np.subtract.at(chan_left, (problem.sku[took][listed], c_took[listed]), problem.quantity[took][listed])
        sg, sn = shipments(problem, a_node)
        pick = problem.group_method[sg] == PICKUP
        np.subtract.at(cap_left, (problem.group_day[sg[~pick]], sn[~pick]), 1)
        np.subtract.at(pick_left, (problem.group_day[sg[pick]], sn[pick]), 1)
        np.maximum(cap_left, 0, out=cap_left)
        np.maximum(pick_left, 0, out=pick_left)
        costs = assignment_cost(problem, a_node)
        batches.append({"groups": int(b1 - b0), "lines": int(len(lines)), "seconds": round(seconds, 4),
                        "cost": round(costs["total"], 2), "violations": len(broken),
                        **{k: v for k, v in a.info.items() if k in KEPT_INFO}})
        if progress:
            progress(b1 / max(whole.n_groups, 1))
    elapsed = time.perf_counter() - started
    metrics = routing_metrics(whole, node[whole.line_index], reason[whole.line_index], batches, elapsed)
    metrics["violations"] = [{"kind": v.kind, "detail": v.detail} for v in violations[:50]]
    metrics["trusted"] = not violations
    metrics["strategy"] = plugin.name
    metrics["solver"]["scope"] = "batches" if len(batches) > 1 else "horizon"
    promised = predicted = None
    if whole.promised is not None and whole.delivery is not None:
        promised = np.full(len(orders), NO_PROMISE, np.int64)
        predicted = np.full(len(orders), NO_PROMISE, np.int64)
        promised[whole.line_index] = whole.promised
        at = node[whole.line_index]
        filled = at >= 0
        predicted[whole.line_index[filled]] = whole.delivery[whole.group_of_line[filled], at[filled]]
    return RoutingResult(plugin.name, node, reason, tuple(violations), tuple(batches), metrics, promised, predicted)
