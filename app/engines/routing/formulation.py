"""The routing MILP of a Problem as matrices, and one HiGHS solve of it (LP relaxation or MILP, warm-startable).

Variables, in this order: x (line, node) for every candidate pair, y (group, node) for every pair with a
candidate line, s (one split count per group with a choice, continuous), u (one per live line: unfilled).
Minimise Σ ship_cost·y + late cost·x + split_penalty·s + unfilled_penalty·u (late cost: promise dates, 0 when
off) subject to, per live line, Σx + u = 1; x ≤ y;
per (SKU, node), Σ quantity·x ≤ ATP; per (day, node), the shipments ≤ its capacity (ship groups use the
dispatch capacity, pickup groups the pickup capacity); per group, Σy − s ≤ 1 and Σy ≤ max_splits + 1.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engines.atp import PICKUP
from app.engines.routing.model import Problem


@dataclass(frozen=True, eq=False)
class Formulation:
    """The MILP's matrices and what each variable stands for."""

    c: np.ndarray
    matrix: Any  # scipy.sparse CSC (rows × variables)
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray  # bool per variable
    upper: np.ndarray
    xl: np.ndarray  # line of each x
    xn: np.ndarray  # node of each x
    yg: np.ndarray  # group of each y
    yn: np.ndarray
    y_of_x: np.ndarray
    ug: np.ndarray  # group of each s
    live: np.ndarray  # line of each u
    offsets: tuple[int, int, int, int]  # where x, y, s and u start

    @property
    def n_var(self) -> int:
        """Number of variables."""
        return len(self.c)

    def start(self, problem: Problem, node: np.ndarray) -> np.ndarray:
        """The variable values of an assignment (a warm start); lines on a non-candidate node count unfilled."""
        ox, oy, os_, ou = self.offsets
        values = np.zeros(self.n_var)
        chosen = node[self.xl] == self.xn
        values[ox:ox + len(self.xl)] = chosen
        y = np.zeros(len(self.yg))
        y[self.y_of_x[chosen]] = 1.0
        values[oy:oy + len(y)] = y
        per_group = np.bincount(self.yg, weights=y, minlength=problem.n_groups)
        values[os_:os_ + len(self.ug)] = np.maximum(per_group[self.ug] - 1, 0)
        covered = np.zeros(len(problem.sku), bool)
        covered[self.xl[chosen]] = True
        values[ou:] = ~covered[self.live]
        return values

    def assignment(self, problem: Problem, values: np.ndarray) -> np.ndarray:
        """The node of every line (-1 unfilled) read from integral variable values."""
        node = np.full(len(problem.sku), -1, np.int32)
        x = values[self.offsets[0]:self.offsets[0] + len(self.xl)] > 0.5
        node[self.xl[x]] = self.xn[x]
        return node


def formulate(problem: Problem, keep: int | None = None) -> Formulation:
    """The problem's MILP; with `keep`, each line's candidates are only its `keep` cheapest nodes (a heuristic)."""
    from scipy.sparse import coo_array

    n_lines, n_nodes = len(problem.sku), len(problem.network)
    gl = problem.group_of_line
    atp, cap = problem.atp, problem.capacity
    pick_cap = problem.pickup_capacity
    known = problem.sku >= 0
    live = np.flatnonzero((~problem.block.astype(bool))[gl] & known)
    g_live = gl[live]
    pickup_g = problem.group_method == PICKUP
    cap_left = np.where(pickup_g[g_live, None], pick_cap[problem.group_day[g_live]], cap[problem.group_day[g_live]])
    ok = problem.allowed[g_live] & (atp[problem.sku[live]] >= problem.quantity[live, None]) & (cap_left > 0)
    late = _late_cost(problem, live, g_live)
    if keep is not None and n_nodes > keep:
        # a line's candidates beyond its `keep` cheapest are dropped (the LP-guided heuristic's pruning)
        price = np.where(ok, problem.ship_cost[g_live] + late, np.inf)
        cut = np.partition(price, keep - 1, axis=1)[:, keep - 1:keep]
        ok &= price <= cut
    xi, xn = np.nonzero(ok)
    xl = live[xi]
    ykey, y_of_x = np.unique(gl[xl].astype(np.int64) * n_nodes + xn, return_inverse=True)
    yg, yn = ykey // n_nodes, ykey % n_nodes
    ug = np.unique(yg)
    s_of_group = np.full(problem.n_groups, -1, np.int64)
    s_of_group[ug] = np.arange(len(ug))
    nx, ny, ns, nu = len(xl), len(ykey), len(ug), len(live)
    u_of_line = np.full(n_lines, -1, np.int64)
    u_of_line[live] = np.arange(nu)
    ox, oy, os_, ou = 0, nx, nx + ny, nx + ny + ns
    n_var = ou + nu
    c = np.zeros(n_var)
    c[ox:ox + nx] = late[xi, xn]  # a late line costs at the line's node, so on-time nodes win where they can
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

    add(np.concatenate([u_of_line[xl], np.arange(nu)]), np.concatenate([ox + np.arange(nx), ou + np.arange(nu)]),
        np.ones(nx + nu), 1, 1, nu)
    add(np.concatenate([np.arange(nx), np.arange(nx)]), np.concatenate([ox + np.arange(nx), oy + y_of_x]),
        np.concatenate([np.ones(nx), -np.ones(nx)]), -np.inf, 0, nx)
    skey, s_row = np.unique(problem.sku[xl].astype(np.int64) * n_nodes + xn, return_inverse=True)
    add(s_row, ox + np.arange(nx), problem.quantity[xl], 0, atp[skey // n_nodes, skey % n_nodes], len(skey))
    # dispatch and pickup capacity are separate rows: a pickup never uses a store's daily_capacity
    kind = pickup_g[yg].astype(np.int64)
    dkey, d_row = np.unique((kind * len(problem.days) + problem.group_day[yg]) * n_nodes + yn, return_inverse=True)
    d_kind, d_day, d_node = dkey // (len(problem.days) * n_nodes), (dkey // n_nodes) % len(problem.days), dkey % n_nodes
    limit = np.where(d_kind == 1, pick_cap[d_day, d_node], cap[d_day, d_node]).astype(np.float64)
    add(d_row, oy + np.arange(ny), np.ones(ny), 0, limit, len(dkey))
    if problem.channel_cap is not None:
        # ring-fenced allocation: a channel takes at most its cap of a SKU over the whole network
        x_channel = problem.group_channel[gl[xl]].astype(np.int64)
        ckey, c_row = np.unique(problem.sku[xl].astype(np.int64) * len(problem.channels) + x_channel,
                                return_inverse=True)
        add(c_row, ox + np.arange(nx), problem.quantity[xl], 0,
            problem.channel_cap[ckey // len(problem.channels), ckey % len(problem.channels)], len(ckey))
    sg_row = s_of_group[yg]
    add(np.concatenate([sg_row, np.arange(ns)]), np.concatenate([oy + np.arange(ny), os_ + np.arange(ns)]),
        np.concatenate([np.ones(ny), -np.ones(ns)]), -np.inf, 1, ns)
    add(sg_row, oy + np.arange(ny), np.ones(ny), 0, problem.cost.max_splits + 1, ns)
    matrix = coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_var))
    integer = np.ones(n_var, bool)
    integer[os_:os_ + ns] = False  # splits follow from the binaries
    upper = np.ones(n_var)
    upper[os_:os_ + ns] = np.inf
    return Formulation(c, matrix.tocsc(), np.concatenate(lo) if lo else np.zeros(0),
                       np.concatenate(hi) if hi else np.zeros(0), integer, upper, xl, xn, yg, yn, y_of_x, ug, live,
                       (ox, oy, os_, ou))


def _late_cost(problem: Problem, live: np.ndarray, g_live: np.ndarray) -> np.ndarray:
    """(live lines, N) the late cost of each live line at each node; zeros without promise dates."""
    if problem.cost.promise is None or problem.delivery is None or problem.promised is None:
        return np.zeros((len(live), len(problem.network)))
    late = np.maximum(problem.delivery[g_live] - problem.promised[live, None], 0)
    return problem.cost.promise.late_cost_per_day * late


_quiet = threading.Lock()
_banner_done = False


def _highs():
    """A silent HiGHS instance. The first one in a process prints a banner on file descriptor 1 from C++, which
    would corrupt `routing run --json`; it is swallowed once, under a lock."""
    global _banner_done
    import highspy

    with _quiet:
        if not _banner_done:
            saved = os.dup(1)
            sink = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(sink, 1)
                highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(sink)
            _banner_done = True
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class Solve:
    """One HiGHS run: the values (None when it found nothing), objective, lower bound, status and time."""

    values: np.ndarray | None
    objective: float | None
    bound: float | None
    optimal: bool
    status: str
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


def solve(form: Formulation, *, relax: bool = False, time_limit: float = 30.0, gap: float = 1e-4,
          start: np.ndarray | None = None, lower: np.ndarray | None = None,
          upper: np.ndarray | None = None, lp_solver: str = "ipm", abs_gap: float | None = None) -> Solve:
    """Solve the formulation with HiGHS (the LP relaxation with `relax`); `start` warm-starts the MILP; the MILP
    stops at the relative `gap` or, when given, the absolute `abs_gap`, whichever comes first."""
    import highspy

    started = time.perf_counter()
    if form.n_var == 0:
        return Solve(np.zeros(0), 0.0, 0.0, True, "Optimal", 0.0)
    h = _highs()
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    if abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    h.setOptionValue("threads", 1)
    if relax:
        h.setOptionValue("solver", lp_solver)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = form.n_var, form.matrix.shape[0]
    lp.col_cost_ = form.c
    lp.col_lower_ = np.zeros(form.n_var) if lower is None else lower
    col_upper = form.upper if upper is None else upper
    lp.col_upper_ = np.where(np.isinf(col_upper), highspy.kHighsInf, col_upper)
    lp.row_lower_ = np.where(np.isinf(form.row_lower), -highspy.kHighsInf, form.row_lower)
    lp.row_upper_ = np.where(np.isinf(form.row_upper), highspy.kHighsInf, form.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = form.matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = form.matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = form.matrix.data
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in form.integer]
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = start
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    solution = h.getSolution()
    values = np.asarray(solution.col_value) if has else None
    objective = float(info.objective_function_value) if has else None
    if relax:
        bound = objective if status == highspy.HighsModelStatus.kOptimal else None
    else:
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    optimal = status == highspy.HighsModelStatus.kOptimal
    return Solve(values, objective, bound, optimal, h.modelStatusToString(status), time.perf_counter() - started)
