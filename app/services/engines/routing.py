"""Routing per scenario: the cost model (read with defaults, validate, save) and running a strategy on the client's
orders with the ATP engine's per-node ATP under the scenario's rules (docs/routing.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engines.atp import network_atp
from app.engines.routing import STRATEGIES, CostModel, CostModelError, dense_atp, parse_cost_model, route_orders
from app.engines.rules import parse_rules
from app.services.engines.inputs import Inputs
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import store_settings
from models import Engagement, EngineRun, RoutingCostModel, Scenario, User


def cost_document(session: Session, scenario: Scenario) -> dict[str, Any]:
    """The scenario's stored cost model, or the defaults."""
    row = session.scalar(select(RoutingCostModel).where(RoutingCostModel.scenario_id == scenario.id))
    return CostModel().to_document() | (dict(row.document) if row is not None else {})


def latest_runs(session: Session, engagement_id: int) -> dict[tuple[int, str], EngineRun]:
    """(scenario id, strategy) -> the most recent finished routing run."""
    out: dict[tuple[int, str], EngineRun] = {}
    for run in session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == engagement_id, EngineRun.kind == "routing",
                                EngineRun.status == "done").order_by(EngineRun.id.desc())
    ):
        out.setdefault((run.scenario_id, run.parameters.get("strategy", "")), run)
    return out


def cost_model(document: Any) -> CostModel:
    """A validated CostModel; ValidationError keyed by setting."""
    if not isinstance(document, dict):
        raise ValidationError({"cost_model": "Must be a JSON object."})
    try:
        return parse_cost_model(document)
    except CostModelError as exc:
        raise ValidationError(exc.errors) from None


def save_cost_model(session: Session, engagement: Engagement, scenario: Scenario, document: Any, *,
                    user: User | None = None, commit: bool = True) -> dict[str, Any]:
    """Validate and store a scenario's cost model (missing settings take the defaults)."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    canonical = cost_model(document).to_document()
    return store_settings(session, RoutingCostModel, engagement, scenario, canonical, user=user, commit=commit)


def strategy_names() -> tuple[str, ...]:
    """Registered strategies (the built-in three first)."""
    return tuple(STRATEGIES)


def check_strategy(name: str | None) -> str:
    """The strategy name, or ValidationError."""
    if name not in STRATEGIES:
        raise ValidationError({"strategy": f"Must be one of: {', '.join(STRATEGIES)}."})
    return name


def routing_metrics(run: EngineRun, inputs: Inputs, progress: Callable[[float], None] | None = None) -> dict:
    """Run the stored run's strategy over its inputs; the metrics document (docs/routing.md)."""
    rules, _ = parse_rules(run.rules)
    cost = cost_model(run.parameters.get("cost_model", {}))
    orders, network = inputs.routing_orders, inputs.network
    atp = network_atp(inputs.stock, inputs.locations, rules, as_of=int(run.parameters.get("as_of", 0)),
                      extra_channels=orders.channels)
    matrix = dense_atp(len(inputs.stock.skus), len(network), inputs.stock.sku, inputs.stock.node, atp.node_atp)
    try:
        result = route_orders(network, orders, inputs.stock.skus, matrix, atp.compiled.eligible, atp.compiled.channels,
                              cost, run.parameters["strategy"], progress=progress,
                              channel_caps=atp.network if atp.compiled.fenced else None)
    except CostModelError as exc:
        raise ValidationError(exc.errors) from None
    notes = list(inputs.notes)
    if cost.promise is not None:
        unknown = sorted({node for node, _ in cost.promise.cutoffs} - set(network.ids.tolist()))
        if unknown:
            notes.append(f"Promise cut-offs name locations not in the locations dataset (ignored): "
                         f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}.")
    return {**result.metrics, "batches": list(result.batches[:200]), "notes": notes}
