"""The ATP engine's inputs: rule values (already validated), the network and the stock, as plain arrays."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SHIP, PICKUP = 0, 1
FULFILMENTS = ("ship", "pickup")
LOCATION_TYPES = ("store", "dc", "3pl", "dark_store")
NO_DATE = np.iinfo(np.int64).min  # a missing in-transit ETA (never counted)
DAY = 86_400
CONSUMPTION = ("segment_first", "segment_only")


@dataclass(frozen=True)
class SafetyStock:
    """A quantity held back, or a percentage of on-hand (exactly one); also used for thresholds."""

    quantity: int | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Grant:
    """Locations that may sell to a channel with one fulfilment method (ship or pickup)."""

    channel: str
    fulfillment: str
    location_types: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    exclude_locations: frozenset[str] = frozenset()
    # Only locations flagged ship_from (for ship) or pickup (for pickup) in the locations dataset.
    only_flagged: bool = False


@dataclass(frozen=True)
class RingFence:
    """Stock reserved for one channel: a quantity or a percentage of the SKU's pool."""

    channel: str
    quantity: int | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Reservation:
    """Units held for someone until `expires_at` (seconds since the epoch; None: until released)."""

    sku: str
    quantity: int
    location: str | None = None  # None: held against the network, not one node
    expires_at: int | None = None


@dataclass(frozen=True)
class Segment:
    """Stock set aside per SKU for a customer segment or a marketplace (its `channels`), in list order.

    consumption "segment_first": its channels sell the segment's stock, then the shared rest;
    "segment_only": they sell the segment's stock and nothing else. Other channels never see it.
    """

    name: str
    channels: frozenset[str] = frozenset()
    quantity: int | None = None
    percent: float | None = None
    sku_group: str | None = None  # None: every SKU
    consumption: str = "segment_first"


@dataclass(frozen=True)
class DistributionGroup:
    """A named set of nodes (by location type or id)."""

    name: str
    location_types: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GroupAssignment:
    """A channel (for one SKU group and/or region, None meaning any) sells only from a distribution group."""

    channel: str
    group: str
    sku_group: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Rules:
    """A scenario's ATP rules, already validated (see app.engines.rules for the JSON form).

    Per-node levels, most specific first: SKU › SKU group › location › location type › network (default).
    """

    channels: tuple[str, ...] = ()
    sku_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name → SKUs ("ABC*" matches a prefix)
    safety_default: SafetyStock | None = None
    safety_by_type: tuple[tuple[str, SafetyStock], ...] = ()
    safety_by_location: tuple[tuple[str, SafetyStock], ...] = ()
    safety_by_sku_group: tuple[tuple[str, SafetyStock], ...] = ()
    safety_by_sku: tuple[tuple[str, SafetyStock], ...] = ()
    use_dataset_safety_stock: bool = True
    thresholds: tuple[tuple[str, int | SafetyStock], ...] = ()  # node buffer per location type
    threshold_default: SafetyStock | None = None
    threshold_by_location: tuple[tuple[str, SafetyStock], ...] = ()
    threshold_by_sku_group: tuple[tuple[str, SafetyStock], ...] = ()
    threshold_by_sku: tuple[tuple[str, SafetyStock], ...] = ()
    # Network level (per SKU, on a channel's total): HotWax's online threshold and brokering queue.
    online_threshold: SafetyStock | None = None
    online_threshold_by_sku_group: tuple[tuple[str, SafetyStock], ...] = ()
    online_threshold_by_sku: tuple[tuple[str, SafetyStock], ...] = ()
    online_channels: tuple[str, ...] = ()  # channels the online threshold applies to; () = every channel
    brokering_queue: tuple[tuple[str, int], ...] = ()  # SKU → units captured but not yet allocated
    reservations: tuple[Reservation, ...] = ()
    in_transit: bool = False
    in_transit_horizon_days: int = 0
    in_transit_past_due_days: int | None = 0  # days an overdue ETA still counts; None: for ever
    in_transit_discount_percent: float = 0.0
    in_transit_discount_by_type: tuple[tuple[str, float], ...] = ()  # supply type → discount %
    grants: tuple[Grant, ...] = ()
    eligibility_default: str = "all"  # a channel × fulfilment pair with no grant: "all" locations or "none"
    distribution_groups: tuple[DistributionGroup, ...] = ()
    group_assignments: tuple[GroupAssignment, ...] = ()
    regions: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()
    allocation: str = "shared"  # or "ring_fenced"
    fences: tuple[RingFence, ...] = ()  # in priority order
    unused_fence: str = "keep"  # "share": fence a channel cannot reach goes back to the shared pool
    backorders: bool = False


@dataclass(frozen=True, eq=False)
class Locations:
    """The network's nodes, index-aligned arrays."""

    ids: np.ndarray  # str, (N,)
    types: np.ndarray  # str, (N,)
    ship_from: np.ndarray  # bool, (N,)
    pickup: np.ndarray  # bool, (N,)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Stock:
    """Inventory rows (one SKU at one node each); `skus` may hold SKUs with no row (ordered, never stocked)."""

    skus: np.ndarray  # str, (S,)
    sku: np.ndarray  # int32 index into skus, (R,)
    node: np.ndarray  # int32 index into the locations, (R,)
    on_hand: np.ndarray  # int64, (R,)
    allocated: np.ndarray  # int64, (R,)
    safety_stock: np.ndarray  # int64, (R,); -1 where the dataset gives none
    in_transit: np.ndarray  # int64, (R,)
    eta: np.ndarray  # int64 seconds since the epoch, NO_DATE where unknown, (R,)
    supply_type: np.ndarray | None = None  # int32 index into supply_types, -1 where none, (R,)
    supply_types: tuple[str, ...] = ()


def stock_from_rows(
    skus: Sequence[str],
    sku: Iterable[int],
    node: Iterable[int],
    on_hand: Iterable[int],
    allocated: Iterable[int] | None = None,
    safety_stock: Iterable[int] | None = None,
    in_transit: Iterable[int] | None = None,
    eta: Iterable[int] | None = None,
    supply_type: Iterable[str | None] | None = None,
) -> Stock:
    """Build a Stock from plain sequences (tests, examples); missing columns are zero / not given."""
    sku = list(sku)
    n = len(sku)

    def col(values, default):
        return np.full(n, default, np.int64) if values is None else np.asarray(list(values), np.int64)

    types: tuple[str, ...] = ()
    codes = None
    if supply_type is not None:
        given = list(supply_type)
        types = tuple(sorted({t for t in given if t}))
        codes = np.asarray([types.index(t) if t else -1 for t in given], np.int32)
    return Stock(
        skus=np.asarray(list(skus), dtype=str),
        sku=np.asarray(sku, np.int32),
        node=np.asarray(list(node), np.int32),
        on_hand=col(on_hand, 0),
        allocated=col(allocated, 0),
        safety_stock=col(safety_stock, -1),
        in_transit=col(in_transit, 0),
        eta=col(eta, NO_DATE),
        supply_type=codes,
        supply_types=types,
    )


def locations_from_rows(
    ids: Sequence[str], types: Sequence[str], ship_from: Sequence[bool] | None = None,
    pickup: Sequence[bool] | None = None,
) -> Locations:
    """Build Locations from plain sequences (tests, examples); flags default to False."""
    n = len(ids)
    return Locations(
        ids=np.asarray(list(ids), dtype=str),
        types=np.asarray(list(types), dtype=str),
        ship_from=np.asarray(list(ship_from) if ship_from is not None else [False] * n, bool),
        pickup=np.asarray(list(pickup) if pickup is not None else [False] * n, bool),
    )
