"""What the architecture allows for returns brought to one channel of orders placed on another.

- **Order lookup**: a path carrying the order from the systems that took it (the original channel's systems
  holding orders) to a system serving the returning channel; without one, the returning channel cannot find
  the order, so it cannot refund it to the original tender.
- **Customer match**: a path carrying the customer between the same ends (one customer across the systems).
- **Refund path**: order lookup, and a system serving the returning channel that is (or reaches, along flows
  carrying payments) the payment's system of record.
- **Restock visibility**: a path carrying inventory from the returning channel's systems to a selling
  channel's systems; its worst latency is how long a restocked unit stays invisible there.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.graph.freshness import channel_freshness
from app.graph.model import ScenarioGraph
from app.graph.names import entity_named
from app.graph.paths import Path, dijkstra

ORDER, CUSTOMER, PAYMENT, INVENTORY = "order", "customer", "payment", "inventory"


@dataclass(frozen=True)
class Lookup:
    """Whether the systems of `to_channel` can reach an entity held by the systems of `from_channel`."""

    entity: str
    from_channel: int
    to_channel: int
    ok: bool
    path: Path | None = None
    reason: str = ""  # a sentence naming the systems when not ok

    @property
    def worst_latency(self) -> float | None:
        """Worst latency in seconds of the path (0 when one system serves both channels; None unknown)."""
        if not self.ok:
            return None
        return 0.0 if self.path is None else self.path.worst_latency


@dataclass(frozen=True)
class ReturnAccess:
    """Returns of `from_channel` orders brought to `to_channel`: what the architecture allows."""

    from_channel: int
    to_channel: int
    order: Lookup
    customer: Lookup
    refund: bool
    refund_reason: str = ""

    @property
    def blocked(self) -> str:
        """Why a return cannot be refunded there ("" when it can)."""
        return self.order.reason or self.customer.reason or self.refund_reason


def lookup(graph: ScenarioGraph, entity: str, from_channel: int, to_channel: int) -> Lookup:
    """Can the systems serving `to_channel` reach `entity` from the systems of `from_channel` holding it?"""
    return graph.memo(("returns.lookup", entity, from_channel, to_channel),
                      lambda: _lookup(graph, entity, from_channel, to_channel))


def _lookup(graph: ScenarioGraph, entity: str, from_channel: int, to_channel: int) -> Lookup:
    snap = graph.snapshot
    entity_id = entity_named(snap, entity)
    targets = graph.channel_systems(to_channel)
    to_name = snap.channel_by_id[to_channel].name if to_channel in snap.channel_by_id else str(to_channel)
    from_name = snap.channel_by_id[from_channel].name if from_channel in snap.channel_by_id else str(from_channel)
    if not targets:
        return Lookup(entity, from_channel, to_channel, False, reason=f"no system of this scenario serves {to_name}")
    if entity_id is None:
        return Lookup(entity, from_channel, to_channel, False, reason=f"the model has no {entity} entity")
    holders = graph.holders(entity_id)
    sources = tuple(s for s in graph.channel_systems(from_channel) if s in holders)
    systems = ", ".join(snap.name_of(s) for s in targets)
    if not sources:
        return Lookup(entity, from_channel, to_channel, False,
                      reason=f"no system serving {from_name} holds {from_name} {entity}s")
    if set(sources) & set(targets):
        return Lookup(entity, from_channel, to_channel, True)
    paths = dijkstra(graph.out_steps(entity_id), sources)
    reached = sorted((t for t in targets if paths.reached(t)), key=lambda t: (paths.cost[t], t))
    if not reached:
        return Lookup(entity, from_channel, to_channel, False,
                      reason=f"{systems} {'has' if len(targets) == 1 else 'have'} no path to {from_name} {entity}s")
    return Lookup(entity, from_channel, to_channel, True, paths.path_to(reached[0]))


def return_access(graph: ScenarioGraph, from_channel: int, to_channel: int) -> ReturnAccess:
    """Order lookup, customer match and refund path for returns of `from_channel` orders at `to_channel`."""
    if from_channel == to_channel:  # a channel's own systems took the order and know the customer
        order = customer = Lookup(ORDER, from_channel, to_channel, True)
    else:
        order = lookup(graph, ORDER, from_channel, to_channel)
        customer = lookup(graph, CUSTOMER, from_channel, to_channel)
    if not order.ok:
        return ReturnAccess(from_channel, to_channel, order, customer, False, order.reason)
    payment = entity_named(graph.snapshot, PAYMENT)
    sors = set(graph.sors(payment)) if payment is not None else set()
    serving = graph.channel_systems(to_channel)
    ok = bool(sors & set(serving))
    if not ok and sors and payment is not None:
        paths = dijkstra(graph.out_steps(payment), serving)
        ok = any(paths.reached(s) for s in sors)
    name = graph.snapshot.channel_by_id[to_channel].name
    reason = "" if ok else f"no system serving {name} reaches the payment's system of record"
    return ReturnAccess(from_channel, to_channel, order, customer, ok, reason)


def restock_latency(graph: ScenarioGraph, return_channel: int, selling_channel: int) -> float | None:
    """Worst seconds until `selling_channel` sees units restocked at a `return_channel` location (None: never)."""
    found = lookup(graph, INVENTORY, return_channel, selling_channel)
    return found.worst_latency if found.ok else None


def dc_latency(graph: ScenarioGraph, selling_channel: int) -> float | None:
    """Worst seconds until `selling_channel` sees units restocked at the DC (inventory freshness; None: never)."""
    entity = entity_named(graph.snapshot, INVENTORY)
    if entity is None:
        return None
    return channel_freshness(graph, entity, selling_channel).worst_latency
