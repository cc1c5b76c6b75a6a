"""The replay's typed inputs and outputs: OrderLines, Receipts, per-line outcomes, totals, blame, summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engines.atp import Compiled

OK, OVERSOLD, REFUSED, PHANTOM = 0, 1, 2, 3
STATUSES = ("accepted", "oversold", "refused", "phantom")


@dataclass(frozen=True, eq=False)
class OrderLines:
    """Order lines; `channel` indexes `channels`, `sku` indexes the Stock's skus."""

    channels: tuple[str, ...]
    time: np.ndarray  # int64 seconds since the epoch
    channel: np.ndarray  # int32
    fulfillment: np.ndarray  # int8: SHIP or PICKUP
    pickup_node: np.ndarray  # int32, -1 for ship lines
    sku: np.ndarray  # int32
    quantity: np.ndarray  # int64
    unit_price: np.ndarray  # float64, NaN where unknown

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True, eq=False)
class Receipts:
    """Stock arrivals over time."""

    time: np.ndarray  # int64
    sku: np.ndarray  # int32
    node: np.ndarray  # int32
    quantity: np.ndarray  # int64

    @staticmethod
    def empty() -> Receipts:
        """No arrivals."""
        return Receipts(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64))


@dataclass(frozen=True, eq=False)
class LineOutcomes:
    """What happened to each order line (aligned with the input)."""

    status: np.ndarray  # int8: OK, OVERSOLD, REFUSED, PHANTOM
    short: np.ndarray  # int64 units physical stock could not cover (oversold lines)
    visible: np.ndarray  # int64 ATP the channel saw
    true_atp: np.ndarray  # int64 ATP at the moment of the order
    blamed_node: np.ndarray  # int32 node whose stale figure most overstated stock (oversold lines), else -1


@dataclass(frozen=True)
class Totals:
    """Counts for a set of order lines; accepted includes oversold, refused includes phantom."""

    lines: int
    accepted: int
    oversold: int
    refused: int
    phantom: int
    units: int
    oversold_units: int
    phantom_units: int
    value: float | None
    oversold_value: float | None
    phantom_value: float | None

    @property
    def availability_rate(self) -> float:
        """Share of lines the channel accepted."""
        return self.accepted / self.lines if self.lines else 0.0

    @property
    def oversold_rate(self) -> float:
        """Share of lines accepted that stock could not cover."""
        return self.oversold / self.lines if self.lines else 0.0

    @property
    def phantom_rate(self) -> float:
        """Share of lines refused although stock was there."""
        return self.phantom / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class SkuBlame:
    """A SKU behind oversells or phantom stock-outs."""

    sku: str
    oversold_lines: int
    oversold_units: int
    phantom_lines: int


@dataclass(frozen=True)
class LocationBlame:
    """A location whose stale stock figure most overstated availability for oversold lines."""

    location_id: str
    oversold_lines: int
    oversold_units: int


@dataclass(frozen=True)
class ReplaySummary:
    """The replay's figures: overall, per channel, per day × channel, top SKUs and locations."""

    totals: Totals
    by_channel: tuple[tuple[str, Totals], ...]
    by_day: tuple[tuple[str, str, Totals], ...]  # (YYYY-MM-DD, channel, totals)
    top_skus: tuple[SkuBlame, ...]
    top_locations: tuple[LocationBlame, ...]
    latency_seconds: tuple[tuple[str, float], ...]


@dataclass(frozen=True, eq=False)
class ReplayResult:
    """Per-line outcomes and their summary."""

    lines: LineOutcomes
    summary: ReplaySummary
    compiled: Compiled = field(repr=False)
