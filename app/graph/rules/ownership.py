"""Rules about who owns and who writes data: systems of record, conflicting writers, unowned customer data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from app.graph.model import ScenarioGraph
from app.graph.names import entity_named
from app.graph.rules.base import Finding, finding, names, rule
from app.graph.snapshot import WRITE_ROLES

# Personal data: flows carrying these entities into a system nobody answers for are flagged.
CUSTOMER_ENTITIES = ("customer",)


@rule(
    "sor.missing",
    "high",
    "Entity without a system of record",
    "An entity the scenario uses (a flow carries it or an ownership names it) has no system of record.",
)
def sor_missing(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per entity in use with no system of record."""
    for entity in graph.snapshot.entities:
        if entity.id not in graph.entities_in_use or graph.sors(entity.id):
            continue
        holders = sorted(graph.holders(entity.id))
        yield finding(
            "sor.missing",
            f"entity={entity.id}",
            f"{entity.name} has no system of record",
            f"{len(holders)} system(s) hold {entity.name} ({names(graph, holders)}) but none is its system of "
            "record, so nobody can say which copy is right and freshness cannot be measured.",
            f"Decide which system masters {entity.name} and record it as system of record; make the others "
            "replicas or readers fed from it.",
            entities=[entity.id],
            systems=holders,
        )


@rule(
    "sor.multiple",
    "critical",
    "Entity with several systems of record",
    "More than one system is recorded as system of record for the same entity.",
)
def sor_multiple(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per entity with more than one system of record."""
    for entity in graph.snapshot.entities:
        sors = graph.sors(entity.id)
        if len(sors) < 2:
            continue
        yield finding(
            "sor.multiple",
            f"entity={entity.id}",
            f"{entity.name} has {len(sors)} systems of record",
            f"{names(graph, sors)} are each recorded as system of record for {entity.name}; when they disagree "
            "there is no rule for which one wins, and channels may show either.",
            f"Keep one system of record for {entity.name} (or split the entity, e.g. by location or type, and "
            "say so); turn the others into authoritative copies or replicas.",
            entities=[entity.id],
            systems=sors,
        )


@rule(
    "writers.conflict",
    "high",
    "Conflicting writers",
    "Two systems both write an entity (system of record, authoritative or writes) and sync it both ways.",
)
def writers_conflict(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per entity and pair of writers that send it to each other."""
    # Directed system pairs per entity, middleware collapsed: a two-way flow counts in both directions.
    # Only flows between two writers of the entity can make a conflict: index just those.
    writers: dict[int, set[int]] = defaultdict(set)
    for o in graph.snapshot.ownerships:
        if o.role in WRITE_ROLES:
            writers[o.entity].add(o.system)
    carried: dict[int, dict[tuple[int, int], list[int]]] = defaultdict(lambda: defaultdict(list))
    for flow in graph.flows:
        for entity in flow.entity_ids:
            if flow.source not in writers[entity] or flow.target not in writers[entity]:
                continue
            carried[entity][(flow.source, flow.target)].append(flow.id)
            if flow.two_way:
                carried[entity][(flow.target, flow.source)].append(flow.id)
    for entity in graph.snapshot.entities:
        pairs = carried.get(entity.id, {})
        for (a, b), flows in sorted(pairs.items()):
            if a > b or (b, a) not in pairs:
                continue
            if not (graph.roles(a, entity.id) & WRITE_ROLES and graph.roles(b, entity.id) & WRITE_ROLES):
                continue
            both = sorted(set(flows) | set(pairs[(b, a)]))
            yield finding(
                "writers.conflict",
                f"entity={entity.id}:systems={a},{b}",
                f"{names(graph, (a, b)).replace(', ', ' and ')} both write {entity.name} and sync it both ways",
                f"Both systems write {entity.name} and send it to each other, so concurrent edits overwrite each "
                "other and updates can echo back and forth.",
                f"Make one of them the only writer of {entity.name} (the other sends changes as requests to it), "
                "or define field-level ownership and conflict resolution.",
                entities=[entity.id],
                systems=[a, b],
                flows=both,
            )


@rule(
    "customer.unowned_system",
    "medium",
    "Customer data in a system nobody owns",
    "A flow carries customer data into a system (as target or middleware) that has no business owner.",
)
def customer_unowned(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per unowned system that customer data flows into."""
    customer = {e for e in (entity_named(graph.snapshot, n) for n in CUSTOMER_ENTITIES) if e is not None}
    if not customer:
        return
    systems = graph.snapshot.system_by_id
    receiving: dict[int, set[int]] = defaultdict(set)
    for flow in graph.flows:
        if not flow.entity_ids & customer:
            continue
        ends = [flow.target, flow.via] + ([flow.source] if flow.two_way else [])
        for system in ends:
            if system is not None and system in systems and not systems[system].has_owner:
                receiving[system].add(flow.id)
    for system_id in sorted(receiving):
        name = systems[system_id].name
        yield finding(
            "customer.unowned_system",
            f"system={system_id}",
            f"{name} receives customer data but has no owner",
            f"Customer data flows into {name}, yet no stakeholder owns the system: nobody answers for access, "
            "retention or erasure requests there.",
            f"Name an owner for {name}, or stop sending customer data to it.",
            systems=[system_id],
            flows=sorted(receiving[system_id]),
            entities=sorted(customer),
        )
