"""Checking an assignment against every constraint (`validate`), and what it costs (`assignment_cost`)."""

from __future__ import annotations

import numpy as np

from app.engines.atp import PICKUP, SHIP
from app.engines.routing.model import REASONS, Assignment, Problem, Violation
from app.engines.routing.promise import late_days


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
    if problem.channel_cap is not None:
        taken = np.zeros_like(problem.channel_cap)
        np.add.at(taken, (problem.sku[lines], problem.group_channel[g[lines]]), problem.quantity[lines])
        caps = problem.channel_cap
        for s, c in np.argwhere(taken > caps)[:limit]:
            out.append(Violation("ring_fence", f"Channel {problem.channels[c]} takes {taken[s, c]} of "
                                               f"{problem.skus[s]}, beyond its allocation {caps[s, c]}."))
    sg, sn = shipments(problem, node)
    per_group = np.bincount(sg, minlength=problem.n_groups)
    for gi in np.flatnonzero(per_group > problem.cost.max_splits + 1)[:limit]:
        out.append(Violation("max_splits", f"Order {problem.group_order[gi]}: {per_group[gi]} shipments."))
    is_pick = problem.group_method[sg] == PICKUP
    for what, limit_of, mask in (("orders", problem.capacity, ~is_pick), ("pickups", problem.pickup_capacity, is_pick)):
        load = np.zeros_like(limit_of)
        np.add.at(load, (problem.group_day[sg[mask]], sn[mask]), 1)
        for d, n in np.argwhere(load > limit_of)[:limit]:
            out.append(Violation("capacity", f"{problem.network.ids[n]} takes {load[d, n]} {what} on day "
                                             f"{problem.days[d]} (capacity {limit_of[d, n]})."))
    return out[:limit]


def assignment_cost(problem: Problem, node: np.ndarray) -> dict[str, float]:
    """Cost of an assignment: shipping, handling, split, unfilled and late penalties, and total."""
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
    late_cost = 0.0
    if problem.cost.promise is not None:
        late = late_days(problem.promised, problem.delivery, problem.group_of_line, node)
        late_cost = float(late.sum()) * problem.cost.promise.late_cost_per_day
    return {"shipping": shipping, "handling": handled, "split_penalty": split_cost, "unfilled_penalty": unfilled_cost,
            "late_penalty": late_cost, "total": shipping + handled + split_cost + unfilled_cost + late_cost}


def _handling(problem: Problem) -> np.ndarray:
    h = problem.network.handling
    return np.where(np.isnan(h), problem.cost.handling_default, h)
