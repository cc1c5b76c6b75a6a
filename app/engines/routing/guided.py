"""The `guided` heuristic: the LP relaxation of the whole horizon, its integral part kept, the rest solved small.

1. The routing MILP (formulation.py) over every order of the run, each line limited to its `keep` cheapest
   candidate nodes, is solved as an LP (HiGHS). Under scarce stock the LP sees the whole horizon, so an early
   order does not take the last units a later order needs more (what a time-ordered sourcing sequence does).
2. Groups whose LP values are all integral keep them: together they use no more stock or capacity than the LP
   did, so they stay feasible.
3. The few fractional groups are solved as a MILP of their own, on the stock and capacity the fixed groups
   leave, warm-started with those groups unfilled so that a solution always exists.
4. The result is compared with the rules heuristic and the cheaper one is kept: never worse than rules.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from app.engines.atp import PICKUP
from app.engines.routing.formulation import formulate, solve
from app.engines.routing.greedy import greedy_route
from app.engines.routing.milp import unfilled_reasons
from app.engines.routing.model import Assignment, Problem
from app.engines.routing.problem import sub_problem
from app.engines.routing.validation import assignment_cost, shipments

KEEP = 8  # candidate nodes per line; measured in bench/bench_routing.py
INTEGRAL = 1e-6


def guided_route(problem: Problem, keep: int = KEEP, time_limit: float | None = None,
                 compare: bool = True) -> Assignment:
    """LP relaxation, integral part fixed, fractional rest as a small MILP; never worse than rules with `compare`."""
    started = time.perf_counter()
    limit = problem.cost.time_limit_s if time_limit is None else time_limit
    form = formulate(problem, keep=keep)
    lp = solve(form, relax=True, time_limit=max(limit - (time.perf_counter() - started), 0.0))
    info: dict[str, Any] = {"variables": int(form.n_var), "lp_seconds": round(lp.seconds, 3), "lp_bound": lp.bound}
    node = None
    if lp.values is not None:
        v = lp.values
        gl = problem.group_of_line
        ox, oy, os_, ou = form.offsets
        frac = np.abs(v - np.round(v)) > INTEGRAL
        frac[os_:ou] = False  # split counts are continuous
        owner = np.concatenate([gl[form.xl], form.yg, form.ug, gl[form.live]])
        loose = np.zeros(problem.n_groups, bool)
        loose[owner[frac]] = True
        fix = ~loose[owner]
        fix[os_:ou] = False
        # a start that always exists: the integral groups as the LP has them, the loose groups unfilled
        base = form.assignment(problem, np.where(fix, np.round(v), 0.0))
        info["fractional_groups"] = int(loose.sum())
        if loose.any():
            node, info["repair_seconds"] = _repair(problem, base, np.flatnonzero(loose),
                                                   max(limit - (time.perf_counter() - started), 1.0),
                                                   problem.cost.mip_gap * abs(lp.objective or 0.0))
        else:
            node = base
    if node is None or compare:
        rules = greedy_route(problem, problem.allowed, problem.cost.criteria)
        if node is None or assignment_cost(problem, rules.node)["total"] < assignment_cost(problem, node)["total"]:
            node, info["incumbent"] = rules.node, "rules"
    info["seconds"] = time.perf_counter() - started
    return Assignment(node, unfilled_reasons(problem, node), info)


def _repair(problem: Problem, base: np.ndarray, loose: np.ndarray, limit: float,
            abs_gap: float) -> tuple[np.ndarray, float]:
    """The loose groups solved on the stock and capacity the fixed groups leave (a small MILP of its own, so the
    solver never carries the fixed part); `base` with their lines filled in.

    The MILP stops within `abs_gap` (mip_gap of the whole run's LP cost): proving the last 0.01 % of the small
    part alone took 157 s of 358 on 20,000 orders, for nothing the whole run's gap could show."""
    took = base >= 0
    atp = problem.atp.copy()
    np.subtract.at(atp, (problem.sku[took], base[took]), problem.quantity[took])
    cap, pick = problem.capacity.copy(), problem.pickup_capacity.copy()
    sg, sn = shipments(problem, base)
    is_pick = problem.group_method[sg] == PICKUP
    np.subtract.at(cap, (problem.group_day[sg[~is_pick]], sn[~is_pick]), 1)
    np.subtract.at(pick, (problem.group_day[sg[is_pick]], sn[is_pick]), 1)
    chan = None
    if problem.channel_cap is not None:
        chan = problem.channel_cap.copy()
        np.subtract.at(chan, (problem.sku[took], problem.group_channel[problem.group_of_line[took]]),
                       problem.quantity[took])
    sub, lines = sub_problem(problem, loose, atp, cap, pick, chan)
    form = formulate(sub)
    # unfilled is always feasible, so the solver starts from a solution
    result = solve(form, time_limit=limit, gap=problem.cost.mip_gap, abs_gap=abs_gap,
                   start=form.start(sub, np.full(len(sub.sku), -1, np.int32)))
    node = base.copy()
    if result.values is not None:
        node[lines] = form.assignment(sub, result.values)
    return node, round(result.seconds, 3)
