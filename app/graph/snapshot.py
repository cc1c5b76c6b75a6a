"""The typed input of every analysis: one scenario's model as plain frozen dataclasses.

Ids are the database element ids; scenarios share elements, so the same id means the same object in
every scenario of an engagement (comparisons rely on that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

# The vocabulary codes the analyses rely on; they mirror models/vocab.py (a test keeps them in step).
SOR = "sor"
WRITE_ROLES = frozenset({"sor", "authoritative", "writes"})
SLOW_PATTERNS = frozenset({"batch", "manual"})
TWO_WAY = "two_way"
MUST = "must"
DROPPED = "dropped"
ACCEPTED = "accepted"
LIVE_DECISION_STATUSES = frozenset({"proposed", "accepted"})
RETIRING_LIFECYCLES = frozenset({"retiring", "retired"})


@dataclass(frozen=True)
class System:
    """An application in the scenario."""

    id: int
    name: str
    category: str = "custom"
    lifecycle: str = "active"
    has_owner: bool = True
    channel_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Channel:
    """A sales or service channel (engagement-wide)."""

    id: int
    name: str
    customer_facing: bool = True


@dataclass(frozen=True)
class Entity:
    """A business data entity (engagement-wide)."""

    id: int
    name: str
    time_critical: bool = False


@dataclass(frozen=True)
class Flow:
    """Data moving from source to target, possibly via middleware; latencies in seconds, None = unknown."""

    id: int
    source: int
    target: int
    entity_ids: frozenset[int]
    pattern: str = "api"
    latency: float | None = None
    worst_latency: float | None = None
    via: int | None = None
    direction: str = "one_way"

    @property
    def two_way(self) -> bool:
        """True when the flow syncs in both directions."""
        return self.direction == TWO_WAY


@dataclass(frozen=True)
class Ownership:
    """The role a system plays for an entity (sor, authoritative, replica, reads, writes)."""

    id: int
    system: int
    entity: int
    role: str


@dataclass(frozen=True)
class Requirement:
    """A requirement (engagement-wide); `acceptance` holds one criterion per line."""

    id: int
    ref: str
    title: str
    priority: str = "should"
    status: str = "draft"
    acceptance: str = ""
    channel_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Decision:
    """An architecture decision that applies to this scenario."""

    id: int
    ref: str
    title: str
    status: str = "proposed"


@dataclass(frozen=True)
class TraceLink:
    """addresses (requirement -> decision), affects (decision -> system/flow), satisfied_by, refines."""

    kind: str
    source: int
    target: int


@dataclass(frozen=True)
class Vocabulary:
    """Codes -> labels for system categories, flow patterns and ownership roles (criteria accept either)."""

    categories: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    patterns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    roles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ScenarioSnapshot:
    """Everything the analyses read about one scenario, detached from the database."""

    scenario_id: int = 0
    scenario_name: str = ""
    systems: tuple[System, ...] = ()
    channels: tuple[Channel, ...] = ()
    entities: tuple[Entity, ...] = ()
    flows: tuple[Flow, ...] = ()
    ownerships: tuple[Ownership, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    decisions: tuple[Decision, ...] = ()
    links: tuple[TraceLink, ...] = ()
    vocabulary: Vocabulary = field(default_factory=Vocabulary)

    # Lookups are derived once; cached_property writes the instance __dict__, which a frozen dataclass allows.
    @cached_property
    def system_by_id(self) -> Mapping[int, System]:
        """Systems keyed by id."""
        return {s.id: s for s in self.systems}

    @cached_property
    def channel_by_id(self) -> Mapping[int, Channel]:
        """Channels keyed by id."""
        return {c.id: c for c in self.channels}

    @cached_property
    def entity_by_id(self) -> Mapping[int, Entity]:
        """Entities keyed by id."""
        return {e.id: e for e in self.entities}

    @cached_property
    def flow_by_id(self) -> Mapping[int, Flow]:
        """Flows keyed by id."""
        return {f.id: f for f in self.flows}

    @cached_property
    def ownership_by_id(self) -> Mapping[int, Ownership]:
        """Ownerships keyed by id."""
        return {o.id: o for o in self.ownerships}

    @cached_property
    def requirement_by_id(self) -> Mapping[int, Requirement]:
        """Requirements keyed by id."""
        return {r.id: r for r in self.requirements}

    @cached_property
    def decision_by_id(self) -> Mapping[int, Decision]:
        """Decisions keyed by id."""
        return {d.id: d for d in self.decisions}

    def name_of(self, element_id: int) -> str:
        """A readable label for any element id in the snapshot (ref + title for requirements/decisions)."""
        for table in (self.system_by_id, self.channel_by_id, self.entity_by_id):
            if element_id in table:
                return table[element_id].name
        if element_id in self.requirement_by_id:
            r = self.requirement_by_id[element_id]
            return f"{r.ref} {r.title}"
        if element_id in self.decision_by_id:
            d = self.decision_by_id[element_id]
            return f"{d.ref} {d.title}"
        if element_id in self.flow_by_id:
            return self.flow_label(self.flow_by_id[element_id])
        if element_id in self.ownership_by_id:
            o = self.ownership_by_id[element_id]
            role = self.vocabulary.roles.get(o.role, o.role)
            return f"{self.name_of(o.system)} — {role} — {self.name_of(o.entity)}"
        return f"#{element_id}"

    def flow_label(self, flow: Flow) -> str:
        """`Source → Target: entities` for a flow."""
        systems = self.system_by_id
        entities = ", ".join(sorted(self.entity_by_id[e].name for e in flow.entity_ids if e in self.entity_by_id))
        arrow = " ↔ " if flow.two_way else " → "
        src = systems[flow.source].name if flow.source in systems else f"#{flow.source}"
        tgt = systems[flow.target].name if flow.target in systems else f"#{flow.target}"
        return f"{src}{arrow}{tgt}: {entities}"
