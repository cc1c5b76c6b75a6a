"""The sourcing-sequence heuristic shared by the `rules` and `channel_origin` strategies, and unfilled reasons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engines.atp import SHIP
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
    rank = [c for c in criteria if c != "single_node"]
    priority = problem.priority().astype(np.float64)
    max_nodes = problem.cost.max_splits + 1
    starts = problem.group_start
    for g in range(problem.n_groups):
        lo, hi = int(starts[g]), int(starts[g + 1])
        if _blocked(problem, node, reason, g, lo, hi):
            continue
        day_cap = problem.group_capacity(cap, pick_cap, g)  # a view: taking a shipment updates it
        ok_nodes = allowed[g]
        skus = problem.sku[lo:hi]
        qty = problem.quantity[lo:hi]
        todo = np.flatnonzero(skus >= 0)
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
                if chan is not None:
                    np.subtract.at(chan, (group_skus, c), qty[todo])
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
                    if chan is not None:
                        chan[s, c] -= q
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
