"""The `guided` heuristic: the LP relaxation of the whole horizon, its integral part kept, the rest solved small.

1. The routing MILP (formulation.py) over every order of the run, each line limited to its `keep` cheapest
   candidate nodes, is solved as an LP (HiGHS). Under scarce stock the LP sees the whole horizon, so an early
   order does not take the last units a later order needs more (what a time-ordered sourcing sequence does).
2. Groups whose LP values are all integral keep them: together they use no more stock or capacity than the LP
   did, so they stay feasible.
3. The few fractional groups are solved as a MILP with every other group fixed (HiGHS presolve removes the
   fixed part), warm-started with those groups unfilled so that a solution always exists.
4. The result is compared with the rules heuristic and the cheaper one is kept: never worse than rules.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from app.engines.atp import PICKUP
from app.engines.routing.formulation import formulate, solve
from app.engines.routing.greedy import greedy_route
from app.engines.routing.milp import unfilled_reasons
from app.engines.routing.model import Assignment, Problem
from app.engines.routing.validation import assignment_cost

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
        lower, upper = np.zeros(form.n_var), form.upper.copy()
        lower[fix] = upper[fix] = np.round(v[fix])
        # a start that always exists: the integral groups as the LP has them, the loose groups unfilled
        base = form.assignment(problem, np.where(fix, np.round(v), 0.0))
        info["fractional_groups"] = int(loose.sum())
        if loose.any():
            rest = solve(form, time_limit=max(limit - (time.perf_counter() - started), 0.0), gap=problem.cost.mip_gap,
                         start=form.start(problem, base), lower=lower, upper=upper)
            node = form.assignment(problem, rest.values) if rest.values is not None else base
            info["repair_seconds"] = round(rest.seconds, 3)
        else:
            node = base
    if node is None or compare:
        rules = greedy_route(problem, problem.allowed, problem.cost.criteria)
        if node is None or assignment_cost(problem, rules.node)["total"] < assignment_cost(problem, node)["total"]:
            node, info["incumbent"] = rules.node, "rules"
    info["seconds"] = time.perf_counter() - started
    return Assignment(node, unfilled_reasons(problem, node), info)


def sample_problem(problem: Problem, groups: np.ndarray) -> Problem:
    """The problem restricted to `groups` (sorted group indexes), with the whole problem's stock and capacity."""
    starts = problem.group_start
    sizes = starts[groups + 1] - starts[groups]
    lines = np.repeat(starts[groups], sizes) + np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return replace(problem, group_order=problem.group_order[groups], group_channel=problem.group_channel[groups],
                   group_method=problem.group_method[groups], group_day=problem.group_day[groups],
                   group_node=problem.group_node[groups], group_start=np.r_[0, np.cumsum(sizes)].astype(np.int64),
                   distance=problem.distance[groups], ship_cost=problem.ship_cost[groups],
                   allowed=problem.allowed[groups], block=problem.block[groups], sku=problem.sku[lines],
                   quantity=problem.quantity[lines], line_index=problem.line_index[lines])


def scarcity_prices(problem: Problem, sample: int = 2_000, seed: int = 0, keep: int = KEEP,
                    time_limit: float = 30.0) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Shadow prices of stock (S, N), dispatch (D, N) and pickup capacity (D, N) from the LP of a random sample
    of `sample` groups against the same share of every stock and capacity; None if the LP is not solved."""
    n_groups = problem.n_groups
    if n_groups > sample:
        groups = np.sort(np.random.default_rng(seed).choice(n_groups, sample, replace=False))
        sub, scale = sample_problem(problem, groups), sample / n_groups
    else:
        sub, scale = problem, 1.0
    form = formulate(sub, keep=keep, scale=scale)
    lp = solve(form, relax=True, time_limit=time_limit)
    stock = np.zeros(problem.atp.shape)
    ship = np.zeros(problem.capacity.shape)
    pick = np.zeros(problem.capacity.shape)
    if lp.duals is None:
        return None
    row0, s_sku, s_node = form.atp_rows
    stock[s_sku, s_node] = np.maximum(-lp.duals[row0:row0 + len(s_sku)], 0.0)  # a ≤ row's dual is ≤ 0
    row0, c_pick, c_day, c_node = form.cap_rows
    price = np.maximum(-lp.duals[row0:row0 + len(c_day)], 0.0)
    ship[c_day[c_pick == 0], c_node[c_pick == 0]] = price[c_pick == 0]
    pick[c_day[c_pick == 1], c_node[c_pick == 1]] = price[c_pick == 1]
    return stock, ship, pick


def priced_route(problem: Problem, sample: int = 2_000, seed: int = 0) -> Assignment:
    """The sourcing sequence ranking nodes by shipment cost plus the shadow prices of the stock and capacity it
    uses (`scarcity_prices`): a cheap node whose stock or capacity later orders need more costs what it is worth."""
    started = time.perf_counter()
    prices = scarcity_prices(problem, sample=sample, seed=seed)
    priced = problem
    if prices is not None:
        stock, ship, pick = prices
        line_price = stock[np.maximum(problem.sku, 0)] * (problem.quantity * (problem.sku >= 0))[:, None]
        starts = problem.group_start[:-1]
        group_price = np.add.reduceat(line_price, starts, axis=0) if len(line_price) else np.zeros_like(
            problem.ship_cost)
        group_price[np.diff(problem.group_start) == 0] = 0.0
        is_pick = (problem.group_method == PICKUP)[:, None]
        cap_price = np.where(is_pick, pick[problem.group_day], ship[problem.group_day])
        priced = replace(problem, ship_cost=problem.ship_cost + group_price + cap_price)
    a = greedy_route(priced, problem.allowed, ("single_node", "cost"))
    a.info.update(priced=prices is not None, seconds=time.perf_counter() - started)
    return a
