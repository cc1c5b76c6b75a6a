"""Paths through the graph and the multi-source Dijkstra that finds the freshest ones."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import count

from app.graph.model import Hop, Step

# Dijkstra's cost of a path, compared as a tuple: any hop with an unknown worst latency ranks the path
# after every fully known one; then the worst-latency sum, then the typical latency (unknown last, then
# sum), then fewer hops. Sums cover the known hops only; the flags say whether they are the whole story.
Cost = tuple[int, float, int, float, int]
ZERO: Cost = (0, 0.0, 0, 0.0, 0)


def extend(cost: Cost, hop: Hop) -> Cost:
    """The cost of a path after one more hop."""
    w_unknown, worst, t_unknown, typical, hops = cost
    if hop.worst_latency is None:
        w_unknown = 1
    else:
        worst += hop.worst_latency
    if hop.latency is None:
        t_unknown = 1
    else:
        typical += hop.latency
    return (w_unknown, worst, t_unknown, typical, hops + 1)


@dataclass(frozen=True)
class Path:
    """A path from one system to another: the hops in order, with their summed latencies."""

    start: int
    hops: tuple[Hop, ...] = ()

    @property
    def systems(self) -> tuple[int, ...]:
        """System ids along the path, first to last (middleware included)."""
        return (self.start, *(h.target for h in self.hops))

    @property
    def end(self) -> int:
        """The last system."""
        return self.hops[-1].target if self.hops else self.start

    @property
    def hop_count(self) -> int:
        """Hops on the path; middleware counts as a hop."""
        return len(self.hops)

    @property
    def flow_ids(self) -> tuple[int, ...]:
        """Flows used, in order, each once."""
        return tuple(dict.fromkeys(h.flow_id for h in self.hops))

    @property
    def latency(self) -> float | None:
        """Typical latency in seconds summed along the path; None when a hop's is unknown."""
        if any(h.latency is None for h in self.hops):
            return None
        return float(sum(h.latency for h in self.hops))

    @property
    def worst_latency(self) -> float | None:
        """Worst latency in seconds summed along the path; None when a hop's is unknown."""
        if any(h.worst_latency is None for h in self.hops):
            return None
        return float(sum(h.worst_latency for h in self.hops))

    @property
    def cost(self) -> Cost:
        """The Dijkstra cost of this path."""
        cost = ZERO
        for hop in self.hops:
            cost = extend(cost, hop)
        return cost


def _walk_back(via: Mapping[int, Step | None], node: int) -> Path:
    steps: list[Step] = []
    while (step := via[node]) is not None:
        steps.append(step)
        node = step.source
    return Path(node, tuple(h for st in reversed(steps) for h in st.hops))


class ShortestPaths:
    """The best path from any of several sources to every reached system (one Dijkstra run)."""

    def __init__(self, sources: tuple[int, ...], cost: Mapping[int, Cost], via: Mapping[int, Step | None]):
        self.sources = sources
        self.cost = cost
        self._via = via

    def reached(self, system_id: int) -> bool:
        """True when some source reaches the system."""
        return system_id in self.cost

    def path_to(self, system_id: int) -> Path | None:
        """The best path to a system, or None when it is not reached."""
        if system_id not in self.cost:
            return None
        return _walk_back(self._via, system_id)


def dijkstra(adjacency: Mapping[int, list[Step]], sources: Iterable[int]) -> ShortestPaths:
    """Multi-source Dijkstra over steps keyed by the system they leave, ordered by `Cost`."""
    starts = tuple(sorted(set(sources)))
    best: dict[int, Cost] = {s: ZERO for s in starts}
    via: dict[int, Step | None] = dict.fromkeys(starts)
    done: set[int] = set()
    tie = count()  # equal costs pop in insertion order, so results are deterministic
    heap = [(ZERO, next(tie), s) for s in starts]
    while heap:
        cost, _, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for step in adjacency.get(node, ()):
            nxt = step.target
            if nxt in done:
                continue
            new = cost
            for hop in step.hops:
                new = extend(new, hop)
            if nxt not in best or new < best[nxt]:
                best[nxt] = new
                via[nxt] = step
                heapq.heappush(heap, (new, next(tie), nxt))
    return ShortestPaths(starts, best, via)


def fewest_steps(
    adjacency: Mapping[int, list[Step]], sources: Iterable[int], goal: Callable[[int], bool]
) -> Path | None:
    """Breadth-first: the path with the fewest flows from any source to the first system meeting `goal`."""
    starts = sorted(set(sources))
    via: dict[int, Step | None] = dict.fromkeys(starts)
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        if goal(node):
            return _walk_back(via, node)
        for step in adjacency.get(node, ()):
            if step.target not in via:
                via[step.target] = step
                queue.append(step.target)
    return None
