"""The figures of a routing run (docs/routing.md): fill, splits, cost, distance, utilisation, per channel and node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.engines.atp import SHIP
from app.engines.routing.model import REASONS, Problem
from app.engines.routing.promise import late_days
from app.engines.routing.validation import assignment_cost, shipments

LATE_LINES_SHOWN = 50


def routing_metrics(problem: Problem, node: np.ndarray, reason: np.ndarray, batches: Sequence[dict[str, Any]],
                    seconds: float) -> dict[str, Any]:
    """The run's figures (docs/routing.md), for the whole problem (lines in problem order)."""
    net = problem.network
    n_nodes = len(net)
    gl = problem.group_of_line
    costs = assignment_cost(problem, node)
    sg, sn = shipments(problem, node)
    per_group = np.bincount(sg, minlength=problem.n_groups)
    groups_served = per_group > 0
    n_groups = problem.n_groups
    orders = len(np.unique(problem.group_order)) if n_groups else 0
    ship_sh = problem.group_method[sg] == SHIP
    dist = problem.distance[sg[ship_sh], sn[ship_sh]]
    store_types = np.isin(net.types, ["store", "dark_store"])
    lines = len(node)
    filled = int((node >= 0).sum())
    load = np.zeros((len(problem.days), n_nodes), np.int64)
    np.add.at(load, (problem.group_day[sg[ship_sh]], sn[ship_sh]), 1)  # pickups have a capacity of their own
    limited = net.capacity > 0
    util = np.divide(load, np.where(limited, net.capacity, 1)[None, :], dtype=np.float64)
    util_limited = util[:, limited]
    at_cap = (load >= net.capacity[None, :]) & limited[None, :] & (load > 0)
    units = np.zeros(n_nodes, np.int64)
    np.add.at(units, node[node >= 0], problem.quantity[node >= 0])
    reasons = np.bincount(reason[node < 0], minlength=len(REASONS))

    def channel_block(rows_g: np.ndarray) -> dict[str, Any]:
        lmask = rows_g[gl]
        smask = rows_g[sg]
        pg = per_group[rows_g]
        served = pg > 0
        return {"lines": int(lmask.sum()), "filled": int((lmask & (node >= 0)).sum()),
                "fill_rate": _rate((lmask & (node >= 0)).sum(), lmask.sum()),
                "groups": int(rows_g.sum()), "shipments": int(smask.sum()),
                "split_rate": _rate((pg > 1).sum(), served.sum()),
                "from_stores": _rate((smask & ship_sh & store_types[sn]).sum(), (smask & ship_sh).sum())}

    total = costs["total"]
    return {
        "lines": lines, "filled": filled, "fill_rate": _rate(filled, lines),
        "orders": orders, "groups": n_groups, "shipments": int(len(sg)),
        "split_groups": int((per_group > 1).sum()), "splits": int(np.maximum(per_group - 1, 0).sum()),
        "split_rate": _rate((per_group > 1).sum(), groups_served.sum()),
        "shipments_per_order": round(float(len(sg) / max(groups_served.sum(), 1)), 4),
        "cost": {k: round(v, 2) for k, v in costs.items()},
        "cost_per_order": round(total / max(n_groups, 1), 4),
        "distance_km": {"mean": round(float(dist.mean()), 2) if len(dist) else None,
                        "p95": round(float(np.percentile(dist, 95)), 2) if len(dist) else None},
        "ship_shipments": int(ship_sh.sum()),
        "from_stores": _rate((ship_sh & store_types[sn]).sum(), ship_sh.sum()),
        "from_dcs": _rate((ship_sh & ~store_types[sn]).sum(), ship_sh.sum()),
        "utilisation": {"mean": round(float(util_limited.mean()), 4) if util_limited.size else None,
                        "max": round(float(util_limited.max()), 4) if util_limited.size else None,
                        "nodes_at_capacity": int(at_cap.any(axis=0).sum()),
                        "node_days_at_capacity": int(at_cap.sum())},
        "unfilled": {REASONS[i]: int(reasons[i]) for i in range(1, len(REASONS)) if reasons[i]},
        "by_channel": {name: channel_block(problem.group_channel == c) for c, name in enumerate(problem.channels)},
        "nodes": [{"id": str(net.ids[n]), "type": str(net.types[n]), "lat": float(net.lat[n]),
                   "lon": float(net.lon[n]), "shipments": int((sn == n).sum()), "units": int(units[n]),
                   "days_at_capacity": int(at_cap[:, n].sum()),
                   "peak_load": int(load[:, n].max()) if len(load) else 0,
                   "capacity": int(net.capacity[n])} for n in range(n_nodes)],
        "seconds": round(seconds, 4),
        "ms_per_order": round(1000 * seconds / max(n_groups, 1), 4),
        "solver": _solver_summary(batches),
        "promise": promise_metrics(problem, node),
    }


def promise_metrics(problem: Problem, node: np.ndarray) -> dict[str, Any] | None:
    """Promise dates (None when off): filled lines on time and late, line-days late and their cost, per channel,
    and the first late lines with their promised and predicted days."""
    settings = problem.cost.promise
    if settings is None or problem.delivery is None or problem.promised is None:
        return None
    gl = problem.group_of_line
    late = late_days(problem.promised, problem.delivery, gl, node)
    filled = node >= 0
    is_late = filled & (late > 0)
    by_channel = {}
    for c, name in enumerate(problem.channels):
        mine = filled & (problem.group_channel[gl] == c)
        by_channel[name] = {"lines": int(mine.sum()), "late": int((mine & is_late).sum()),
                            "on_time_rate": _rate((mine & ~is_late).sum(), mine.sum())}
    shown = []
    for i in np.flatnonzero(is_late)[:LATE_LINES_SHOWN]:
        g, n = int(gl[i]), int(node[i])
        shown.append({"order": str(problem.group_order[g]),
                      "sku": str(problem.skus[problem.sku[i]]) if problem.sku[i] >= 0 else "",
                      "node": str(problem.network.ids[n]), "promised": _iso(problem.promised[i]),
                      "predicted": _iso(problem.delivery[g, n]), "days_late": int(late[i])})
    days = late[is_late]
    return {
        "lines": int(filled.sum()), "on_time": int((filled & ~is_late).sum()), "late": int(is_late.sum()),
        "on_time_rate": _rate((filled & ~is_late).sum(), filled.sum()),
        "late_line_days": int(days.sum()), "late_cost": round(float(days.sum()) * settings.late_cost_per_day, 2),
        "max_days_late": int(days.max()) if len(days) else 0,
        "late_by_days": {"1": int((days == 1).sum()), "2": int((days == 2).sum()), "3+": int((days >= 3).sum())},
        "by_channel": by_channel, "late_lines": shown, "settings": settings.to_document(),
    }


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _solver_summary(batches: Sequence[dict[str, Any]]) -> dict[str, Any]:
    gaps = [b["gap"] for b in batches if b.get("gap") is not None]
    return {"batches": len(batches),
            "optimal_batches": sum(1 for b in batches if b.get("optimal")),
            "fallback_batches": sum(1 for b in batches if b.get("fallback")),
            "max_gap": round(max(gaps), 6) if gaps else None,
            # one batch: its bound is the whole run's lower bound, so the gap is to the global optimum
            "bound": round(batches[0]["bound"], 2) if len(batches) == 1 and batches[0].get("bound") is not None
            else None,
            "max_batch_seconds": round(max((b["seconds"] for b in batches), default=0.0), 4)}


def _rate(part, whole) -> float:
    return round(float(part) / float(whole), 6) if whole else 0.0
