"""The JSON form of a scenario's ATP rules: parse and check it into `atp.Rules`, and write it back.

Errors are keyed by the place in the document ("safety_stock.by_type.store.percent") so an editor can put
each message beside its field. The format is documented in docs/atp.md.
"""

from __future__ import annotations

from typing import Any

from app.engines.atp import FULFILMENTS, LOCATION_TYPES, Grant, RingFence, Rules, channel_key
from app.engines.rules import sections
from app.engines.rules.fields import Errors as _Errors
from app.engines.rules.fields import check_bool as _bool
from app.engines.rules.fields import names as _names
from app.engines.rules.fields import spec as _safety
from app.engines.rules.fields import spec_doc, spec_map

ELIGIBILITY_DEFAULTS = ("all", "none")
ALLOCATION_MODES = ("shared", "ring_fenced")
UNUSED_FENCE = ("keep", "share")
KEYS = ("channels", "channel_map", "sku_groups", "safety_stock", "thresholds", "network", "reservations",
        "in_transit", "eligibility", "distribution", "segments", "allocation", "backorders")


def default_document() -> dict[str, Any]:
    """Rules for a scenario nobody has edited yet: one shared pool, every location sells everywhere."""
    return rules_to_document(Rules())


def parse_rules(document: Any) -> tuple[Rules | None, dict[str, list[str]]]:
    """(Rules, {}) for a valid document, or (None, errors keyed by place)."""
    errors = _Errors()
    if not isinstance(document, dict):
        return None, {"rules": ["Rules are a JSON object."]}
    for key in document:
        if key not in KEYS:
            errors.add(str(key), f"Unknown setting; known: {', '.join(KEYS)}.")
    channels = _channels(document.get("channels", []), "channels", errors)
    _channel_map(document.get("channel_map", {}), errors)
    groups = sections.sku_groups(document, errors)
    group_names = [name for name, _ in groups]
    safety = document.get("safety_stock", {}) or {}
    if not isinstance(safety, dict):
        errors.add("safety_stock", "Must be an object.")
        safety = {}
    default = _safety(safety.get("default"), "safety_stock.default", errors) if safety.get("default") else None
    by_type = spec_map(safety.get("by_type", {}), "safety_stock.by_type", errors, LOCATION_TYPES)
    by_location = spec_map(safety.get("by_location", {}), "safety_stock.by_location", errors)
    by_group = spec_map(safety.get("by_sku_group", {}), "safety_stock.by_sku_group", errors, tuple(group_names),
                        "SKU group")
    by_sku = spec_map(safety.get("by_sku", {}), "safety_stock.by_sku", errors)
    use_column = _bool(safety.get("use_dataset_column", True), "safety_stock.use_dataset_column", errors)
    levels = sections.thresholds(document, group_names, errors)
    network = sections.network(document, group_names, errors)
    held = sections.reservations(document, errors)
    transit = sections.in_transit(document, errors)
    grants, eligibility_default = _eligibility(document.get("eligibility", {}) or {}, errors)
    distribution = sections.distribution(document, group_names, errors)
    segments = sections.segments(document, group_names, errors)
    allocation, fences, unused = _allocation(document.get("allocation", {}) or {}, errors)
    backorders = _bool(document.get("backorders", False), "backorders", errors)
    if errors:
        return None, dict(errors)
    return Rules(
        channels=tuple(channels),
        sku_groups=tuple(groups),
        safety_default=default,
        safety_by_type=tuple(by_type),
        safety_by_location=tuple(by_location),
        safety_by_sku_group=tuple(by_group),
        safety_by_sku=tuple(by_sku),
        use_dataset_safety_stock=use_column,
        **levels,
        **network,
        reservations=held,
        **transit,
        grants=tuple(grants),
        eligibility_default=eligibility_default,
        **distribution,
        segments=segments,
        allocation=allocation,
        fences=tuple(fences),
        unused_fence=unused,
        backorders=backorders,
    ), {}


def rules_to_document(rules: Rules, channel_map: dict[str, str] | None = None) -> dict[str, Any]:
    """The canonical JSON document of a Rules value (what is stored and shown)."""
    extra = sections.documents(rules)
    return {
        "channels": list(rules.channels),
        "channel_map": dict(channel_map or {}),
        "sku_groups": extra["sku_groups"],
        "safety_stock": {
            "default": spec_doc(rules.safety_default) if rules.safety_default else None,
            "by_type": {k: spec_doc(v) for k, v in rules.safety_by_type},
            "by_location": {k: spec_doc(v) for k, v in rules.safety_by_location},
            "by_sku_group": {k: spec_doc(v) for k, v in rules.safety_by_sku_group},
            "by_sku": {k: spec_doc(v) for k, v in rules.safety_by_sku},
            "use_dataset_column": rules.use_dataset_safety_stock,
        },
        "thresholds": extra["thresholds"],
        "network": extra["network"],
        "reservations": extra["reservations"],
        "in_transit": extra["in_transit"],
        "eligibility": {
            "default": rules.eligibility_default,
            "grants": [
                {
                    "channel": g.channel,
                    "fulfillment": g.fulfillment,
                    "location_types": sorted(g.location_types),
                    "locations": sorted(g.locations),
                    "exclude_locations": sorted(g.exclude_locations),
                    "only_flagged": g.only_flagged,
                }
                for g in rules.grants
            ],
        },
        "distribution": extra["distribution"],
        "segments": extra["segments"],
        "allocation": {
            "mode": rules.allocation,
            "ring_fences": [
                {"channel": f.channel, **({"quantity": f.quantity} if f.quantity is not None else
                                          {"percent": f.percent})}
                for f in rules.fences
            ],
            "unused": rules.unused_fence,
        },
        "backorders": rules.backorders,
    }


# --- pieces ---------------------------------------------------------------------------------------


def _channels(value: Any, where: str, errors: _Errors) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.add(where, "Must be a list of channel names (as they appear in the orders dataset).")
        return []
    seen: list[str] = []
    for v in value:
        if channel_key(v) in seen:
            errors.add(where, f"Channel {v!r} is listed twice.")
        seen.append(channel_key(v))
    return seen


def _channel_map(value: Any, errors: _Errors) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        errors.add("channel_map", "Must map dataset channel names to catalog channel names.")


def _eligibility(value: Any, errors: _Errors) -> tuple[list[Grant], str]:
    if not isinstance(value, dict):
        errors.add("eligibility", "Must be an object with default and grants.")
        return [], "all"
    default = value.get("default", "all")
    if default not in ELIGIBILITY_DEFAULTS:
        errors.add("eligibility.default", f"Must be one of: {', '.join(ELIGIBILITY_DEFAULTS)}.")
    grants = []
    raw = value.get("grants", [])
    if not isinstance(raw, list):
        errors.add("eligibility.grants", "Must be a list.")
        raw = []
    for i, g in enumerate(raw):
        where = f"eligibility.grants[{i}]"
        if not isinstance(g, dict):
            errors.add(where, "Must be an object.")
            continue
        channel = g.get("channel")
        if not isinstance(channel, str) or not channel.strip():
            errors.add(f"{where}.channel", "A channel is required.")
        if g.get("fulfillment") not in FULFILMENTS:
            errors.add(f"{where}.fulfillment", f"Must be one of: {', '.join(FULFILMENTS)}.")
        types = _names(g.get("location_types", []), f"{where}.location_types", errors)
        unknown = types - set(LOCATION_TYPES)
        if unknown:
            errors.add(f"{where}.location_types", f"Unknown location type(s): {', '.join(sorted(unknown))}.")
        locations = _names(g.get("locations", []), f"{where}.locations", errors)
        exclude = _names(g.get("exclude_locations", []), f"{where}.exclude_locations", errors)
        flagged = _bool(g.get("only_flagged", False), f"{where}.only_flagged", errors)
        if not types and not locations:
            errors.add(where, "Name at least one location type or location.")
        if isinstance(channel, str) and channel.strip() and g.get("fulfillment") in FULFILMENTS:
            grants.append(Grant(channel_key(channel), g["fulfillment"], types, locations, exclude, flagged))
    return grants, default if default in ELIGIBILITY_DEFAULTS else "all"


def _allocation(value: Any, errors: _Errors) -> tuple[str, list[RingFence], str]:
    if not isinstance(value, dict):
        errors.add("allocation", "Must be an object with mode, ring_fences and unused.")
        return "shared", [], "keep"
    mode = value.get("mode", "shared")
    if mode not in ALLOCATION_MODES:
        errors.add("allocation.mode", f"Must be one of: {', '.join(ALLOCATION_MODES)}.")
    unused = value.get("unused", "keep")
    if unused not in UNUSED_FENCE:
        errors.add("allocation.unused", f"Must be one of: {', '.join(UNUSED_FENCE)}.")
    fences: list[RingFence] = []
    raw = value.get("ring_fences", [])
    if not isinstance(raw, list):
        errors.add("allocation.ring_fences", "Must be a list, highest priority first.")
        raw = []
    seen: set[str] = set()
    for i, f in enumerate(raw):
        where = f"allocation.ring_fences[{i}]"
        if not isinstance(f, dict) or not isinstance(f.get("channel"), str) or not f["channel"].strip():
            errors.add(where, "Each ring-fence names a channel.")
            continue
        key = channel_key(f["channel"])
        if key in seen:
            errors.add(f"{where}.channel", f"Channel {f['channel']!r} is ring-fenced twice.")
        seen.add(key)
        rest = {k: v for k, v in f.items() if k != "channel"}
        spec = _safety(rest, where, errors)  # same shape: exactly one of quantity / percent
        if spec is not None:
            fences.append(RingFence(key, spec.quantity, spec.percent))
    total = sum(f.percent or 0 for f in fences)
    if total > 100:
        errors.add("allocation.ring_fences", f"Percentages add up to {total:g} %, more than the whole pool.")
    if mode == "ring_fenced" and not raw:
        errors.add("allocation.ring_fences", "A ring-fenced allocation needs at least one ring-fence.")
    return (mode if mode in ALLOCATION_MODES else "shared"), fences, (unused if unused in UNUSED_FENCE else "keep")
