"""Rules about returns anywhere: a customer-facing channel that cannot look up the orders of another."""

from __future__ import annotations

from collections.abc import Iterator

from app.graph.model import ScenarioGraph
from app.graph.names import entity_named
from app.graph.returns import ORDER, lookup
from app.graph.rules.base import Finding, finding, names, rule


@rule(
    "returns.no_order_lookup",
    "medium",
    "Channel cannot look up other channels' orders",
    "A customer-facing channel's systems have no path carrying orders from the systems that take another "
    "channel's orders, so a customer who bought there cannot return or exchange here against the order "
    "(and cannot be refunded to the original tender).",
)
def no_order_lookup(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per customer-facing channel that cannot see the orders of one or more other channels."""
    entity = entity_named(graph.snapshot, ORDER)
    if entity is None:
        return
    holders = graph.holders(entity)
    facing = [c for c in graph.snapshot.channels if c.customer_facing and graph.channel_systems(c.id)]
    # Only channels whose own systems hold orders sell: the others have no orders to return.
    selling = [c for c in facing if holders & set(graph.channel_systems(c.id))]
    for returning in facing:
        blind = [c.id for c in selling if c.id != returning.id and not lookup(graph, ORDER, c.id, returning.id).ok]
        if not blind:
            continue
        serving = graph.channel_systems(returning.id)
        yield finding(
            "returns.no_order_lookup",
            f"channel={returning.id}",
            f"{returning.name} cannot look up orders from {names(graph, blind)}",
            f"No flow carries orders from the systems that take {names(graph, blind)} orders to "
            f"{names(graph, serving)}: a return brought to {returning.name} cannot be checked against its order "
            "or refunded to the original tender.",
            f"Give {returning.name} an order lookup: a flow or API carrying orders from the order management "
            f"system to {names(graph, serving)}.",
            channels=[returning.id, *blind],
            systems=serving,
            entities=[entity],
        )
