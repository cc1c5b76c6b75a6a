"""Shape of the landscape: integration counts against a hub-and-spoke baseline, cut vertices, hubs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from app.graph.model import ScenarioGraph

# Exact betweenness is O(V·E): about 140 ms at this many connected systems. Larger landscapes use the
# degree test in `hubs` instead; a sampled estimate would be cheaper but could flip a finding between
# two scenarios that differ elsewhere, which comparisons must not show.
EXACT_BETWEENNESS_LIMIT = 150


@dataclass(frozen=True)
class IntegrationStats:
    """How many integrations a scenario maintains, against the star a hub-and-spoke design would need."""

    connected_systems: int  # systems with at least one flow
    integrations: int  # distinct pairs of systems exchanging data directly (a middleware leg counts)
    point_to_point: int  # distinct pairs joined by flows with no middleware
    flows: int

    @property
    def baseline(self) -> int:
        """Integrations of a hub-and-spoke design: one spoke per system besides the hub."""
        return max(self.connected_systems - 1, 0)

    @property
    def ratio(self) -> float:
        """Integrations per hub-and-spoke integration (0 when there is nothing to compare)."""
        return self.integrations / self.baseline if self.baseline else 0.0

    @property
    def density(self) -> float:
        """Share of all possible system pairs that are integrated directly."""
        n = self.connected_systems
        return self.integrations / (n * (n - 1) / 2) if n > 1 else 0.0


def integration_stats(graph: ScenarioGraph) -> IntegrationStats:
    """Count the scenario's integrations (see IntegrationStats)."""
    pairs = {frozenset((h.source, h.target)) for h in graph.hops}
    direct = {frozenset((f.source, f.target)) for f in graph.flows if f.via is None or f.via not in
              graph.snapshot.system_by_id}
    return IntegrationStats(len(graph.neighbours), len(pairs), len(direct), len(graph.flows))


def cut_off_by(g: nx.Graph) -> Mapping[int, frozenset[int]]:
    """For each cut vertex, the systems that lose touch with the rest of their component without it.

    "The rest" is the largest piece left; the others are cut off. One iterative depth-first search with
    low-points and subtree sizes (Tarjan), so it stays linear on large landscapes.
    """
    order: list[int] = []  # DFS preorder: a subtree is a contiguous slice of it
    disc: dict[int, int] = {}
    low: dict[int, int] = {}
    size: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    hanging: dict[int, list[int]] = {}  # vertex -> children whose subtree reaches nothing above it
    result: dict[int, frozenset[int]] = {}
    for root in g:
        if root in disc:
            continue
        first = len(order)
        disc[root] = low[root] = first
        order.append(root)
        children[root] = []
        stack = [(root, None, iter(g[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            nxt = next(neighbours, None)
            if nxt is not None:
                if nxt in disc:
                    if nxt != parent:
                        low[node] = min(low[node], disc[nxt])
                    continue
                disc[nxt] = low[nxt] = len(order)
                order.append(nxt)
                children[nxt] = []
                children[node].append(nxt)
                stack.append((nxt, node, iter(g[nxt])))
                continue
            stack.pop()
            size[node] = 1 + sum(size[c] for c in children[node])
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                if low[node] >= disc[parent]:
                    hanging.setdefault(parent, []).append(node)
        component = frozenset(order[first:])
        for vertex in order[first:]:
            subtrees = hanging.get(vertex)
            if not subtrees or (vertex == root and len(subtrees) < 2):
                continue  # the root is a cut vertex only with two or more DFS subtrees
            pieces = [frozenset(order[disc[c]: disc[c] + size[c]]) for c in subtrees]
            rest = component - {vertex} - frozenset().union(*pieces)
            if rest:
                pieces.append(rest)
            pieces.sort(key=lambda p: (-len(p), min(p)))
            result[vertex] = frozenset().union(*pieces[1:])
    return result


def betweenness(graph: ScenarioGraph) -> Mapping[int, float] | None:
    """Normalised betweenness of each connected system; None past EXACT_BETWEENNESS_LIMIT systems."""

    def build() -> Mapping[int, float] | None:
        g = graph.undirected.subgraph(graph.neighbours)
        n = g.number_of_nodes()
        if n > EXACT_BETWEENNESS_LIMIT:
            return None
        if n < 3:
            return dict.fromkeys(g, 0.0)
        return nx.betweenness_centrality(g, normalized=True)

    return graph.memo("betweenness", build)


def strongly_connected(adjacency: Mapping[int, Iterable[int]]) -> list[list[int]]:
    """Strongly connected components with two or more systems (iterative Tarjan over plain dicts).

    Cheaper than building a networkx graph per entity, which the sync-cycle rule would do ten times over.
    """
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    for root in adjacency:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adjacency.get(root, ())))]
        while work:
            node, successors = work[-1]
            nxt = next(successors, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(adjacency.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found
