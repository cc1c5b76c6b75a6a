"""The rules editor's HTML form <-> the rules JSON document (app.engines.rules).

The eligibility matrix has one cell per channel × fulfilment × location type: "" (no), "all" (every location
of the type) or "flagged" (only those flagged ship_from / pickup). Each row becomes at most two grants.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from app.engines.atp import FULFILMENTS, LOCATION_TYPES, channel_key
from app.web.atp.rules_form_levels import levels_form, levels_from_form, spec_of

UNITS = ("quantity", "percent")


def _split(text: str) -> list[str]:
    return [t for t in (p.strip() for p in re.split(r"[,\n]", text or "")) if t]


def _spec(value: str, unit: str) -> dict[str, Any] | None:
    value = (value or "").strip()
    if not value:
        return None
    number: Any = value  # left as text when not a number: the rules check says what is wrong with it
    with contextlib.suppress(ValueError):
        number = float(value) if unit == "percent" else int(value)
    return {unit if unit in UNITS else "quantity": number}


def _spec_lines(text: str) -> dict[str, Any]:
    """'LON-OXF = 5' / 'NW-1 = 10%' lines -> {key: spec}."""
    out: dict[str, Any] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            continue
        value = value.strip()
        unit = "percent" if value.endswith("%") else "quantity"
        out[key.strip()] = _spec(value.rstrip("%").strip(), unit)
    return out


def document_from_form(form, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the rules document from the posted editor form (`current`: the stored document, for the
    sections only the JSON editor changes)."""
    levels = levels_from_form(form, current or {})
    channels = [channel_key(c) for c in _split(form.get("channels", ""))]
    grants = []
    for i, channel in enumerate(channels):
        for fulfil in FULFILMENTS:
            cells = {t: form.get(f"grant-{i}-{fulfil}-{t}", "") for t in LOCATION_TYPES}
            every = [t for t, v in cells.items() if v == "all"]
            flagged = [t for t, v in cells.items() if v == "flagged"]
            locations = _split(form.get(f"grant-{i}-{fulfil}-locations", ""))
            exclude = _split(form.get(f"grant-{i}-{fulfil}-exclude", ""))
            if every or locations:
                grants.append({"channel": channel, "fulfillment": fulfil, "location_types": every,
                               "locations": locations, "exclude_locations": exclude, "only_flagged": False})
            if flagged:
                grants.append({"channel": channel, "fulfillment": fulfil, "location_types": flagged, "locations": [],
                               "exclude_locations": exclude, "only_flagged": True})
    fences = []
    for i, channel in enumerate(channels):
        spec = _spec(form.get(f"fence-{i}-value", ""), form.get(f"fence-{i}-unit", "percent"))
        if spec is not None:
            priority = form.get(f"fence-{i}-priority", "") or "999"
            fences.append((int(priority) if priority.isdigit() else 999, i, {"channel": channel, **spec}))
    by_type = {}
    for t in LOCATION_TYPES:
        spec = _spec(form.get(f"safety-{t}-value", ""), form.get(f"safety-{t}-unit", "quantity"))
        if spec is not None:
            by_type[t] = spec
    thresholds = {}
    for t in LOCATION_TYPES:
        raw = (form.get(f"threshold-{t}", "") or "").strip()
        if raw:
            thresholds[t] = int(raw) if raw.isdigit() else spec_of(raw) if raw.endswith("%") else raw
    thresholds.update(levels["thresholds"])
    horizon = (form.get("in_transit_horizon_days", "") or "0").strip()
    discount = (form.get("in_transit_discount_percent", "") or "0").strip()
    return {
        "channels": channels,
        "channel_map": {c: form.get(f"channel_map-{i}", "") for i, c in enumerate(channels)
                        if form.get(f"channel_map-{i}", "")},
        "safety_stock": {
            "default": _spec(form.get("safety-default-value", ""), form.get("safety-default-unit", "quantity")),
            "by_type": by_type,
            "by_location": _spec_lines(form.get("safety_locations", "")),
            "by_sku_group": levels["safety_by_sku_group"],
            "by_sku": _spec_lines(form.get("safety_skus", "")),
            "use_dataset_column": form.get("use_dataset_column") == "on",
        },
        "sku_groups": levels["sku_groups"],
        "thresholds": thresholds,
        "network": levels["network"],
        "reservations": levels["reservations"],
        "in_transit": {
            "enabled": form.get("in_transit_enabled") == "on",
            "horizon_days": int(horizon) if horizon.isdigit() else horizon,
            "discount_percent": _number(discount),
            **levels["in_transit"],
        },
        "segments": levels["segments"],
        "distribution": levels["distribution"],
        "eligibility": {"default": form.get("eligibility_default", "all"), "grants": grants},
        "allocation": {
            "mode": form.get("allocation_mode", "shared"),
            "ring_fences": [f for _, _, f in sorted(fences, key=lambda x: (x[0], x[1]))],
            "unused": form.get("unused", "keep"),
        },
        "backorders": form.get("backorders") == "on",
    }


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def form_from_document(document: dict[str, Any], suggested_channels: list[str]) -> dict[str, Any]:
    """What the editor shows for a document: channels, matrix cells, fences, safety lines."""
    grants = document.get("eligibility", {}).get("grants", [])
    fences = document.get("allocation", {}).get("ring_fences", [])
    channels: list[str] = []
    for c in [*document.get("channels", []), *(g["channel"] for g in grants), *(f["channel"] for f in fences)] or \
            suggested_channels:
        if channel_key(c) not in channels:
            channels.append(channel_key(c))
    cells: dict[tuple[int, str, str], str] = {}
    extra: dict[tuple[int, str], dict[str, list[str]]] = {}
    for g in grants:
        i = channels.index(channel_key(g["channel"]))
        for t in g.get("location_types", []):
            cells[(i, g["fulfillment"], t)] = "flagged" if g.get("only_flagged") else "all"
        slot = extra.setdefault((i, g["fulfillment"]), {"locations": [], "exclude": []})
        slot["locations"] += [x for x in g.get("locations", []) if x not in slot["locations"]]
        slot["exclude"] += [x for x in g.get("exclude_locations", []) if x not in slot["exclude"]]
    fence_of = {}
    for priority, f in enumerate(fences, start=1):
        unit = "quantity" if "quantity" in f else "percent"
        fence_of[channel_key(f["channel"])] = {"value": f[unit], "unit": unit, "priority": priority}

    def lines(specs: dict[str, Any]) -> str:
        return "\n".join(f"{k} = {v['quantity']}" if "quantity" in v else f"{k} = {v['percent']:g}%"
                         for k, v in specs.items())

    safety = document.get("safety_stock", {})
    return {
        "channels": channels,
        "channel_map": document.get("channel_map", {}),
        "cells": cells,
        "extra": extra,
        "fences": fence_of,
        "safety_default": safety.get("default"),
        "safety_by_type": safety.get("by_type", {}),
        "safety_locations": lines(safety.get("by_location", {})),
        "safety_skus": lines(safety.get("by_sku", {})),
        "use_dataset_column": safety.get("use_dataset_column", True),
        **levels_form(document),
    }
