"""The routing cost model: costs and routing policy of a design, and `parse_cost_model` that validates it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.engines.atp import channel_key
from app.engines.routing.promise import PromiseSettings, parse_promise

CRITERIA = ("single_node", "cost", "distance", "priority", "balance")
ORIGINS = ("dc", "own_store")  # or a location id


class CostModelError(ValueError):
    """Bad cost model parameters: `errors` maps field -> message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class CostModel:
    """Costs and routing policy of a design (currency units; distances in km). Build with `parse_cost_model`."""

    base: float = 4.0  # per ship shipment
    rate_per_km: float = 0.02
    bands: tuple[tuple[float, float], ...] = ()  # (up to km, shipping cost), ascending; replaces base + rate
    handling_default: float = 1.5  # per shipment, where the locations dataset gives no handling_cost
    split_penalty: float = 3.0  # per shipment beyond the first of a group
    unfilled_penalty: float = 60.0  # per unfilled line
    max_distance_km: float | None = None  # promise: no ship shipment from farther than this
    max_splits: int = 2  # extra shipments allowed per group
    criteria: tuple[str, ...] = ("single_node", "cost", "priority", "balance")  # the rules strategy's ranking
    node_priority: tuple[tuple[str, int], ...] = ()  # lower first; unlisted nodes rank 100
    origin: tuple[tuple[str, str], ...] = (("web", "dc"), ("store", "own_store"))  # channel_origin's sources
    origin_default: str = "dc"
    batch_orders: int = 2000  # optimal: groups per MILP when the run is too big for one
    # optimal: up to this many groups the whole run is one MILP; at 20,000 HiGHS overran a 120 s limit by far
    horizon_groups: int = 2_000
    time_limit_s: float = 30.0  # optimal: per MILP (the whole run, or each batch)
    mip_gap: float = 1e-4  # optimal: relative gap at which HiGHS stops
    promise: PromiseSettings | None = None  # promise dates and the late cost (promise.py); None: off

    def shipping(self, km: np.ndarray) -> np.ndarray:
        """Shipping cost of one shipment over `km`."""
        km = np.asarray(km, np.float64)
        if not self.bands:
            return self.base + self.rate_per_km * km
        limits = np.array([b[0] for b in self.bands])
        costs = np.array([b[1] for b in self.bands])
        return costs[np.minimum(np.searchsorted(limits, km, side="left"), len(costs) - 1)]

    def to_document(self) -> dict[str, Any]:
        """The JSON form `parse_cost_model` reads."""
        return {
            "base": self.base, "rate_per_km": self.rate_per_km, "bands": [list(b) for b in self.bands],
            "handling_default": self.handling_default, "split_penalty": self.split_penalty,
            "unfilled_penalty": self.unfilled_penalty, "max_distance_km": self.max_distance_km,
            "max_splits": self.max_splits, "criteria": list(self.criteria),
            "node_priority": dict(self.node_priority), "origin": dict(self.origin),
            "origin_default": self.origin_default, "batch_orders": self.batch_orders,
            "horizon_groups": self.horizon_groups,
            "time_limit_s": self.time_limit_s, "mip_gap": self.mip_gap,
            "promise": None if self.promise is None else self.promise.to_document(),
        }


def parse_cost_model(document: Mapping[str, Any] | None) -> CostModel:
    """Validate a JSON cost model (missing keys take the defaults); CostModelError lists every problem."""
    document = dict(document or {})
    default = CostModel()
    errors: dict[str, str] = {}
    known = set(default.to_document())
    for key in document:
        if key not in known:
            errors[key] = f"Unknown setting (known: {', '.join(sorted(known))})."
    values: dict[str, Any] = {}

    def number(key: str, minimum: float = 0.0, allow_none: bool = False, integer: bool = False,
               positive: bool = False) -> None:
        if key not in document:
            return
        raw = document[key]
        if raw is None and allow_none:
            values[key] = None
            return
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            errors[key] = "Must be a number."
        elif integer and int(raw) != raw:
            errors[key] = "Must be a whole number."
        elif raw < minimum or (positive and raw <= 0):
            errors[key] = f"Must be {'more than' if positive else 'at least'} {minimum:g}."
        else:
            values[key] = int(raw) if integer else float(raw)

    for key in ("base", "rate_per_km", "handling_default", "split_penalty", "unfilled_penalty"):
        number(key)
    number("max_distance_km", allow_none=True, positive=True)
    number("max_splits", integer=True)
    number("batch_orders", minimum=1, integer=True)
    number("horizon_groups", integer=True)
    number("time_limit_s", positive=True)
    number("mip_gap")
    if "bands" in document:
        bands = document["bands"]
        ok = isinstance(bands, list) and all(
            isinstance(b, list | tuple) and len(b) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in b)
            for b in bands)
        if not ok:
            errors["bands"] = "Must be a list of [up to km, cost] pairs of numbers ≥ 0."
        elif any(b[0] <= a[0] for a, b in zip(bands, bands[1:], strict=False)):
            errors["bands"] = "Distances must increase."
        else:
            values["bands"] = tuple((float(a), float(b)) for a, b in bands)
    if "criteria" in document:
        crit = document["criteria"]
        if not isinstance(crit, list) or not crit or any(c not in CRITERIA for c in crit) or len(set(crit)) != len(
                crit):
            errors["criteria"] = f"Must be a list of distinct criteria from: {', '.join(CRITERIA)}."
        else:
            values["criteria"] = tuple(crit)
    if "node_priority" in document:
        prio = document["node_priority"]
        if not isinstance(prio, dict) or any(isinstance(v, bool) or not isinstance(v, int) for v in prio.values()):
            errors["node_priority"] = "Must map location ids to whole numbers."
        else:
            values["node_priority"] = tuple(sorted((str(k), int(v)) for k, v in prio.items()))
    if "origin" in document:
        origin = document["origin"]
        if not isinstance(origin, dict) or any(not isinstance(v, str) or not v.strip() for v in origin.values()):
            errors["origin"] = "Must map channels to dc, own_store or a location id."
        else:
            values["origin"] = tuple(sorted((channel_key(k), v.strip()) for k, v in origin.items()))
    if "origin_default" in document:
        if not isinstance(document["origin_default"], str) or not document["origin_default"].strip():
            errors["origin_default"] = "Must be dc, own_store or a location id."
        else:
            values["origin_default"] = document["origin_default"].strip()
    if "promise" in document:
        values["promise"], promise_errors = parse_promise(document["promise"])
        errors.update(promise_errors)
    if errors:
        raise CostModelError(errors)
    return replace(default, **values)
