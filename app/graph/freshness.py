"""Data freshness per entity and channel: how old can the data a channel shows be?

For an entity, one multi-source Dijkstra runs from all its systems of record over the hops that carry it,
ranking paths by worst latency (then typical latency, then hops). Paths follow whole flows: data entering
middleware on one flow leaves on the same flow. For a channel, the systems that serve
it and hold the entity are looked up; the freshest of their paths is the channel's figure. A system of
record that serves the channel itself is 0 s fresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.graph.model import ScenarioGraph
from app.graph.paths import Path, ShortestPaths, dijkstra

NO_SOR = "no_sor"
NO_CHANNEL_SYSTEMS = "no_channel_systems"
NO_HOLDER = "no_holder"
NO_PATH = "no_path"
LATENCY_UNKNOWN = "latency_unknown"
REASONS = {
    NO_SOR: "the entity has no system of record in this scenario",
    NO_CHANNEL_SYSTEMS: "no system of this scenario serves the channel",
    NO_HOLDER: "none of the channel's systems holds the entity",
    NO_PATH: "no flow path carries the entity from its system of record to the channel's systems",
    LATENCY_UNKNOWN: "a flow on the freshest path has no latency recorded",
}


@dataclass(frozen=True)
class HolderFreshness:
    """One system serving the channel and holding the entity, with its freshest path from a system of record."""

    system_id: int
    path: Path | None

    @property
    def worst_latency(self) -> float | None:
        """Worst latency in seconds, None when unreached or unknown."""
        return None if self.path is None else self.path.worst_latency

    @property
    def latency(self) -> float | None:
        """Typical latency in seconds, None when unreached or unknown."""
        return None if self.path is None else self.path.latency


@dataclass(frozen=True)
class ChannelFreshness:
    """Freshness of one entity on one channel; `reason` says why it is unknown (None when known)."""

    entity_id: int
    channel_id: int
    sors: tuple[int, ...]
    holders: tuple[HolderFreshness, ...]
    path: Path | None
    reason: str | None

    @property
    def known(self) -> bool:
        """True when the worst latency is known."""
        return self.reason is None

    @property
    def worst_latency(self) -> float | None:
        """Worst latency of the freshest path in seconds (None when unknown)."""
        return self.path.worst_latency if self.path is not None and self.known else None

    @property
    def latency(self) -> float | None:
        """Typical latency of the freshest path in seconds (None when unknown)."""
        return self.path.latency if self.path is not None else None

    @property
    def explanation(self) -> str:
        """The reason as a sentence, empty when known."""
        return REASONS.get(self.reason or "", "")


def paths_from_sor(graph: ScenarioGraph, entity_id: int) -> ShortestPaths:
    """The freshest path from any system of record of the entity to every system it reaches (cached)."""
    return graph.memo(
        ("freshness", entity_id), lambda: dijkstra(graph.out_steps(entity_id), graph.sors(entity_id))
    )


def channel_freshness(graph: ScenarioGraph, entity_id: int, channel_id: int) -> ChannelFreshness:
    """How fresh the entity is on the channel, with the path and the reason when unknown (cached per graph)."""
    return graph.memo(("channel_freshness", entity_id, channel_id), lambda: _channel_freshness(graph, entity_id,
                                                                                                  channel_id))


def _channel_freshness(graph: ScenarioGraph, entity_id: int, channel_id: int) -> ChannelFreshness:
    sors = graph.sors(entity_id)
    serving = graph.channel_systems(channel_id)
    holding = graph.holders(entity_id)
    holders = [s for s in serving if s in holding]
    if not sors:
        return ChannelFreshness(entity_id, channel_id, sors, tuple(HolderFreshness(s, None) for s in holders),
                                None, NO_SOR)
    if not serving:
        return ChannelFreshness(entity_id, channel_id, sors, (), None, NO_CHANNEL_SYSTEMS)
    if not holders:
        return ChannelFreshness(entity_id, channel_id, sors, (), None, NO_HOLDER)
    paths = paths_from_sor(graph, entity_id)
    ranked = sorted(holders, key=lambda s: (s not in paths.cost, paths.cost.get(s, ()), s))
    results = tuple(HolderFreshness(s, paths.path_to(s)) for s in ranked)
    best = results[0].path
    if best is None:
        return ChannelFreshness(entity_id, channel_id, sors, results, None, NO_PATH)
    reason = LATENCY_UNKNOWN if best.worst_latency is None else None
    return ChannelFreshness(entity_id, channel_id, sors, results, best, reason)


def freshness_table(
    graph: ScenarioGraph, entity_ids: Iterable[int] | None = None, channel_ids: Iterable[int] | None = None
) -> tuple[ChannelFreshness, ...]:
    """Freshness for every entity × channel pair (or the given ones), entity-major in snapshot order."""
    snap = graph.snapshot
    entities = list(entity_ids) if entity_ids is not None else [e.id for e in snap.entities]
    channels = list(channel_ids) if channel_ids is not None else [c.id for c in snap.channels]
    return tuple(channel_freshness(graph, e, c) for e in entities for c in channels)
