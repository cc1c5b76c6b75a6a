"""The `optimal` strategy's solver: the routing MILP (formulation.py) with HiGHS, warm-started, rules as fallback."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from app.engines.atp import PICKUP
from app.engines.routing.formulation import formulate, solve
from app.engines.routing.greedy import _blocked, _why, greedy_route
from app.engines.routing.model import R_FENCE, R_SPLITS, R_STOCK, Assignment, Problem
from app.engines.routing.validation import assignment_cost, shipments


def unfilled_reasons(problem: Problem, node: np.ndarray) -> np.ndarray:
    """The reason code of every line an assignment leaves unfilled (0 for assigned lines)."""
    n_nodes = len(problem.network)
    reason = np.zeros(len(node), np.int8)
    atp = problem.atp
    left_atp = atp.copy()
    took = node >= 0
    np.subtract.at(left_atp, (problem.sku[took], node[took]), problem.quantity[took])
    left_cap, left_pick = problem.capacity.copy(), problem.pickup_capacity.copy()
    sg, sn = shipments(problem, node)
    pick = problem.group_method[sg] == PICKUP
    np.subtract.at(left_cap, (problem.group_day[sg[~pick]], sn[~pick]), 1)
    np.subtract.at(left_pick, (problem.group_day[sg[pick]], sn[pick]), 1)
    left_chan = None
    if problem.channel_cap is not None:
        left_chan = problem.channel_cap.copy()
        np.subtract.at(left_chan, (problem.sku[took], problem.group_channel[problem.group_of_line[took]]),
                       problem.quantity[took])
    for g in np.unique(problem.group_of_line[~took]):
        a, b = int(problem.group_start[g]), int(problem.group_start[g + 1])
        if _blocked(problem, node, reason, g, a, b):
            continue
        used = np.zeros(n_nodes, bool)
        used[node[a:b][node[a:b] >= 0]] = True
        usable = (problem.group_capacity(left_cap, left_pick, g) > 0) | used
        for li in range(a, b):
            if node[li] < 0 and problem.sku[li] >= 0:
                s, q = problem.sku[li], problem.quantity[li]
                if left_chan is not None and left_chan[s, problem.group_channel[g]] < q and (
                        left_atp[s, problem.allowed[g]] >= q).any():
                    reason[li] = R_FENCE
                    continue
                reason[li] = _why(problem, problem.allowed[g], usable, left_atp, problem.sku[li],
                                  problem.quantity[li], g)
                if reason[li] == R_SPLITS:  # stock and capacity existed: the penalty made it not worth it
                    reason[li] = R_STOCK if not (atp[problem.sku[li]] >= problem.quantity[li])[
                        problem.allowed[g]].any() else R_SPLITS
    return reason


def solve_milp(problem: Problem, start: np.ndarray | None = None, time_limit: float | None = None) -> Assignment:
    """Solve the problem exactly (within the time limit and gap), warm-started from `start` (a node per line).

    Stopped by the time limit, it keeps the best solution found (never worse than `start`, or than the rules
    heuristic when no start is given) and reports its gap to HiGHS's lower bound; with no solution at all it
    falls back to rules.
    """
    started = time.perf_counter()
    limit = problem.cost.time_limit_s if time_limit is None else time_limit
    form = formulate(problem)
    info: dict[str, Any] = {"variables": int(form.n_var), "constraints": int(form.matrix.shape[0])}
    if start is None:
        start = greedy_route(problem, problem.allowed, problem.cost.criteria).node
        info["warm_start"] = "rules"
    start_cost = assignment_cost(problem, start)["total"]
    # the limit covers building the model and the warm start too
    left = max(limit - (time.perf_counter() - started), 0.0)
    result = solve(form, time_limit=left, gap=problem.cost.mip_gap, start=form.start(problem, start))
    info.update(status=result.status, message=result.status)
    fixed = problem.cost.unfilled_penalty * int(len(problem.sku) - len(form.live))  # lines no node can take
    if result.values is None:
        node = np.asarray(start, np.int32)
        info.update(fallback=True, incumbent="start")
    else:
        node = form.assignment(problem, result.values)
        info["fallback"] = False
        if assignment_cost(problem, node)["total"] >= start_cost - 1e-6 and not result.optimal:
            node, info["incumbent"] = np.asarray(start, np.int32), "start"  # the solver found nothing better
    total = assignment_cost(problem, node)["total"]
    bound = None if result.bound is None else result.bound + fixed
    info.update(optimal=bool(result.optimal), objective=total, bound=bound,
                gap=None if bound is None else max(0.0, (total - bound) / max(abs(total), 1e-9)))
    info["seconds"] = time.perf_counter() - started
    return Assignment(node, unfilled_reasons(problem, node), info)
