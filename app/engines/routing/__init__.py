"""Order routing: assign every order line to a node (or leave it unfilled, with the reason) under a cost model.

A *group* is the lines of one order with one fulfilment method (an order mixing ship and pickup lines is two
groups). Each distinct node a group uses is one *shipment*: it costs the node's handling cost, plus shipping
(base + rate × haversine km, or distance bands) for ship groups; every shipment beyond the first is a split and
costs the split penalty; an unfilled line costs the unfilled penalty; with promise dates on, each day a line is
predicted after its promise costs the late cost. A shipment also uses one order of the node's daily capacity
on the group's day. Lines are routed whole (a line is never split across nodes).

Strategies are plugins behind one interface (`Strategy.route(problem) -> Assignment`, registered in
STRATEGIES): `channel_origin` (today's channel-bound routing), `rules` (an ordered sourcing sequence) and
`optimal` (a MILP per batch, HiGHS through scipy). `route_orders` runs one over the orders batch by batch,
carrying ATP and capacity forward, and checks every assignment (`validate`): a plugin that breaks a constraint
is reported, not trusted. Pure numpy (+ scipy for the MILP): no Flask, no ORM.

Modules:
- `cost_model.py`: CostModel, CostModelError, `parse_cost_model`, CRITERIA and ORIGINS;
- `model.py`: the typed inputs and outputs — Network (`network_from_rows`), Orders (`orders_from_rows`),
  Problem, Assignment, the Strategy protocol, Violation, RoutingResult — and the unfilled REASONS codes;
- `problem.py`: `build_problem` (orders grouped and sorted, distances, shipment costs, allowed nodes),
  `haversine_km`, `dense_atp`;
- `validation.py`: `validate` (every constraint an assignment breaks), `shipments`, `assignment_cost`;
- `greedy.py`: `greedy_route`, the sourcing sequence behind `rules` and `channel_origin`;
- `milp.py`: `solve_milp`, the `optimal` strategy's MILP (HiGHS via scipy), rules as fallback;
- `strategies.py`: the three built-in plugins, `origin_mask`, STRATEGIES and `register`;
- `route.py`: `route_orders`, one strategy over all orders batch by batch;
- `metrics.py`: `routing_metrics`, the run's figures (docs/routing.md), `promise_metrics`;
- `promise.py`: promise dates (optional): PromiseSettings, `parse_promise`, promised and predicted days, NO_PROMISE;
- `guided.py`: `guided_route`, the LP-guided heuristic; `formulation.py`: the MILP as matrices, one HiGHS solve;
- `instances.py`: generated retail instances (bench and tests).
"""

from app.engines.routing.cost_model import CRITERIA, ORIGINS, CostModel, CostModelError, parse_cost_model
from app.engines.routing.greedy import greedy_route
from app.engines.routing.metrics import routing_metrics
from app.engines.routing.milp import solve_milp
from app.engines.routing.model import (
    R_CAP,
    R_COORD,
    R_DIST,
    R_ELIG,
    R_FENCE,
    R_REJECTED,
    R_SKU,
    R_SPLITS,
    R_STOCK,
    R_STORE,
    REASONS,
    UNLIMITED,
    Assignment,
    Network,
    Orders,
    Problem,
    RoutingResult,
    Strategy,
    Violation,
    network_from_rows,
    orders_from_rows,
)
from app.engines.routing.problem import EARTH_KM, build_problem, dense_atp, haversine_km
from app.engines.routing.promise import NO_PROMISE, PromiseSettings, parse_promise
from app.engines.routing.route import route_orders
from app.engines.routing.strategies import (
    STRATEGIES,
    ChannelOriginStrategy,
    OptimalStrategy,
    RulesStrategy,
    origin_mask,
    register,
)
from app.engines.routing.validation import assignment_cost, shipments, validate

__all__ = [
    "CRITERIA", "EARTH_KM", "NO_PROMISE", "ORIGINS", "PromiseSettings", "parse_promise",
    "REASONS", "R_CAP", "R_COORD", "R_DIST", "R_ELIG", "R_FENCE", "R_REJECTED",
    "R_SKU", "R_SPLITS", "R_STOCK", "R_STORE", "STRATEGIES", "UNLIMITED", "Assignment", "ChannelOriginStrategy",
    "CostModel", "CostModelError", "Network", "OptimalStrategy", "Orders", "Problem", "RoutingResult",
    "RulesStrategy", "Strategy", "Violation", "assignment_cost", "build_problem", "dense_atp", "greedy_route",
    "haversine_km", "network_from_rows", "orders_from_rows", "origin_mask", "parse_cost_model", "register",
    "route_orders", "routing_metrics", "shipments", "solve_milp", "validate",
]
