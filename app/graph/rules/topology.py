"""Rules about the shape of the landscape: orphans, single points of failure, point-to-point sprawl."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

from app.graph.critical import CriticalPath, critical_paths, single_points
from app.graph.model import ScenarioGraph
from app.graph.rules.base import Finding, finding, names, rule
from app.graph.topology import EXACT_BETWEENNESS_LIMIT, betweenness, cut_off_by, integration_stats

# A cut vertex is reported when its failure isolates at least this many systems (one leaf system hanging
# off its only partner is common and usually intended).
SPOF_MIN_CUT_OFF = 2
# A hub is reported when this many systems exchange data with it directly and it lies on at least this
# share of the shortest routes between other systems (normalised betweenness). On landscapes too large
# for exact betweenness, a hub is a system with this many times the median number of direct partners.
HUB_MIN_NEIGHBOURS = 5
HUB_MIN_BETWEENNESS = 0.25
HUB_DEGREE_FACTOR = 3
# Sprawl: integrations beyond this multiple of the hub-and-spoke baseline, once there are this many.
SPRAWL_MIN_RATIO = 1.5
SPRAWL_MIN_INTEGRATIONS = 10


@rule(
    "system.orphan",
    "medium",
    "Orphan system",
    "A system of the scenario has no flow in or out and is nobody's middleware.",
)
def orphan(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per system that no flow touches."""
    for system in graph.snapshot.systems:
        if system.id in graph.flows_by_system:
            continue
        yield finding(
            "system.orphan",
            f"system={system.id}",
            f"{system.name} exchanges no data",
            f"No flow in this scenario starts at, ends at or passes through {system.name}.",
            f"Record {system.name}'s integrations, or take it out of this scenario if it is not part of it.",
            systems=[system.id],
        )


@rule(
    "system.spof",
    "high",
    "Single point of failure",
    f"A system whose outage cuts {SPOF_MIN_CUT_OFF} or more systems off from the rest of the landscape "
    f"(articulation point), or a hub with at least {HUB_MIN_NEIGHBOURS} direct partners that lies on "
    f"{HUB_MIN_BETWEENNESS:.0%} or more of the shortest routes between other systems (betweenness; past "
    f"{EXACT_BETWEENNESS_LIMIT} systems: {HUB_DEGREE_FACTOR}× the median number of partners), or a system "
    "every route of a critical path passes through (every order from the channels to fulfilment, say).",
)
def spof(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per cut vertex that isolates enough systems, per hub, or per single point of a critical path."""
    cut = {s: c for s, c in cut_off_by(graph.undirected).items() if len(c) >= SPOF_MIN_CUT_OFF}
    on_paths: dict[int, list[CriticalPath]] = {}
    for path in critical_paths(graph):
        for system in single_points(graph, path):
            on_paths.setdefault(system, []).append(path)
    central = betweenness(graph)
    degree = {s: len(n) for s, n in graph.neighbours.items()}
    if central is not None:
        hubs = {s for s, score in central.items() if score >= HUB_MIN_BETWEENNESS and degree[s] >= HUB_MIN_NEIGHBOURS}
    else:
        floor = max(HUB_MIN_NEIGHBOURS, HUB_DEGREE_FACTOR * statistics.median(degree.values()))
        hubs = {s for s, d in degree.items() if d >= floor}
    for system in graph.snapshot.systems:
        paths = on_paths.get(system.id, [])
        if system.id not in cut and system.id not in hubs and not paths:
            continue
        partners = sorted(graph.neighbours.get(system.id, ()))
        isolated = sorted(cut.get(system.id, ()))
        reasons = []
        if isolated:
            reasons.append(f"without it {names(graph, isolated)} lose every connection to the rest")
        if system.id in hubs and central is not None:
            reasons.append(f"it sits on {central[system.id]:.0%} of the shortest routes between other systems")
        elif system.id in hubs:
            reasons.append(f"it has {HUB_DEGREE_FACTOR}× or more the usual number of direct partners")
        if paths:
            labels = ", ".join(dict.fromkeys(p.label for p in paths))
            reasons.append(f"every route of the {labels} passes through it")
        yield finding(
            "system.spof",
            f"system={system.id}",
            f"{system.name} is a single point of failure",
            f"{len(partners)} system(s) exchange data directly with {system.name}; " + "; ".join(reasons) + ".",
            f"Make {system.name} highly available with a tested fail-over, or give the dependent systems a "
            "second route (queueing, a direct feed for the critical entities).",
            systems=[system.id, *isolated],
            entities=sorted({p.entity_id for p in paths}),
            metrics={
                "dependants": len(partners),
                "cut_off": len(isolated),
                "critical_paths": len(paths),
                **({"betweenness": round(central.get(system.id, 0.0), 4)} if central is not None else {}),
            },
        )


@rule(
    "integration.sprawl",
    "medium",
    "Point-to-point sprawl",
    f"The scenario maintains more than {SPRAWL_MIN_RATIO:g}× the integrations a hub-and-spoke design of the "
    f"same systems would need (and at least {SPRAWL_MIN_INTEGRATIONS}).",
)
def sprawl(graph: ScenarioGraph) -> Iterator[Finding]:
    """At most one finding for the scenario: its integration count against a hub-and-spoke baseline."""
    stats = integration_stats(graph)
    if stats.integrations < SPRAWL_MIN_INTEGRATIONS or stats.ratio <= SPRAWL_MIN_RATIO:
        return
    yield finding(
        "integration.sprawl",
        "scenario",
        f"{stats.integrations} integrations where hub-and-spoke needs {stats.baseline}",
        f"{stats.connected_systems} connected systems keep {stats.integrations} direct integrations "
        f"({stats.point_to_point} of them point-to-point without middleware): {stats.ratio:.1f}× a hub-and-spoke "
        f"baseline of {stats.baseline}, density {stats.density:.1%}. Every extra interface is code to run, "
        "monitor and change when a system is replaced.",
        "Route integrations through an integration layer (iPaaS, event bus) or consolidate duplicate feeds of "
        "the same entity.",
        metrics={
            "integrations": stats.integrations,
            "point_to_point": stats.point_to_point,
            "baseline": stats.baseline,
            "ratio": round(stats.ratio, 3),
            "density": round(stats.density, 4),
        },
    )
