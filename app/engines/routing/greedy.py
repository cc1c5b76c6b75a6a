"""The sourcing-sequence heuristic shared by the `rules` and `channel_origin` strategies, and unfilled reasons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engines.atp import PICKUP, SHIP
from app.engines.routing.model import R_CAP, R_DIST, R_ELIG, R_FENCE, R_SKU, R_SPLITS, R_STOCK, Assignment, Problem


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
    pick_cap = problem.pickup_capacity.copy()
    chan = None if problem.channel_cap is None else problem.channel_cap.copy()
    n_lines = len(problem.sku)
    node = np.full(n_lines, -1, np.int32)
    reason = np.zeros(n_lines, np.int8)
    single_first = bool(criteria) and criteria[0] == "single_node"
    rank = tuple(c for c in criteria if c != "single_node")
    ranker = _Ranker(problem, atp, rank)
    max_nodes = problem.cost.max_splits + 1
    starts = problem.group_start.tolist()
    block = problem.block.tolist()
    line_sku = problem.sku.tolist()
    line_qty = problem.quantity.tolist()
    g_day = problem.group_day.tolist()
    is_pick = (problem.group_method == PICKUP).tolist()
    for g in range(problem.n_groups):
        lo, hi = starts[g], starts[g + 1]
        if block[g]:
            reason[lo:hi] = block[g]
            continue
        day_cap = pick_cap[g_day[g]] if is_pick[g] else cap[g_day[g]]  # a view: taking a shipment updates it
        ok_nodes = allowed[g]
        if hi - lo == 1 and chan is None:
            # one line (half the groups): the best node that holds it, without the multi-node machinery
            s, q = line_sku[lo], line_qty[lo]
            if s < 0:
                reason[lo] = R_SKU
                continue
            cap_ok = day_cap > 0
            cands = ((atp[s] >= q) & ok_nodes & cap_ok).nonzero()[0]
            if len(cands):
                best = ranker.pick(cands, g, (s,))
                node[lo] = best
                atp[s, best] -= q
                day_cap[best] -= 1
            else:
                why = _why(problem, ok_nodes, cap_ok, atp, s, q, g)
                reason[lo] = R_CAP if why == R_SPLITS else why
            continue
        if _blocked(problem, node, reason, g, lo, hi):
            continue
        skus = problem.sku[lo:hi]
        qty = problem.quantity[lo:hi]
        todo = (skus >= 0).nonzero()[0]
        c = int(problem.group_channel[g])
        if chan is not None and len(todo):
            # lines beyond what the channel's ring-fenced allocation still allows (repeated SKUs add up)
            asked: dict[int, int] = {}
            fenced = []
            for i in todo:
                asked[int(skus[i])] = asked.get(int(skus[i]), 0) + int(qty[i])
                # a line no allowed node has the stock for is "no_stock", whatever its allocation
                in_stock = bool((atp[skus[i], ok_nodes] >= qty[i]).any())
                fenced.append(asked[int(skus[i])] > chan[skus[i], c] and in_stock)
            reason[lo + todo[fenced]] = R_FENCE
            todo = todo[~np.asarray(fenced, bool)]
        cap_ok = day_cap > 0
        cand = ok_nodes & cap_ok
        group_skus = skus[todo]
        chosen: list[int] = []
        if single_first:
            need = qty[todo]
            if len(todo) > 1 and len(set(group_skus.tolist())) < len(todo):
                inv = np.unique(group_skus, return_inverse=True)[1]
                need = np.bincount(inv, need)[inv].astype(np.int64)  # lines of one SKU need their sum at a node
            full = ((atp[group_skus] >= need[:, None]) & cand).all(axis=0)
            if full.any():
                best = ranker.pick(full.nonzero()[0], g, group_skus)
                node[lo + todo] = best
                for s, q in zip(group_skus.tolist(), qty[todo].tolist(), strict=True):  # repeated SKUs accumulate
                    atp[s, best] -= q
                    if chan is not None:
                        chan[s, c] -= q
                day_cap[best] -= 1
                continue
        # only groups no single node holds get here: which node holds which line (l, N)
        have = (atp[group_skus] >= qty[todo, None]) & cand
        remaining = np.ones(len(todo), bool)
        while remaining.any() and len(chosen) < max_nodes:
            live = have & remaining[:, None]
            if single_first:
                cover = live.sum(axis=0)
                if cover.max() == 0:
                    break
                best = ranker.pick((cover == cover.max()).nonzero()[0], g, group_skus)  # most lines, then criteria
            else:  # the first remaining line's best node
                first = remaining.nonzero()[0][0]
                if not live[first].any():
                    remaining[first] = False
                    continue
                best = ranker.pick(live[first].nonzero()[0], g, group_skus)
            take = live[:, best]
            # take lines one by one so that two lines of one SKU never overdraw the node together
            for i in take.nonzero()[0]:
                li = lo + todo[i]
                s, q = problem.sku[li], problem.quantity[li]
                if atp[s, best] >= q:
                    atp[s, best] -= q
                    if chan is not None:
                        chan[s, c] -= q
                    node[li] = best
                    remaining[i] = False
            have[:, best] &= False
            for i in remaining.nonzero()[0]:  # stock just taken may leave a later line short elsewhere
                have[i] &= atp[skus[todo[i]]] >= qty[todo[i]]
            chosen.append(int(best))
            day_cap[best] -= 1
        for i in (node[lo + todo] < 0).nonzero()[0]:
            li = lo + todo[i]
            usable = cap_ok.copy()
            usable[chosen] = True
            reason[li] = _why(problem, ok_nodes, usable, atp, problem.sku[li], problem.quantity[li], g)
            if reason[li] == R_SPLITS and len(chosen) < max_nodes:
                reason[li] = R_CAP
    return Assignment(node, reason)


class _Ranker:
    """Ranks candidate nodes by the cost model's criteria (cost includes the late cost under promise dates)."""

    def __init__(self, problem: Problem, atp: np.ndarray, rank: tuple[str, ...]):
        self.problem, self.atp, self.rank = problem, atp, rank
        self.priority = problem.priority().astype(np.float64)
        self.late = problem.cost.promise is not None and problem.delivery is not None

    def pick(self, cands: np.ndarray, g: int, group_skus) -> int:
        """The best of the candidate nodes: the criteria in turn, each keeping the nodes tied at its best."""
        p = self.problem
        for c in self.rank:
            if len(cands) == 1:
                break
            # a later criterion is only computed among the nodes still tied (as np.lexsort would rank them)
            if c == "cost":
                key = p.ship_cost[g, cands] + p.late_cost(g, cands) if self.late else p.ship_cost[g, cands]
            elif c == "distance":
                key = np.nan_to_num(p.distance[g, cands], nan=1e12)
            elif c == "priority":
                key = self.priority[cands]
            else:  # balance: most of the group's stock left first
                key = -self.atp[np.ix_(np.asarray(group_skus), cands)].sum(axis=0).astype(np.float64)
            cands = cands[key == key.min()]
        return int(cands[0])
