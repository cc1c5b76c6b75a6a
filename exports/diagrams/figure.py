"""The figure every diagram is built as: nodes, edges and clusters with Graphviz-style attributes, and its DOT."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from exports.dot import Dot, lines

NODE_LABEL_WIDTH = 26  # columns of a node label line; longer names wrap onto more lines
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Text(tuple):
    """A label as lines of raw user text (empty lines left out); each writer escapes it its own way."""

    def __new__(cls, *parts: object) -> Text:
        return super().__new__(cls, tuple(str(p) for p in parts if p not in (None, "")))


@dataclass(frozen=True)
class Node:
    """A node: its id (ours, from a prefix and an integer id), the cluster it sits in, its attributes."""

    ident: str
    attrs: dict[str, object]
    cluster: str | None = None


@dataclass(frozen=True)
class Edge:
    """An edge between two node ids, with its attributes."""

    source: str
    target: str
    attrs: dict[str, object]


@dataclass(frozen=True)
class Cluster:
    """A box of nodes (a Graphviz `cluster_…` subgraph, a Mermaid `subgraph`)."""

    ident: str
    attrs: dict[str, object]


@dataclass
class Figure:
    """A graph description that DOT and Mermaid writers both render. Attribute names and values follow
    Graphviz (`label`, `fillcolor`, `style="rounded,filled,dashed"`…); `Text` values are user text."""

    name: str
    graph: dict[str, object]
    node_defaults: dict[str, object]
    edge_defaults: dict[str, object]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    _open: str | None = None
    # Statements in call order, so the DOT keeps the order the diagram was built in (Graphviz layouts
    # depend on it): ("node", index), ("edge", index), ("open", index), ("close", -1).
    _ops: list[tuple[str, int]] = field(default_factory=list)

    @property
    def title(self) -> Text:
        """The figure's title (its graph label)."""
        label = self.graph.get("label")
        return label if isinstance(label, Text) else Text(label)

    def node(self, ident: str, /, **attrs: object) -> None:
        """Add a node, inside the open cluster if any."""
        self._ops.append(("node", len(self.nodes)))
        self.nodes.append(Node(node_id_checked(ident), attrs, self._open))

    def edge(self, source: str, target: str, /, **attrs: object) -> None:
        """Add an edge."""
        self._ops.append(("edge", len(self.edges)))
        self.edges.append(Edge(node_id_checked(source), node_id_checked(target), attrs))

    def open_cluster(self, ident: str, /, **attrs: object) -> None:
        """Start a cluster; nodes added until `close()` sit in it (clusters do not nest)."""
        if self._open is not None:
            raise ValueError("clusters do not nest")
        self._ops.append(("open", len(self.clusters)))
        self.clusters.append(Cluster(node_id_checked(ident), attrs))
        self._open = ident

    def close(self) -> None:
        """End the open cluster."""
        if self._open is None:
            raise ValueError("no open cluster")
        self._ops.append(("close", -1))
        self._open = None

    def annotated(self, graph: Mapping[str, object], nodes: Mapping[str, Mapping[str, object]],
                  clusters: Mapping[str, Mapping[str, object]], *, edges: bool = True,
                  flat: bool = False) -> Figure:
        """A copy in the same statement order with graph attributes replaced and extra attributes on nodes
        and clusters (by id); `edges=False` leaves the edges out, `flat=True` the cluster boxes."""
        copy = Figure(self.name, dict(graph), dict(self.node_defaults), dict(self.edge_defaults))
        for op, index in self._ops:
            if op == "node":
                node = self.nodes[index]
                copy.node(node.ident, **{**node.attrs, **nodes.get(node.ident, {})})
            elif op == "edge" and edges:
                edge = self.edges[index]
                copy.edge(edge.source, edge.target, **edge.attrs)
            elif op == "open" and not flat:
                cluster = self.clusters[index]
                copy.open_cluster(cluster.ident, **{**cluster.attrs, **clusters.get(cluster.ident, {})})
            elif op == "close" and not flat:
                copy.close()
        return copy

    def dot(self) -> str:
        """The figure as DOT text, statements in the order they were added."""
        if self._open is not None:
            raise ValueError("unclosed cluster")
        out = Dot(self.name, graph=_dot_attrs(self.graph), node=_dot_attrs(self.node_defaults),
                  edge=_dot_attrs(self.edge_defaults))
        for op, index in self._ops:
            if op == "node":
                node = self.nodes[index]
                out.node(node.ident, **_dot_attrs(node.attrs, width=NODE_LABEL_WIDTH))
            elif op == "edge":
                edge = self.edges[index]
                out.edge(edge.source, edge.target, **_dot_attrs(edge.attrs))
            elif op == "open":
                cluster = self.clusters[index]
                out.open_cluster(cluster.ident, **_dot_attrs(cluster.attrs))
            else:
                out.close()
        return out.source()


def _dot_attrs(attrs: Mapping[str, object], width: int | None = None) -> dict[str, object]:
    return {k: (lines(*v, width=width if k == "label" else None) if isinstance(v, Text) else v)
            for k, v in attrs.items()}


def node_id_checked(ident: str) -> str:
    """Node and cluster ids are ours (a constant prefix and an integer): refuse anything else."""
    if not _IDENT.match(ident):
        raise ValueError(f"bad node id {ident!r}")
    return ident
