"""Promise dates: transit days by distance band, a cut-off per node, the promised and predicted delivery days.

Optional per run (the cost model's `promise`, None = off). Every routed line gets a *promised* day (the order's
own promised/requested date when the dataset has one, else the order's day + its channel's standard promise)
and, once assigned, a *predicted* delivery day from its node: the order's day, plus one when it was placed after
the node's cut-off (UTC), plus the transit days of the distance band (pickups: no transit, ready at the store).
A line predicted after its promise is late; each late line-day costs `late_cost_per_day`, so the cost-driven
strategies prefer on-time nodes. Days are whole days since 1970-01-01 (UTC).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.engines.atp import DAY, PICKUP, channel_key

NO_PROMISE = np.iinfo(np.int64).min  # a line without a promised date (never late)
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class PromiseSettings:
    """Transit days per distance band, cut-offs per node, standard promise per channel, the late cost."""

    transit_days: tuple[tuple[float, int], ...] = ((50.0, 1), (300.0, 2), (math.inf, 3))  # (up to km, days)
    cutoffs: tuple[tuple[str, int], ...] = ()  # location id -> minutes after midnight UTC
    default_cutoff: int | None = None  # minutes; None: orders ship the day they are placed
    standard_days: tuple[tuple[str, int], ...] = (("web", 3), ("marketplace", 3), ("store", 1))
    default_days: int = 3  # a channel without a standard promise
    late_cost_per_day: float = 5.0  # per line and day late

    def to_document(self) -> dict[str, Any]:
        """The JSON form `parse_promise` reads."""
        return {
            "transit_days": [[None if math.isinf(km) else km, d] for km, d in self.transit_days],
            "cutoffs": {node: _clock(m) for node, m in self.cutoffs},
            "default_cutoff": None if self.default_cutoff is None else _clock(self.default_cutoff),
            "standard_days": dict(self.standard_days), "default_days": self.default_days,
            "late_cost_per_day": self.late_cost_per_day,
        }

    def transit(self, km: np.ndarray) -> np.ndarray:
        """Transit days over `km` (beyond the last band: its days)."""
        limits = np.array([b[0] for b in self.transit_days])
        days = np.array([b[1] for b in self.transit_days], np.int64)
        return days[np.minimum(np.searchsorted(limits, np.asarray(km, np.float64), side="left"), len(days) - 1)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_promise(document: Any) -> tuple[PromiseSettings | None, dict[str, str]]:
    """The settings (None when off) and the errors, keyed `promise.<field>`."""
    if document is None or document is False:
        return None, {}
    if not isinstance(document, Mapping):
        return None, {"promise": "Must be an object of promise settings, or null (off)."}
    default = PromiseSettings()
    errors: dict[str, str] = {}
    known = set(default.to_document())
    for key in document:
        if key not in known:
            errors[f"promise.{key}"] = f"Unknown setting (known: {', '.join(sorted(known))})."
    values: dict[str, Any] = {}
    if "transit_days" in document:
        values["transit_days"] = _bands(document["transit_days"], errors)
    if "cutoffs" in document:
        raw = document["cutoffs"]
        if not isinstance(raw, Mapping):
            errors["promise.cutoffs"] = "Must map location ids to a time HH:MM (UTC)."
        else:
            out = []
            for node, text in raw.items():
                minutes = _minutes(text)
                if minutes is None:
                    errors[f"promise.cutoffs.{node}"] = f"Must be a time HH:MM (UTC), not {text!r}."
                else:
                    out.append((str(node), minutes))
            values["cutoffs"] = tuple(sorted(out))
    if "default_cutoff" in document and document["default_cutoff"] is not None:
        minutes = _minutes(document["default_cutoff"])
        if minutes is None:
            errors["promise.default_cutoff"] = "Must be a time HH:MM (UTC) or null (no cut-off)."
        values["default_cutoff"] = minutes
    elif "default_cutoff" in document:
        values["default_cutoff"] = None
    if "standard_days" in document:
        raw = document["standard_days"]
        if not isinstance(raw, Mapping) or any(not _whole(v) for v in raw.values()):
            errors["promise.standard_days"] = "Must map channels to whole numbers of days ≥ 0."
        else:
            values["standard_days"] = tuple(sorted((channel_key(k), int(v)) for k, v in raw.items()))
    if "default_days" in document:
        if not _whole(document["default_days"]):
            errors["promise.default_days"] = "Must be a whole number of days ≥ 0."
        else:
            values["default_days"] = int(document["default_days"])
    if "late_cost_per_day" in document:
        raw = document["late_cost_per_day"]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
            errors["promise.late_cost_per_day"] = "Must be a number ≥ 0."
        else:
            values["late_cost_per_day"] = float(raw)
    if errors:
        return None, errors
    return replace(default, **values), {}


def _whole(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and \
        int(value) == value and value >= 0


def _minutes(text: Any) -> int | None:
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    return None if match is None else int(match.group(1)) * 60 + int(match.group(2))


def _bands(raw: Any, errors: dict[str, str]) -> tuple[tuple[float, int], ...]:
    """[[up to km, days], …] ascending; the last may have null km (any distance beyond)."""
    message = "Must be a list of [up to km, days] pairs: km a number > 0 (null for the last: any distance), " \
              "days a whole number ≥ 0."
    if not isinstance(raw, list) or not raw:
        errors["promise.transit_days"] = message
        return ()
    out: list[tuple[float, int]] = []
    for i, band in enumerate(raw):
        if not isinstance(band, list | tuple) or len(band) != 2 or not _whole(band[1]):
            errors["promise.transit_days"] = f"Band {i + 1}: {message}"
            return ()
        km = band[0]
        if km is None and i == len(raw) - 1:
            km = math.inf
        if isinstance(km, bool) or not isinstance(km, int | float) or not km > 0:
            errors["promise.transit_days"] = f"Band {i + 1}: {message}"
            return ()
        if out and km <= out[-1][0]:
            errors["promise.transit_days"] = f"Band {i + 1}: distances must increase."
            return ()
        if out and int(band[1]) < out[-1][1]:
            errors["promise.transit_days"] = f"Band {i + 1}: a farther band cannot take fewer days."
            return ()
        out.append((float(km), int(band[1])))
    return tuple(out)


def promised_days(settings: PromiseSettings, channels: tuple[str, ...], time: np.ndarray, channel: np.ndarray,
                  promised: np.ndarray | None) -> np.ndarray:
    """Each line's promised day: its own date (seconds, NO_PROMISE where none), else order day + standard days."""
    standard = dict(settings.standard_days)
    per_channel = np.asarray([standard.get(channel_key(c), settings.default_days) for c in channels] or [0],
                             np.int64)
    out = np.floor_divide(time, DAY) + per_channel[channel]
    if promised is not None:
        own = promised != NO_PROMISE
        out[own] = np.floor_divide(promised[own], DAY)
    return out


def delivery_days(settings: PromiseSettings, node_ids: np.ndarray, group_time: np.ndarray,
                  group_method: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """(G, N) the predicted delivery day of each group from each node (cut-off, then transit by distance)."""
    cut = dict(settings.cutoffs)
    default = 24 * 60 if settings.default_cutoff is None else settings.default_cutoff
    cutoff = np.asarray([cut.get(str(n), default) for n in node_ids.tolist()], np.int64)
    day = np.floor_divide(group_time, DAY)
    minute = np.floor_divide(group_time - day * DAY, 60)
    # placed after the node's cut-off: it leaves the next day
    ship_day = day[:, None] + (minute[:, None] > cutoff[None, :])
    transit = settings.transit(np.nan_to_num(distance, nan=0.0))
    transit[group_method == PICKUP] = 0
    return ship_day + transit


def late_days(promised: np.ndarray | None, delivery: np.ndarray | None, group_of_line: np.ndarray,
              node: np.ndarray) -> np.ndarray:
    """Days late of each line at its node (0 unfilled, on time, or without promise dates)."""
    out = np.zeros(len(node), np.int64)
    if promised is None or delivery is None:
        return out
    ok = node >= 0
    out[ok] = np.maximum(delivery[group_of_line[ok], node[ok]] - promised[ok], 0)
    return out
