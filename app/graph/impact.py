"""Impact analysis: what is upstream and downstream of a system or a flow, by entity, to a chosen depth."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.graph.model import ScenarioGraph, Step

UPSTREAM = "upstream"
DOWNSTREAM = "downstream"


@dataclass(frozen=True)
class ImpactedSystem:
    """A system reached from the origin: how far (in hops, middleware counts), by which entities and flows."""

    system_id: int
    direction: str
    distance: int
    entities: tuple[int, ...]
    flows: tuple[int, ...]
    relay_only: bool = False  # reached only as middleware: it relays the data without holding it


@dataclass(frozen=True)
class Impact:
    """Everything a change to the origin touches; lists are sorted by distance then id."""

    origin_kind: str  # "system" or "flow"
    origin_id: int
    depth: int | None
    entity_ids: tuple[int, ...]  # the entities followed
    upstream: tuple[ImpactedSystem, ...]
    downstream: tuple[ImpactedSystem, ...]
    flows: tuple[int, ...]
    channels: tuple[int, ...]
    requirements: tuple[int, ...]
    decisions: tuple[int, ...]

    def by_entity(self, direction: str = DOWNSTREAM) -> dict[int, tuple[int, ...]]:
        """System ids reached per entity in one direction."""
        out: dict[int, list[int]] = defaultdict(list)
        for item in self.upstream if direction == UPSTREAM else self.downstream:
            for entity in item.entities:
                out[entity].append(item.system_id)
        return {e: tuple(s) for e, s in out.items()}


def system_impact(
    graph: ScenarioGraph, system_id: int, *, depth: int | None = None, entity_ids: Iterable[int] | None = None
) -> Impact:
    """Upstream and downstream of a system (as an endpoint, and as middleware of other flows)."""
    entities = _entities(graph, entity_ids)
    down: list[tuple[int, int, Step | None, int]] = []  # (entity, system, step, distance) seeds
    up: list[tuple[int, int, Step | None, int]] = []
    for entity in entities:
        down.append((entity, system_id, None, 0))
        up.append((entity, system_id, None, 0))
    # As middleware the system relays other flows: their targets are one hop downstream, their sources upstream.
    for step in _relayed_by(graph).get(system_id, ()):
        for entity in step.hops[0].entity_ids & set(entities):
            down.append((entity, step.target, step, 1))
            up.append((entity, step.source, step, 1))
    return _impact(graph, "system", system_id, depth, entities, down, up, origin_systems={system_id})


def flow_impact(
    graph: ScenarioGraph, flow_id: int, *, depth: int | None = None, entity_ids: Iterable[int] | None = None
) -> Impact:
    """Upstream of a flow's source and downstream of its target (both ends for a two-way flow)."""
    flow = graph.snapshot.flow_by_id[flow_id]
    chosen = set(_entities(graph, entity_ids)) & flow.entity_ids
    entities = tuple(sorted(chosen))
    steps = [s for s in graph.steps if s.flow_id == flow_id]
    down = [(e, s.target, s, 1) for s in steps for e in entities]
    up = [(e, s.source, s, 1) for s in steps for e in entities]
    return _impact(graph, "flow", flow_id, depth, entities, down, up, origin_flows={flow_id})


def _entities(graph: ScenarioGraph, entity_ids: Iterable[int] | None) -> tuple[int, ...]:
    known = [e.id for e in graph.snapshot.entities]
    if entity_ids is None:
        return tuple(known)
    wanted = set(entity_ids)
    return tuple(e for e in known if e in wanted)


def _relayed_by(graph: ScenarioGraph) -> Mapping[int, tuple[Step, ...]]:
    def build() -> Mapping[int, tuple[Step, ...]]:
        found: dict[int, list[Step]] = defaultdict(list)
        for step in graph.steps:
            if step.via is not None:
                found[step.via].append(step)
        return {m: tuple(s) for m, s in found.items()}

    return graph.memo("relayed_by", build)


def _impact(graph, kind, origin, depth, entities, down_seeds, up_seeds, origin_systems=(), origin_flows=()) -> Impact:
    downstream, down_flows = _walk(graph, down_seeds, depth, backwards=False, skip=set(origin_systems))
    upstream, up_flows = _walk(graph, up_seeds, depth, backwards=True, skip=set(origin_systems))
    snap = graph.snapshot
    flows = set(origin_flows) | down_flows | up_flows
    if kind == "system":
        wanted = set(entities)
        flows |= {f.id for f in graph.flows if origin in (f.source, f.target, f.via) and f.entity_ids & wanted}
    touched_systems = set(origin_systems) | {i.system_id for i in downstream} | {i.system_id for i in upstream}
    channel_systems = set(origin_systems) | {i.system_id for i in downstream if not i.relay_only}
    if kind == "flow":
        flow = snap.flow_by_id[origin]
        channel_systems |= {flow.target} | ({flow.source} if flow.two_way else set())
    channels = sorted(
        {c for s in channel_systems if s in snap.system_by_id for c in snap.system_by_id[s].channel_ids}
    )
    hit = touched_systems | flows
    decisions = {
        link.source for link in snap.links
        if link.kind == "affects" and link.target in hit and link.source in snap.decision_by_id
    }
    requirements = {
        link.source for link in snap.links
        if link.source in snap.requirement_by_id
        and (
            (link.kind == "satisfied_by" and link.target in hit)
            or (link.kind == "addresses" and link.target in decisions)
        )
    }
    return Impact(
        kind, origin, depth, tuple(entities), upstream, downstream, tuple(sorted(flows)), tuple(channels),
        tuple(sorted(requirements)), tuple(sorted(decisions)),
    )


def _walk(graph, seeds, depth, *, backwards: bool, skip: set[int]):
    """Per entity, the fewest hops from the seeds to every system (steps weigh 1 or 2 hops, so a bucket
    queue per distance does Dijkstra's job without a heap); returns the reached systems and the flows used."""
    reached: dict[int, list] = {}  # system -> [distance, entities, flows]
    relays: dict[int, list] = {}  # middleware passed on the way -> [distance, entities, flows]
    used: set[int] = set()
    by_entity: dict[int, list] = defaultdict(list)
    for entity, system, step, dist in seeds:
        if depth is None or dist <= depth:
            by_entity[entity].append((system, step, dist))
    for entity, entity_seeds in by_entity.items():
        adjacency = graph.in_steps(entity) if backwards else graph.out_steps(entity)
        best: dict[int, int] = {}
        came_by: dict[int, set[int]] = defaultdict(set)
        buckets: list[list[int]] = [[]]
        for system, step, dist in entity_seeds:
            if step is not None:
                came_by[system].add(step.flow_id)
                if step.via is not None and system != step.via:
                    _note(relays, step.via, 1, entity, step.flow_id)
            if system not in best or dist < best[system]:
                best[system] = dist
                while len(buckets) <= dist:
                    buckets.append([])
                buckets[dist].append(system)
        level = 0
        while level < len(buckets):
            for node in buckets[level]:
                if best[node] != level:
                    continue  # reached sooner by another route
                for step in adjacency.get(node, ()):
                    nxt = step.source if backwards else step.target
                    new = level + len(step.hops)
                    if step.via is not None and (depth is None or level + 1 <= depth):
                        _note(relays, step.via, level + 1, entity, step.flow_id)
                        used.add(step.flow_id)
                    if depth is not None and new > depth:
                        continue
                    used.add(step.flow_id)
                    if nxt not in best or new < best[nxt]:
                        best[nxt] = new
                        came_by[nxt] = {step.flow_id}
                        while len(buckets) <= new:
                            buckets.append([])
                        buckets[new].append(nxt)
                    elif new == best[nxt]:
                        came_by[nxt].add(step.flow_id)
            level += 1
        for system, dist in best.items():
            if system not in skip:
                _note(reached, system, dist, entity, *came_by[system])
    direction = UPSTREAM if backwards else DOWNSTREAM
    items = [
        ImpactedSystem(s, direction, d, tuple(sorted(e)), tuple(sorted(f)), relay_only=s not in reached)
        for s, (d, e, f) in [*reached.items(), *((m, r) for m, r in relays.items() if m not in reached)]
        if s not in skip
    ]
    items.sort(key=lambda i: (i.distance, i.system_id))
    return tuple(items), used


def _note(table: dict[int, list], system: int, dist: int, entity: int, *flows: int) -> None:
    entry = table.get(system)
    if entry is None:
        table[system] = [dist, {entity}, set(flows)]
        return
    entry[0] = min(entry[0], dist)
    entry[1].add(entity)
    entry[2].update(flows)
