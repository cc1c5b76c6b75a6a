"""The `optimal` strategy's solver: one MILP per batch with HiGHS (scipy.optimize.milp), rules as fallback."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from app.engines.routing.greedy import _blocked, _why, greedy_route
from app.engines.routing.model import R_SPLITS, R_STOCK, Assignment, Problem
from app.engines.routing.validation import assignment_cost, shipments


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
