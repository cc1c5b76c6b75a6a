"""Routing's typed inputs and outputs: Network, Orders, Problem, Assignment, Strategy, Violation, RoutingResult."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from app.engines.atp import PICKUP, SHIP, channel_key
from app.engines.routing.cost_model import CostModel
from app.engines.routing.promise import NO_PROMISE

UNLIMITED = np.iinfo(np.int64).max // 4
# Why a line is unfilled (index = code; 0 means assigned).
REASONS = ("", "unknown_sku", "no_coordinates", "not_eligible", "max_distance", "no_stock", "capacity",
           "max_splits", "unknown_store", "rejected", "ring_fence")
R_SKU, R_COORD, R_ELIG, R_DIST, R_STOCK, R_CAP, R_SPLITS, R_STORE, R_REJECTED, R_FENCE = range(1, 11)


@dataclass(frozen=True, eq=False)
class Network:
    """Nodes, index-aligned (the ATP engine's Locations plus coordinates, capacity and handling cost)."""

    ids: np.ndarray  # str (N,)
    types: np.ndarray  # str (N,)
    lat: np.ndarray  # float (N,), NaN where unknown
    lon: np.ndarray  # float (N,)
    ship_from: np.ndarray  # bool (N,)
    pickup: np.ndarray  # bool (N,)
    capacity: np.ndarray  # int64 (N,) orders per day, -1 where unlimited
    handling: np.ndarray  # float (N,), NaN where the model's default applies
    # click-and-collect orders per day, -1 where unlimited; separate from `capacity` (dispatch), so a store that
    # does not ship (capacity 0) still hands over pickups
    pickup_capacity: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.pickup_capacity is None:
            object.__setattr__(self, "pickup_capacity", np.full(len(self.ids), -1, np.int64))

    def __len__(self) -> int:
        return len(self.ids)


def network_from_rows(ids: Sequence[str], types: Sequence[str], lat: Sequence[float], lon: Sequence[float],
                      ship_from: Sequence[bool] | None = None, pickup: Sequence[bool] | None = None,
                      capacity: Sequence[int] | None = None, handling: Sequence[float] | None = None,
                      pickup_capacity: Sequence[int] | None = None) -> Network:
    """A Network from plain sequences (tests, examples): flags default to True, capacities to unlimited."""
    n = len(ids)
    return Network(np.asarray(list(ids), str), np.asarray(list(types), str), np.asarray(lat, np.float64),
                   np.asarray(lon, np.float64),
                   np.asarray(ship_from if ship_from is not None else [True] * n, bool),
                   np.asarray(pickup if pickup is not None else [True] * n, bool),
                   np.asarray(capacity if capacity is not None else [-1] * n, np.int64),
                   np.asarray(handling if handling is not None else [np.nan] * n, np.float64),
                   np.asarray(pickup_capacity if pickup_capacity is not None else [-1] * n, np.int64))


@dataclass(frozen=True, eq=False)
class Orders:
    """Order lines (any order); `sku` indexes the SKU list (-1: unknown), `channel` indexes `channels`."""

    channels: tuple[str, ...]
    order_id: np.ndarray  # str (L,)
    time: np.ndarray  # int64 seconds
    channel: np.ndarray  # int32
    fulfillment: np.ndarray  # int8 SHIP / PICKUP
    pickup_node: np.ndarray  # int32, -1 for ship lines (or an unknown store)
    lat: np.ndarray  # float ship-to, NaN where not given
    lon: np.ndarray
    sku: np.ndarray  # int32
    quantity: np.ndarray  # int64
    promised: np.ndarray | None = None  # int64 seconds: the order's promised/requested date, NO_PROMISE if none

    def __len__(self) -> int:
        return len(self.time)


def orders_from_rows(rows: Sequence[Mapping[str, Any]], skus: Sequence[str], nodes: Sequence[str]) -> Orders:
    """Orders from dicts {order_id, channel, fulfillment, sku, quantity, time?, lat?, lon?, pickup?, promised?}."""
    channels: list[str] = []
    for r in rows:
        if channel_key(r["channel"]) not in channels:
            channels.append(channel_key(r["channel"]))
    sku_at = {s: i for i, s in enumerate(skus)}
    node_at = {s: i for i, s in enumerate(nodes)}
    return Orders(
        channels=tuple(channels),
        order_id=np.asarray([str(r["order_id"]) for r in rows], str),
        time=np.asarray([int(r.get("time", 0)) for r in rows], np.int64),
        channel=np.asarray([channels.index(channel_key(r["channel"])) for r in rows], np.int32),
        fulfillment=np.asarray([PICKUP if r["fulfillment"] == "pickup" else SHIP for r in rows], np.int8),
        pickup_node=np.asarray([node_at.get(r.get("pickup"), -1) for r in rows], np.int32),
        lat=np.asarray([r.get("lat", np.nan) for r in rows], np.float64),
        lon=np.asarray([r.get("lon", np.nan) for r in rows], np.float64),
        sku=np.asarray([sku_at.get(r["sku"], -1) for r in rows], np.int32),
        quantity=np.asarray([int(r["quantity"]) for r in rows], np.int64),
        promised=np.asarray([NO_PROMISE if r.get("promised") is None else int(r["promised"]) for r in rows],
                            np.int64),
    )


@dataclass(frozen=True, eq=False)
class Problem:
    """One batch to route: its groups and lines (lines sorted by group), the ATP and capacity still left.

    `group_start[g]:group_start[g+1]` are group g's lines. `allowed` (G, N) is what the scenario permits for
    each group (eligibility, location flags, promise distance, known coordinates); strategies may narrow it.
    """

    network: Network
    cost: CostModel
    channels: tuple[str, ...]
    skus: np.ndarray  # (S,)
    atp: np.ndarray  # int64 (S, N) still available
    capacity: np.ndarray  # int64 (D, N) ship orders still possible per day (UNLIMITED where no limit)
    days: np.ndarray  # int64 (D,) day numbers since the epoch
    group_order: np.ndarray  # str (G,)
    group_channel: np.ndarray  # int32 (G,)
    group_method: np.ndarray  # int8 (G,)
    group_day: np.ndarray  # int32 (G,) index into days
    group_node: np.ndarray  # int32 (G,) pickup store, -1 for ship groups
    group_start: np.ndarray  # int64 (G + 1,)
    distance: np.ndarray  # float (G, N) km; 0 for pickup groups, NaN where unknown
    ship_cost: np.ndarray  # float (G, N): cost of one shipment from the node (shipping + handling)
    allowed: np.ndarray  # bool (G, N)
    block: np.ndarray  # int8 (G,): a reason that blocks the whole group, 0 if none
    sku: np.ndarray  # int32 (L,), -1 unknown
    quantity: np.ndarray  # int64 (L,)
    line_index: np.ndarray  # int64 (L,): position in the original orders
    pickup_capacity: np.ndarray | None = None  # int64 (D, N) pickups still possible per day; None: unlimited
    # int64 (S, C) units each channel may still take of each SKU network-wide (the ATP rules' ring-fenced
    # allocation); None where stock is shared
    channel_cap: np.ndarray | None = None
    # promise dates (cost.promise set): each line's promised day (L,) and each group's delivery day per node (G, N)
    promised: np.ndarray | None = None
    delivery: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.pickup_capacity is None:
            object.__setattr__(self, "pickup_capacity", np.full(self.capacity.shape, UNLIMITED, np.int64))

    def late_cost(self, g: int, nodes: np.ndarray) -> np.ndarray:
        """The late cost of all of group g's lines at each of `nodes` (zeros without promise dates)."""
        if self.delivery is None or self.promised is None or self.cost.promise is None:
            return np.zeros(len(nodes))
        lo, hi = int(self.group_start[g]), int(self.group_start[g + 1])
        late = np.maximum(self.delivery[g, nodes][None, :] - self.promised[lo:hi, None], 0).sum(axis=0)
        return self.cost.promise.late_cost_per_day * late

    def group_capacity(self, cap: np.ndarray, pickup_cap: np.ndarray, g: int) -> np.ndarray:
        """The capacity row (N,) group g draws on: pickup capacity for a pickup group, dispatch otherwise."""
        return pickup_cap[self.group_day[g]] if self.group_method[g] == PICKUP else cap[self.group_day[g]]

    @property
    def n_groups(self) -> int:
        """Number of groups (G)."""
        return len(self.group_order)

    @property
    def group_of_line(self) -> np.ndarray:
        """The group of each line (L,)."""
        return np.repeat(np.arange(self.n_groups), np.diff(self.group_start))

    def priority(self) -> np.ndarray:
        """Node priority (N,), lower first."""
        out = np.full(len(self.network), 100, np.int64)
        at = {s: i for i, s in enumerate(self.network.ids.tolist())}
        for node, rank in self.cost.node_priority:
            if node in at:
                out[at[node]] = rank
        return out


@dataclass(frozen=True, eq=False)
class Assignment:
    """Per line of the problem: the node (-1 unfilled) and the reason code (REASONS; 0 when assigned)."""

    node: np.ndarray  # int32 (L,)
    reason: np.ndarray  # int8 (L,)
    info: dict[str, Any] = field(default_factory=dict)


class Strategy(Protocol):
    """A routing strategy plugin: register an instance in STRATEGIES under its name."""

    name: str
    description: str

    def route(self, problem: Problem) -> Assignment:
        """A node (or an unfilled reason) for every line of the batch."""
        ...


@dataclass(frozen=True)
class Violation:
    """A constraint an assignment breaks."""

    kind: str  # atp, capacity, eligibility, pickup_store, max_splits, reason, shape
    detail: str


@dataclass(frozen=True, eq=False)
class RoutingResult:
    """A strategy's routing of every order line (aligned with the input Orders), with checks and metrics."""

    strategy: str
    node: np.ndarray  # int32 (L,), -1 unfilled
    reason: np.ndarray  # int8 (L,)
    violations: tuple[Violation, ...]
    batches: tuple[dict[str, Any], ...]
    metrics: dict[str, Any]
    # promise dates (None when off): each line's promised and predicted delivery day (days since 1970-01-01;
    # predicted is NO_PROMISE for an unfilled line)
    promised: np.ndarray | None = None
    predicted: np.ndarray | None = None

    @property
    def trusted(self) -> bool:
        """False when the strategy broke a constraint."""
        return not self.violations
