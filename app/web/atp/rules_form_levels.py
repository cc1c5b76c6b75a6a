"""The rules editor's fields for SKU groups, levels, the network level, reservations and in-transit windows.

Each textarea takes one entry per line ("coats = COAT-*, PARKA-1", "SKU-1 = 5" or "= 12.5%",
"SKU-1, LON-OXF, 2, 2025-03-10T18:00Z"). A value that is not a number is passed on as text, so the rules check
names its place ("reservations[0].quantity") instead of the form guessing. Segments and distribution groups
are edited as JSON: the form keeps whatever the stored document holds.
"""

from __future__ import annotations

import contextlib
from typing import Any

KEPT = ("segments", "distribution")  # sections the form does not show: kept from the stored document
LEVELS = ("default", "by_location", "by_sku_group", "by_sku")


def _value(text: str) -> Any:
    text = text.strip()
    with contextlib.suppress(ValueError):
        return int(text)
    with contextlib.suppress(ValueError):
        return float(text)
    return text


def spec_of(text: str) -> dict[str, Any] | None:
    """"5" → {"quantity": 5}; "12.5%" → {"percent": 12.5}; blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.endswith("%"):
        return {"percent": _value(text[:-1])}
    return {"quantity": _value(text)}


def _pairs(text: str) -> list[tuple[str, str]]:
    out = []
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            out.append((key.strip(), value.strip()))
    return out


def spec_lines(text: str) -> dict[str, Any]:
    """"KEY = 5" / "KEY = 10%" lines → {key: spec}."""
    return {k: spec_of(v) for k, v in _pairs(text)}


def levels_from_form(form, current: dict[str, Any]) -> dict[str, Any]:
    """The sections this module edits, as document fragments, plus the kept ones from `current`."""
    thresholds: dict[str, Any] = {}
    default = spec_of(form.get("threshold-default", ""))
    if default:
        thresholds["default"] = default
    for key in LEVELS[1:]:
        lines = spec_lines(form.get(f"threshold-{key}", ""))
        if lines:
            thresholds[key] = lines
    reservations = []
    for line in (form.get("reservations", "") or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")] + ["", "", ""]
        item: dict[str, Any] = {"sku": parts[0], "quantity": _value(parts[2])}
        if parts[1] and parts[1] != "*":
            item["location"] = parts[1]
        if parts[3]:
            item["expires_at"] = parts[3]
        reservations.append(item)
    past_due = (form.get("in_transit_past_due_days", "") or "").strip()
    online = [c.strip() for c in (form.get("online_channels", "") or "").split(",") if c.strip()]
    return {
        "sku_groups": {k: [m.strip() for m in v.split(",") if m.strip()]
                       for k, v in _pairs(form.get("sku_groups", ""))},
        "safety_by_sku_group": spec_lines(form.get("safety_sku_groups", "")),
        "thresholds": thresholds,
        "network": {
            "online_threshold": spec_of(form.get("online_threshold", "")),
            "channels": online,
            "by_sku_group": spec_lines(form.get("online_sku_groups", "")),
            "by_sku": spec_lines(form.get("online_skus", "")),
            "brokering_queue": {k: _value(v) for k, v in _pairs(form.get("brokering_queue", ""))},
        },
        "reservations": reservations,
        "in_transit": {
            "past_due_days": None if past_due in ("", "*") else _value(past_due),
            "discount_by_type": {k: _value(v) for k, v in _pairs(form.get("discount_by_type", ""))},
        },
        **{key: current.get(key, [] if key == "segments" else {}) for key in KEPT},
    }


def _spec_text(spec: Any) -> str:
    if not isinstance(spec, dict):
        return ""
    return f"{spec['percent']:g}%" if "percent" in spec else str(spec.get("quantity", ""))


def _lines(specs: Any) -> str:
    return "\n".join(f"{k} = {_spec_text(v)}" for k, v in (specs or {}).items())


def levels_form(document: dict[str, Any]) -> dict[str, Any]:
    """What the editor shows for these sections."""
    thresholds = document.get("thresholds", {}) or {}
    network = document.get("network", {}) or {}
    transit = document.get("in_transit", {}) or {}
    past_due = transit.get("past_due_days", 0)
    return {
        "sku_groups": "\n".join(f"{k} = {', '.join(v)}" for k, v in (document.get("sku_groups") or {}).items()),
        "safety_sku_groups": _lines((document.get("safety_stock") or {}).get("by_sku_group")),
        "threshold_by_type": {t: _spec_text(v) if isinstance(v, dict) else str(v)
                              for t, v in thresholds.items() if t not in LEVELS},
        "threshold_default": _spec_text(thresholds.get("default")),
        "threshold_by_location": _lines(thresholds.get("by_location")),
        "threshold_by_sku_group": _lines(thresholds.get("by_sku_group")),
        "threshold_by_sku": _lines(thresholds.get("by_sku")),
        "online_threshold": _spec_text(network.get("online_threshold")),
        "online_channels": ", ".join(network.get("channels", [])),
        "online_sku_groups": _lines(network.get("by_sku_group")),
        "online_skus": _lines(network.get("by_sku")),
        "brokering_queue": "\n".join(f"{k} = {v}" for k, v in (network.get("brokering_queue") or {}).items()),
        "reservations": "\n".join(
            ", ".join([r.get("sku", ""), r.get("location") or "*", str(r.get("quantity", "")),
                       r.get("expires_at") or ""]).rstrip(", ") for r in document.get("reservations", []) or []),
        "past_due_days": "*" if past_due is None else past_due,
        "discount_by_type": "\n".join(f"{k} = {v:g}" for k, v in (transit.get("discount_by_type") or {}).items()),
        "segments": len(document.get("segments", []) or []),
        "distribution_groups": len((document.get("distribution") or {}).get("groups", {}) or {}),
    }
