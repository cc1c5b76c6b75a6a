"""The built-in strategy plugins (channel_origin, rules, optimal, guided) and the STRATEGIES registry."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from app.engines.atp import PICKUP, channel_key
from app.engines.routing.greedy import greedy_route
from app.engines.routing.guided import guided_route
from app.engines.routing.milp import solve_milp
from app.engines.routing.model import Assignment, Problem, Strategy


@dataclass(frozen=True)
class RulesStrategy:
    """An ordered sourcing sequence (IBM Sterling / Fluent / HotWax style) over every eligible node."""

    name: str = "rules"
    description: str = ("Pickup → the pickup store; ship → eligible nodes with capacity and stock, ranked by the "
                        "cost model's criteria, within max splits.")

    def route(self, problem: Problem) -> Assignment:
        """The sourcing sequence over every allowed node, ranked by the cost model's criteria."""
        return greedy_route(problem, problem.allowed, problem.cost.criteria)


@dataclass(frozen=True)
class ChannelOriginStrategy:
    """Today's channel-bound routing: each channel ships only from its own source (cost model `origin`)."""

    name: str = "channel_origin"
    description: str = ("Web orders from DCs, store orders from their own store, other channels from a "
                        "configured node; nearest source first.")

    def route(self, problem: Problem) -> Assignment:
        """The sourcing sequence over each channel's own source nodes, single node first, then nearest."""
        return greedy_route(problem, problem.allowed & origin_mask(problem), ("single_node", "distance"))


def origin_mask(problem: Problem) -> np.ndarray:
    """(G, N): the nodes each group's channel may use under channel-origin routing."""
    net = problem.network
    mapping = dict(problem.cost.origin)
    out = np.zeros(problem.allowed.shape, bool)
    stores = np.isin(net.types, ["store", "dark_store"])
    for c, name in enumerate(problem.channels):
        rows = problem.group_channel == c
        source = mapping.get(channel_key(name), problem.cost.origin_default)
        if source == "dc":
            out[rows] = np.isin(net.types, ["dc", "3pl"])
        elif source == "own_store":
            for g in np.flatnonzero(rows):
                if problem.group_node[g] >= 0:
                    out[g, problem.group_node[g]] = True
                else:  # a store-channel ship order with no store on it: the nearest store
                    dist = np.where(stores, np.nan_to_num(problem.distance[g], nan=np.inf), np.inf)
                    if np.isfinite(dist).any():
                        out[g, int(np.argmin(dist))] = True
        else:
            out[rows] = net.ids == source
    pickup = problem.group_method == PICKUP
    out[pickup] = problem.allowed[pickup]  # pickup is always the pickup store
    return out


@dataclass(frozen=True)
class GuidedStrategy:
    """The LP-guided heuristic (guided.py): the whole run's LP relaxation, its integral part kept, the rest repaired."""

    name: str = "guided"
    description: str = ("Near-optimal and fast: the LP relaxation of the whole run (HiGHS) decides, the few "
                        "fractional orders are solved exactly; never worse than rules.")

    def route(self, problem: Problem) -> Assignment:
        """The LP-guided assignment (`guided_route`)."""
        return guided_route(problem)


@dataclass(frozen=True)
class OptimalStrategy:
    """The MILP minimising shipping + handling + split + unfilled cost (HiGHS), warm-started from `guided`."""

    name: str = "optimal"
    description: str = ("Cost-optimal assignment of the whole run (MILP, HiGHS; in batches beyond the cost "
                        "model's horizon_groups) under ATP, capacity, eligibility and max splits, warm-started "
                        "from guided; stopped by the time limit it keeps the best found and reports its gap.")

    def route(self, problem: Problem) -> Assignment:
        """The cost-optimal assignment (`solve_milp`), warm-started from `guided_route` within one time limit."""
        started = time.perf_counter()
        limit = problem.cost.time_limit_s
        start = guided_route(problem, time_limit=limit / 2)
        spent = time.perf_counter() - started
        a = solve_milp(problem, start=start.node, time_limit=max(limit - spent, 0.0))
        a.info.update(warm_start="guided", warm_start_seconds=round(spent, 3), seconds=time.perf_counter() - started)
        return a


STRATEGIES: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    """Add a strategy plugin (a consultant's own routing) under its name."""
    STRATEGIES[strategy.name] = strategy
    return strategy


for _s in (ChannelOriginStrategy(), RulesStrategy(), OptimalStrategy(), GuidedStrategy()):
    register(_s)
