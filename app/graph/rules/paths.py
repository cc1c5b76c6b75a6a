"""Rules about where data travels: slow feeds of time-critical data, channels cut off, retiring systems on
critical paths, and cycles that make an entity loop between systems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

import networkx as nx

from app.graph.critical import critical_paths
from app.graph.freshness import NO_HOLDER, NO_PATH, channel_freshness
from app.graph.model import ScenarioGraph, reachable
from app.graph.names import entity_named
from app.graph.rules.base import Finding, finding, names, rule
from app.graph.snapshot import RETIRING_LIFECYCLES, SLOW_PATTERNS
from app.graph.topology import strongly_connected
from app.graph.units import format_duration

# Entities every customer-facing channel needs from its system of record.
CORE_ENTITIES = ("inventory", "order", "customer", "price")


def channels_downstream(graph: ScenarioGraph, entity_id: int) -> Mapping[int, frozenset[int]]:
    """For each system, the customer-facing channels its copy of the entity can reach along the flows.

    One backward search per customer-facing channel (a handful), each linear in the entity's flows.
    """

    def build() -> Mapping[int, frozenset[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        for channel in graph.snapshot.channels:
            serving = graph.channel_systems(channel.id)
            if not channel.customer_facing or not serving:
                continue
            for system in reachable(graph, entity_id, serving, backwards=True):
                found[system].add(channel.id)
        return {s: frozenset(c) for s, c in found.items()}

    return graph.memo(("channels_downstream", entity_id), build)


@rule(
    "freshness.batch_critical",
    "high",
    "Time-critical data on a batch or manual feed",
    "A time-critical entity travels by batch file or by hand on its way to a customer-facing channel, or on "
    "its order, return or payment path from a channel to the systems that fulfil or settle it.",
)
def batch_critical(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per slow flow and time-critical entity that feeds a channel or lies on a capture path."""
    snap = graph.snapshot
    critical = [e for e in snap.entities if e.time_critical and e.id in graph.entities_in_use]
    for entity in critical:
        slow = [f for f in graph.flows if entity.id in f.entity_ids and f.pattern in SLOW_PATTERNS]
        if not slow:
            continue
        downstream = channels_downstream(graph, entity.id)
        capture = [p for p in critical_paths(graph) if p.kind != "entity" and p.entity_id == entity.id]
        for flow in slow:
            ends = (flow.target, flow.source) if flow.two_way else (flow.target,)
            channels = sorted(frozenset().union(*(downstream.get(end, frozenset()) for end in ends)))
            on = [p for p in capture if flow.source in p.systems and flow.target in p.systems]
            if not channels and not on:
                continue
            pattern = snap.vocabulary.patterns.get(flow.pattern, flow.pattern)
            worst = format_duration(flow.worst_latency)
            route = f"{snap.name_of(flow.source)} → {snap.name_of(flow.target)}"
            if channels:
                title = f"{route} sends {entity.name} by {pattern.lower()} towards {names(graph, channels)}"
                effect = f"from there it feeds {names(graph, channels)}, so customers there can see stale {entity.name}"
            else:
                labels = ", ".join(p.label for p in on)
                # Only the channels whose systems send the entity into this feed, not every channel of the path.
                channels = sorted({c for p in on for c in p.channels_into(graph, flow.source)})
                title = f"{route} sends {entity.name} by {pattern.lower()} on the {labels}"
                effect = (f"it lies on the {labels} from {names(graph, channels)}, so {entity.name} taken there waits "
                          "for the feed before it is fulfilled")
            yield finding(
                "freshness.batch_critical",
                f"flow={flow.id}:entity={entity.id}",
                title,
                f"{snap.flow_label(flow)} moves time-critical {entity.name} as {pattern.lower()} (worst {worst}); "
                f"{effect}.",
                f"Publish {entity.name} changes as events or serve it through an API from its system of record "
                "instead of this feed.",
                flows=[flow.id],
                entities=[entity.id],
                systems=[flow.source, flow.target] + ([flow.via] if flow.via is not None else []),
                channels=channels,
            )


@rule(
    "channel.no_path",
    "high",
    "Channel cut off from a system of record",
    "A customer-facing channel gets no inventory, order, customer or price data from the entity's system of "
    "record: none of its systems holds the entity, or no flow path brings it there.",
)
def channel_no_path(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per customer-facing channel and core entity it gets nothing of from the SoR."""
    snap = graph.snapshot
    core = [e for e in (entity_named(snap, n) for n in CORE_ENTITIES) if e is not None]
    for channel in snap.channels:
        if not channel.customer_facing or not graph.channel_systems(channel.id):
            continue  # a channel no system serves is out of scope, not cut off
        for entity_id in dict.fromkeys(core):
            if not graph.sors(entity_id):
                continue  # sor.missing reports that; every channel would repeat it
            result = channel_freshness(graph, entity_id, channel.id)
            if result.reason not in (NO_HOLDER, NO_PATH):
                continue
            entity = snap.entity_by_id[entity_id].name
            serving = graph.channel_systems(channel.id)
            holders = [h.system_id for h in result.holders]
            why = (
                f"none of its systems ({names(graph, serving)}) holds {entity}"
                if result.reason == NO_HOLDER
                else f"no flow carries {entity} from {names(graph, result.sors)} to {names(graph, holders)}"
            )
            yield finding(
                "channel.no_path",
                f"channel={channel.id}:entity={entity_id}",
                f"{channel.name} gets no {entity} from its system of record",
                f"{channel.name} is customer-facing but {why}.",
                f"Add a flow of {entity} from {names(graph, result.sors)} to the system serving {channel.name}, "
                "or record the ownership or flow that already exists.",
                channels=[channel.id],
                entities=[entity_id],
                systems=sorted(set(result.sors) | set(holders or serving)),
            )


@rule(
    "lifecycle.retiring_critical",
    "high",
    "Retiring system on a critical path",
    "A retiring or retired system lies on a critical path: it is the system of record of, or carries, a "
    "time-critical entity on its way to a customer-facing channel, or orders, returns or payments on their "
    "way from a customer-facing channel to the systems that fulfil or settle them (see docs/analysis.md).",
)
def retiring_critical(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per retiring system on a critical path, listing the entities and paths it carries."""
    snap = graph.snapshot
    retiring = [s for s in snap.systems if s.lifecycle in RETIRING_LIFECYCLES]
    if not retiring:
        return
    paths = critical_paths(graph)
    for system in retiring:
        on = [p for p in paths if p.carries(system.id)]
        if not on:
            continue
        entities = sorted({p.entity_id for p in on})
        labels = ", ".join(dict.fromkeys(p.label for p in on))
        channels = sorted({c for p in on for c in p.channels(graph)})
        yield finding(
            "lifecycle.retiring_critical",
            f"system={system.id}",
            f"{system.name} is {system.lifecycle} but still carries {names(graph, entities)}",
            f"{system.name} is marked {system.lifecycle}, yet it lies on critical paths ({labels}): "
            f"{names(graph, entities)} pass(es) through it between the customer-facing channels and the systems "
            "of record or fulfilment, so retiring it breaks those channels.",
            f"Re-route {names(graph, entities)} around {system.name} (or move their system of record) before it "
            "is switched off.",
            systems=[system.id],
            entities=entities,
            channels=channels,
            flows=list(graph.flows_by_system.get(system.id, ())),
        )


@rule(
    "entity.sync_cycle",
    "medium",
    "Sync cycle",
    "The flows of one entity form a loop (A → B → … → A), so updates can circle back and overwrite newer data. "
    "A single two-way flow is a deliberate sync, not a loop.",
)
def sync_cycle(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per entity and loop of systems (strongly connected component) its flows form."""
    by_entity: dict[int, list] = defaultdict(list)
    for flow in graph.flows:
        for entity in flow.entity_ids:
            by_entity[entity].append(flow)
    for entity in graph.snapshot.entities:
        flows = by_entity.get(entity.id, ())
        if len(flows) < 2:
            continue
        adjacency: dict[int, set[int]] = defaultdict(set)
        for f in flows:
            adjacency[f.source].add(f.target)
            if f.two_way:
                adjacency[f.target].add(f.source)
        components = strongly_connected(adjacency)
        member_of = {system: i for i, scc in enumerate(components) for system in scc}
        inside_of: dict[int, dict[int, object]] = defaultdict(dict)
        for f in flows:
            i = member_of.get(f.source)
            if i is not None and member_of.get(f.target) == i:
                inside_of[i][f.id] = f
        for i, scc in enumerate(components):
            inside = inside_of[i]
            one_way = [f for f in inside.values() if not f.two_way]
            if not one_way and len(inside) <= len(scc) - 1:
                continue  # a tree of two-way syncs: no loop beyond each sync itself
            systems = sorted(scc)
            yield finding(
                "entity.sync_cycle",
                f"entity={entity.id}:systems={','.join(map(str, systems))}",
                f"{entity.name} loops between {_some(graph, systems)}",
                f"The {entity.name} flows between {_some(graph, systems)} form a cycle, so a change can come back "
                "to where it started and overwrite a newer value.",
                f"Pick one direction for {entity.name} between these systems (from its system of record outwards) "
                "or mark the intended two-way sync as one two-way flow with conflict rules.",
                entities=[entity.id],
                systems=systems,
                flows=sorted(inside),
                path=_a_cycle(inside.values()),
            )


def _a_cycle(flows) -> list[int]:
    # One concrete loop to draw; a loop of one-way flows says more than a two-way sync's back-and-forth.
    one_way = nx.DiGraph((f.source, f.target) for f in flows if not f.two_way)
    both = nx.DiGraph()
    for f in flows:
        both.add_edge(f.source, f.target)
        if f.two_way:
            both.add_edge(f.target, f.source)
    for g in (one_way, both):
        try:
            edges = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            continue
        return [edges[0][0], *(e[1] for e in edges)]
    return []


def _some(graph: ScenarioGraph, systems: list[int], shown: int = 6) -> str:
    # A loop through hundreds of systems would make an unreadable title.
    more = len(systems) - shown
    return names(graph, systems[:shown]) + (f" and {more} more" if more > 0 else "")
