"""Critical paths: the routes a scenario cannot lose, which the retiring-system, single-point-of-failure and
freshness rules follow.

Two families:

- **Entity paths** (one per time-critical entity with a system of record): from the systems of record along
  the flows carrying the entity to the systems serving customer-facing channels (stock and price going out).
- **Capture paths** (order, return, payment): from the systems serving customer-facing channels along the
  flows carrying the order (return, payment) to the system of record of that entity and on to the systems
  that fulfil it: an order goes web shop → OMS → ERP/WMS, whichever way the systems of record point.

A system is on a path when a start reaches it and it reaches an end, both along flows carrying the path's
entity; middleware is on it when a flow it relays joins two systems of the path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from app.graph.model import ScenarioGraph, reachable
from app.graph.names import entity_named


@dataclass(frozen=True)
class CaptureKind:
    """A capture path: the entity it follows (by name) and the system categories that end it."""

    kind: str
    entity: str
    label: str
    ends: frozenset[str]  # system category codes (models/vocab.py) where the entity is fulfilled or settled
    sinks: frozenset[str]  # the final ends of those: every route to them is what a single point would cut


# The systems of record of each entity end its path too; fulfilment (ERP, WMS, 3PL) is where an order or a
# return is finally handled, a payment provider or the ERP's ledger where a payment is.
CAPTURE_KINDS = (
    CaptureKind("order", "order", "order capture path", frozenset({"oms", "erp", "wms", "3pl"}),
                frozenset({"erp", "wms", "3pl"})),
    CaptureKind("return", "return", "return path", frozenset({"oms", "erp", "wms", "3pl"}),
                frozenset({"erp", "wms", "3pl"})),
    CaptureKind("payment", "payment", "payment path", frozenset({"payment", "erp"}), frozenset({"payment", "erp"})),
)


@dataclass(frozen=True)
class CriticalPath:
    """One critical path: where it starts and ends, and every system and middleware on the way."""

    kind: str  # "entity" or a CaptureKind.kind
    entity_id: int
    label: str
    starts: frozenset[int]
    ends: frozenset[int]  # the ends actually reached from a start
    sinks: frozenset[int]  # the ends a single point of failure is judged against (see `single_points`)
    systems: frozenset[int]  # systems on the path, starts and ends included
    relays: frozenset[int]  # middleware of flows on the path

    def carries(self, system_id: int) -> bool:
        """True when the system is on the path or relays a flow of it."""
        return system_id in self.systems or system_id in self.relays

    def channels(self, graph: ScenarioGraph) -> tuple[int, ...]:
        """Customer-facing channels served by the systems at the customer end of the path (cached per graph)."""

        def build() -> tuple[int, ...]:
            customer_end = (self.ends if self.kind == "entity" else self.starts) & self.systems
            facing = _facing(graph)
            return tuple(sorted({c for s in customer_end for c in graph.snapshot.system_by_id[s].channel_ids
                                 if c in facing}))

        return graph.memo(("path_channels", self.kind, self.entity_id), build)

    def channels_into(self, graph: ScenarioGraph, system_id: int) -> tuple[int, ...]:
        """The channels whose systems at the start of this capture path send its entity on to the system."""

        def build() -> dict[int, set[int]]:
            # One forward search per channel (a handful), not one backward search per system asked about.
            found: dict[int, set[int]] = {}
            for channel in self.channels(graph):
                serving = {s for s in self.starts if channel in graph.snapshot.system_by_id[s].channel_ids}
                for system in reachable(graph, self.entity_id, serving) & self.systems:
                    found.setdefault(system, set()).add(channel)
            return found

        return tuple(sorted(graph.memo(("channels_into", self.kind, self.entity_id), build).get(system_id, ())))


def _facing(graph: ScenarioGraph) -> frozenset[int]:
    return graph.memo("facing_channels", lambda: frozenset(c.id for c in graph.snapshot.channels
                                                            if c.customer_facing))


def critical_paths(graph: ScenarioGraph) -> tuple[CriticalPath, ...]:
    """Every critical path of the scenario with at least one start and one end reached (cached per graph)."""
    return graph.memo("critical_paths", lambda: tuple(_entity_paths(graph)) + tuple(_capture_paths(graph)))


def _entity_paths(graph: ScenarioGraph) -> Iterable[CriticalPath]:
    for entity in graph.snapshot.entities:
        sors = graph.sors(entity.id)
        if not entity.time_critical or not sors:
            continue
        starts = frozenset(sors)
        path = _between(graph, "entity", entity.id, f"{entity.name} from its system of record to the channels",
                        starts, frozenset(graph.customer_facing_systems), lambda reached, s=starts: reached - s)
        if path is not None:
            yield path


def _capture_paths(graph: ScenarioGraph) -> Iterable[CriticalPath]:
    snap = graph.snapshot
    for kind in CAPTURE_KINDS:
        entity_id = entity_named(snap, kind.entity)
        if entity_id is None:
            continue
        sors = frozenset(graph.sors(entity_id))
        ends = sors | {s.id for s in snap.systems if s.category in kind.ends}
        final = {s.id for s in snap.systems if s.category in kind.sinks}

        def sinks(reached: frozenset[int], final=final, sors=sors) -> frozenset[int]:
            # Judge a single point against fulfilment; with no fulfilment reached, against the system of record.
            return (reached & final) or (reached & sors) or reached

        path = _between(graph, kind.kind, entity_id, kind.label, graph.customer_facing_systems - ends, ends, sinks)
        if path is not None:
            yield path


def _between(graph, kind, entity_id, label, starts, ends, sinks) -> CriticalPath | None:
    down = reachable(graph, entity_id, starts)
    reached = frozenset(ends & down)
    if not starts or not reached:
        return None
    systems = down & reachable(graph, entity_id, reached, backwards=True)
    relays = frozenset(
        step.via for steps in graph.out_steps(entity_id).values() for step in steps
        if step.via is not None and step.source in systems and step.target in systems
    )
    return CriticalPath(kind, entity_id, label, frozenset(starts & systems), reached,
                        frozenset(sinks(reached)), frozenset(systems), relays)


def single_points(graph: ScenarioGraph, path: CriticalPath) -> frozenset[int]:
    """Systems other than its starts and sinks that every route of the path passes through.

    Routes here go hop by hop, middleware being a node like any other; that admits a few routes that switch
    flows inside middleware, so it can only miss a single point, never invent one.
    """

    def build() -> frozenset[int]:
        # Only systems of the path (and its middleware) lie on a route from a start to a sink. A system on
        # every route lies on any one route, so only the systems of one shortest route are candidates, each
        # tested by a search that avoids it: a few linear searches, cheaper than a dominator tree.
        keep = path.systems | path.relays
        adjacency: dict[int, set[int]] = {}
        for steps in graph.out_steps(path.entity_id).values():
            for step in steps:
                for h in step.hops:
                    if h.source in keep and h.target in keep:
                        adjacency.setdefault(h.source, set()).add(h.target)
        route = _route(adjacency, path.starts, path.sinks)
        candidates = [s for s in route if s not in path.starts and s not in path.sinks]
        return frozenset(s for s in candidates if not _route(adjacency, path.starts, path.sinks, avoid=s))

    return graph.memo(("single_points", path.kind, path.entity_id), build)


def _route(adjacency: dict[int, set[int]], starts: frozenset[int], goals: frozenset[int],
           avoid: int | None = None) -> list[int]:
    """The systems of one shortest route from a start to a goal that does not pass `avoid`; [] when none."""
    parent: dict[int, int | None] = {s: None for s in sorted(starts) if s != avoid}
    queue = deque(parent)
    while queue:
        node = queue.popleft()
        if node in goals:
            route = []
            while node is not None:
                route.append(node)
                node = parent[node]
            return route[::-1]
        for nxt in adjacency.get(node, ()):
            if nxt not in parent and nxt != avoid:
                parent[nxt] = node
                queue.append(nxt)
    return []
