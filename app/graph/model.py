"""The scenario as a graph: systems are nodes, each leg of a flow is an edge carrying its entities.

A flow from S via middleware M to T becomes two hops, S→M and M→T: middleware counts as a hop. The first
leg carries the flow's whole typical and worst latency and the second leg 0 s, because a flow's latency is
measured end to end and the middleware's share is rarely known; sums along a path stay right either way.
A two-way flow also gives the mirrored hops (T→M→S). A flow whose source or target is not in the scenario
is left out (see `ScenarioGraph.dangling_flows`); a middleware outside the scenario is skipped.

Path analyses walk *steps*, one per flow and direction (S→M→T as a unit): data that enters middleware on
one flow leaves on that flow, never on another flow that happens to pass the same middleware. Topology
(hubs, cut vertices) and the networkx view use the hops, where middleware is a node like any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx

from app.graph.snapshot import SOR, Flow, ScenarioSnapshot


@dataclass(frozen=True)
class Hop:
    """One edge of the graph: a leg of a flow from one system to the next."""

    source: int
    target: int
    flow_id: int
    pattern: str
    latency: float | None
    worst_latency: float | None
    entity_ids: frozenset[int]
    leg: int = 0  # 0: the first (or only) leg, 1: from the middleware on to the target
    reverse: bool = False  # the return direction of a two-way flow


@dataclass(frozen=True)
class Step:
    """A flow in one direction as a unit of a path: its one hop, or its two hops through middleware.

    Ends and middleware are stored, not derived: path searches read them millions of times on large models.
    """

    hops: tuple[Hop, ...]
    source: int
    target: int
    via: int | None
    flow_id: int

    @classmethod
    def of(cls, hops: tuple[Hop, ...]) -> Step:
        """The step made of these consecutive hops of one flow."""
        return cls(hops, hops[0].source, hops[-1].target, hops[0].target if len(hops) > 1 else None, hops[0].flow_id)


def flow_steps(flow: Flow, known: Mapping[int, object] | None = None) -> list[Step]:
    """The steps a flow contributes: one, or two for a two-way flow (see the module docstring)."""
    via = flow.via if flow.via is not None and (known is None or flow.via in known) else None
    out: list[Step] = []
    ends = [(flow.source, flow.target, False)]
    if flow.two_way:
        ends.append((flow.target, flow.source, True))
    for start, end, reverse in ends:
        stops = [start, end] if via is None else [start, via, end]
        hops = []
        for leg, (a, b) in enumerate(zip(stops, stops[1:], strict=False)):
            typical, worst = flow.latency, flow.worst_latency
            if leg:  # the whole latency sits on the first leg
                typical = None if typical is None else 0.0
                worst = None if worst is None else 0.0
            hops.append(Hop(a, b, flow.id, flow.pattern, typical, worst, flow.entity_ids, leg, reverse))
        out.append(Step.of(tuple(hops)))
    return out


class ScenarioGraph:
    """A scenario's systems and flows with the indexes every analysis shares, built once."""

    def __init__(self, snapshot: ScenarioSnapshot):
        self.snapshot = snapshot
        systems = snapshot.system_by_id
        self.flows: tuple[Flow, ...] = tuple(f for f in snapshot.flows if f.source in systems and f.target in systems)
        self.dangling_flows: tuple[int, ...] = tuple(
            f.id for f in snapshot.flows if f.source not in systems or f.target not in systems
        )
        self.steps: tuple[Step, ...] = tuple(st for f in self.flows for st in flow_steps(f, systems))
        self.hops: tuple[Hop, ...] = tuple(h for st in self.steps for h in st.hops)
        out: dict[int, dict[int, list[Step]]] = defaultdict(lambda: defaultdict(list))
        into: dict[int, dict[int, list[Step]]] = defaultdict(lambda: defaultdict(list))
        for step in self.steps:
            for entity in step.hops[0].entity_ids:
                out[entity][step.source].append(step)
                into[entity][step.target].append(step)
        # Plain dicts from here on: a lookup of a missing key must not grow the index.
        self._out = {e: dict(by_node) for e, by_node in out.items()}
        self._in = {e: dict(by_node) for e, by_node in into.items()}
        roles: dict[tuple[int, int], set[str]] = defaultdict(set)
        for o in snapshot.ownerships:
            if o.system in systems:
                roles[(o.system, o.entity)].add(o.role)
        self._roles = {k: frozenset(v) for k, v in roles.items()}
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Compute once per graph: analyses share derived results (one Dijkstra per entity, say)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # --- per-entity views -------------------------------------------------------------------------

    def out_steps(self, entity_id: int) -> Mapping[int, list[Step]]:
        """Steps carrying the entity, keyed by the system they leave."""
        return self._out.get(entity_id, {})

    def in_steps(self, entity_id: int) -> Mapping[int, list[Step]]:
        """Steps carrying the entity, keyed by the system they reach."""
        return self._in.get(entity_id, {})

    def roles(self, system_id: int, entity_id: int) -> frozenset[str]:
        """The ownership roles a system has for an entity."""
        return self._roles.get((system_id, entity_id), frozenset())

    @cached_property
    def _sors(self) -> Mapping[int, tuple[int, ...]]:
        found: dict[int, list[int]] = defaultdict(list)
        for (system, entity), roles in self._roles.items():
            if SOR in roles:
                found[entity].append(system)
        return {e: tuple(sorted(s)) for e, s in found.items()}

    def sors(self, entity_id: int) -> tuple[int, ...]:
        """The entity's systems of record in this scenario, by id."""
        return self._sors.get(entity_id, ())

    @cached_property
    def _holders(self) -> Mapping[int, frozenset[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        for system, entity in self._roles:
            found[entity].add(system)
        for flow in self.flows:
            for entity in flow.entity_ids:
                found[entity].update((flow.source, flow.target))
        return {e: frozenset(s) for e, s in found.items()}

    def holders(self, entity_id: int) -> frozenset[int]:
        """Systems that hold the entity: any ownership role, or the source or target of a flow carrying it."""
        return self._holders.get(entity_id, frozenset())

    @cached_property
    def entities_in_use(self) -> frozenset[int]:
        """Entities some flow carries or some ownership names in this scenario."""
        return frozenset(e for e in self._holders if e in self.snapshot.entity_by_id)

    # --- systems and channels ---------------------------------------------------------------------

    @cached_property
    def _channel_systems(self) -> Mapping[int, tuple[int, ...]]:
        found: dict[int, list[int]] = defaultdict(list)
        for system in self.snapshot.systems:
            for channel in system.channel_ids:
                found[channel].append(system.id)
        return {c: tuple(sorted(s)) for c, s in found.items()}

    def channel_systems(self, channel_id: int) -> tuple[int, ...]:
        """Systems of the scenario that serve the channel."""
        return self._channel_systems.get(channel_id, ())

    @cached_property
    def customer_facing_systems(self) -> frozenset[int]:
        """Systems serving at least one customer-facing channel."""
        facing = {c.id for c in self.snapshot.channels if c.customer_facing}
        return frozenset(s.id for s in self.snapshot.systems if s.channel_ids & facing)

    @cached_property
    def flows_by_system(self) -> Mapping[int, tuple[int, ...]]:
        """Flow ids touching each system as source, target or middleware."""
        found: dict[int, set[int]] = defaultdict(set)
        for flow in self.flows:
            for end in (flow.source, flow.target, flow.via):
                if end is not None:
                    found[end].add(flow.id)
        return {s: tuple(sorted(f)) for s, f in found.items()}

    @cached_property
    def neighbours(self) -> Mapping[int, frozenset[int]]:
        """Systems each system exchanges data with directly (one hop, either direction)."""
        found: dict[int, set[int]] = defaultdict(set)
        for hop in self.hops:
            found[hop.source].add(hop.target)
            found[hop.target].add(hop.source)
        return {s: frozenset(n) for s, n in found.items()}

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx view for renderers and topology: node and edge attributes as documented above."""
        g = nx.MultiDiGraph(scenario_id=self.snapshot.scenario_id, scenario=self.snapshot.scenario_name)
        roles_of: dict[int, dict[int, frozenset[str]]] = defaultdict(dict)
        for (system, entity), roles in self._roles.items():
            roles_of[system][entity] = roles
        for s in self.snapshot.systems:
            g.add_node(
                s.id,
                name=s.name,
                category=s.category,
                lifecycle=s.lifecycle,
                has_owner=s.has_owner,
                channels=s.channel_ids,
                roles=roles_of.get(s.id, {}),
            )
        for h in self.hops:
            g.add_edge(
                h.source,
                h.target,
                key=(h.flow_id, h.leg, h.reverse),
                flow=h.flow_id,
                entities=h.entity_ids,
                pattern=h.pattern,
                latency=h.latency,
                worst_latency=h.worst_latency,
                leg=h.leg,
                reverse=h.reverse,
            )
        return g

    @cached_property
    def undirected(self) -> nx.Graph:
        """Simple undirected graph of direct exchanges, for articulation points and betweenness."""
        g = nx.Graph()
        g.add_nodes_from(s.id for s in self.snapshot.systems)
        g.add_edges_from((h.source, h.target) for h in self.hops)
        return g


def build_graph(snapshot: ScenarioSnapshot) -> ScenarioGraph:
    """Build the scenario graph and its indexes from a snapshot."""
    return ScenarioGraph(snapshot)


def reachable(
    graph: ScenarioGraph, entity_id: int, starts: Iterable[int], *, backwards: bool = False
) -> frozenset[int]:
    """Systems reachable from `starts` (included) along steps carrying the entity; `backwards` goes upstream.

    Middleware passed on the way is not included: it relays the data but does not hold it.
    """
    adjacency = graph.in_steps(entity_id) if backwards else graph.out_steps(entity_id)
    seen = set(starts)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for step in adjacency.get(node, ()):
            nxt = step.source if backwards else step.target
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return frozenset(seen)
