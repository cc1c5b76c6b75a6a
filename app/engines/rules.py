"""The JSON form of a scenario's ATP rules: parse and check it into `atp.Rules`, and write it back.

Errors are keyed by the place in the document ("safety_stock.by_type.store.percent") so an editor can put
each message beside its field. The format is documented in docs/atp.md.
"""

from __future__ import annotations

from typing import Any

from app.engines.atp import FULFILMENTS, LOCATION_TYPES, Grant, RingFence, Rules, SafetyStock, channel_key

ELIGIBILITY_DEFAULTS = ("all", "none")
ALLOCATION_MODES = ("shared", "ring_fenced")
UNUSED_FENCE = ("keep", "share")
MAX_QUANTITY = 10**9
KEYS = ("channels", "channel_map", "safety_stock", "thresholds", "in_transit", "eligibility", "allocation",
        "backorders")


def default_document() -> dict[str, Any]:
    """Rules for a scenario nobody has edited yet: one shared pool, every location sells everywhere."""
    return rules_to_document(Rules())


class _Errors(dict):
    def add(self, where: str, message: str) -> None:
        self.setdefault(where, []).append(message)


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
    safety = document.get("safety_stock", {}) or {}
    if not isinstance(safety, dict):
        errors.add("safety_stock", "Must be an object.")
        safety = {}
    default = _safety(safety.get("default"), "safety_stock.default", errors) if safety.get("default") else None
    by_type = _safety_map(safety.get("by_type", {}), "safety_stock.by_type", errors, LOCATION_TYPES)
    by_location = _safety_map(safety.get("by_location", {}), "safety_stock.by_location", errors)
    by_sku = _safety_map(safety.get("by_sku", {}), "safety_stock.by_sku", errors)
    use_column = _bool(safety.get("use_dataset_column", True), "safety_stock.use_dataset_column", errors)
    thresholds = []
    raw_thresholds = document.get("thresholds", {}) or {}
    if not isinstance(raw_thresholds, dict):
        errors.add("thresholds", "Must be an object of location type → units.")
        raw_thresholds = {}
    for loc_type, qty in raw_thresholds.items():
        if loc_type not in LOCATION_TYPES:
            errors.add(f"thresholds.{loc_type}", f"Unknown location type; known: {', '.join(LOCATION_TYPES)}.")
        elif _quantity(qty, f"thresholds.{loc_type}", errors) is not None:
            thresholds.append((loc_type, int(qty)))
    transit = document.get("in_transit", {}) or {}
    if not isinstance(transit, dict):
        errors.add("in_transit", "Must be an object.")
        transit = {}
    transit_on = _bool(transit.get("enabled", False), "in_transit.enabled", errors)
    horizon = _quantity(transit.get("horizon_days", 0), "in_transit.horizon_days", errors, most=3650) or 0
    discount = _percent(transit.get("discount_percent", 0), "in_transit.discount_percent", errors) or 0.0
    grants, eligibility_default = _eligibility(document.get("eligibility", {}) or {}, errors)
    allocation, fences, unused = _allocation(document.get("allocation", {}) or {}, errors)
    backorders = _bool(document.get("backorders", False), "backorders", errors)
    if errors:
        return None, dict(errors)
    return Rules(
        channels=tuple(channels),
        safety_default=default,
        safety_by_type=tuple(by_type),
        safety_by_location=tuple(by_location),
        safety_by_sku=tuple(by_sku),
        use_dataset_safety_stock=use_column,
        thresholds=tuple(thresholds),
        in_transit=transit_on,
        in_transit_horizon_days=int(horizon),
        in_transit_discount_percent=float(discount),
        grants=tuple(grants),
        eligibility_default=eligibility_default,
        allocation=allocation,
        fences=tuple(fences),
        unused_fence=unused,
        backorders=backorders,
    ), {}


def rules_to_document(rules: Rules, channel_map: dict[str, str] | None = None) -> dict[str, Any]:
    """The canonical JSON document of a Rules value (what is stored and shown)."""

    def spec(s: SafetyStock) -> dict[str, Any]:
        return {"quantity": s.quantity} if s.quantity is not None else {"percent": s.percent}

    return {
        "channels": list(rules.channels),
        "channel_map": dict(channel_map or {}),
        "safety_stock": {
            "default": spec(rules.safety_default) if rules.safety_default else None,
            "by_type": {k: spec(v) for k, v in rules.safety_by_type},
            "by_location": {k: spec(v) for k, v in rules.safety_by_location},
            "by_sku": {k: spec(v) for k, v in rules.safety_by_sku},
            "use_dataset_column": rules.use_dataset_safety_stock,
        },
        "thresholds": dict(rules.thresholds),
        "in_transit": {
            "enabled": rules.in_transit,
            "horizon_days": rules.in_transit_horizon_days,
            "discount_percent": rules.in_transit_discount_percent,
        },
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


def _bool(value: Any, where: str, errors: _Errors) -> bool:
    if not isinstance(value, bool):
        errors.add(where, "Must be true or false.")
        return False
    return value


def _quantity(value: Any, where: str, errors: _Errors, most: int = MAX_QUANTITY) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        errors.add(where, f"Must be a whole number of units from 0 to {most}.")
        return None
    return value


def _percent(value: Any, where: str, errors: _Errors) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        errors.add(where, "Must be a percentage from 0 to 100.")
        return None
    return float(value)


def _safety(value: Any, where: str, errors: _Errors) -> SafetyStock | None:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("quantity", "percent"):
        errors.add(where, 'Give exactly one of {"quantity": units} or {"percent": 0–100}.')
        return None
    if "quantity" in value:
        qty = _quantity(value["quantity"], f"{where}.quantity", errors)
        return None if qty is None else SafetyStock(quantity=qty)
    pct = _percent(value["percent"], f"{where}.percent", errors)
    return None if pct is None else SafetyStock(percent=pct)


def _safety_map(value: Any, where: str, errors: _Errors, allowed: tuple[str, ...] | None = None):
    if not isinstance(value, dict):
        errors.add(where, "Must be an object (key → safety stock).")
        return []
    out = []
    for key, spec in value.items():
        if allowed is not None and key not in allowed:
            errors.add(f"{where}.{key}", f"Unknown location type; known: {', '.join(allowed)}.")
            continue
        parsed = _safety(spec, f"{where}.{key}", errors)
        if parsed is not None:
            out.append((key, parsed))
    return out


def _names(value: Any, where: str, errors: _Errors) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.add(where, "Must be a list of names.")
        return frozenset()
    return frozenset(v.strip() for v in value if v.strip())


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
