"""The rules document's sections beyond eligibility and ring-fences: SKU groups, thresholds by level, the
network level (online threshold, brokering queue), reservations, in-transit, segments and distribution."""

from __future__ import annotations

from typing import Any

from app.engines.atp import (
    CONSUMPTION,
    LOCATION_TYPES,
    DistributionGroup,
    GroupAssignment,
    Reservation,
    Rules,
    SafetyStock,
    Segment,
    channel_key,
)
from app.engines.rules.fields import (
    Errors,
    check_bool,
    iso,
    names,
    percent,
    quantity,
    section,
    spec,
    spec_doc,
    spec_map,
    timestamp,
)

THRESHOLD_LEVELS = ("default", "by_location", "by_sku_group", "by_sku")


def sku_groups(document: dict, errors: Errors) -> list[tuple[str, tuple[str, ...]]]:
    """{"name": ["SKU-1", "COAT-*"]}: exact SKUs, or a prefix ending in *."""
    out = []
    for name, members in section(document, "sku_groups", errors).items():
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and m.strip() for m in members):
            errors.add(f"sku_groups.{name}", "Must be a non-empty list of SKUs (a trailing * matches a prefix).")
            continue
        out.append((str(name), tuple(m.strip() for m in members)))
    return out


def thresholds(document: dict, groups: list[str], errors: Errors) -> dict[str, Any]:
    """Node thresholds: {type: units or spec} as before, plus default / by_location / by_sku_group / by_sku."""
    raw = section(document, "thresholds", errors)
    by_type: list[tuple[str, int | SafetyStock]] = []
    for key, value in raw.items():
        where = f"thresholds.{key}"
        if key in THRESHOLD_LEVELS:
            continue
        if key not in LOCATION_TYPES:
            errors.add(where, f"Unknown location type or level; known: {', '.join(LOCATION_TYPES + THRESHOLD_LEVELS)}.")
        elif isinstance(value, dict):
            parsed = spec(value, where, errors)
            if parsed is not None:
                by_type.append((key, parsed))
        elif quantity(value, where, errors) is not None:
            by_type.append((key, int(value)))
    default = spec(raw["default"], "thresholds.default", errors) if raw.get("default") else None
    return {
        "thresholds": tuple(by_type),
        "threshold_default": default,
        "threshold_by_location": tuple(spec_map(raw.get("by_location", {}), "thresholds.by_location", errors)),
        "threshold_by_sku_group": tuple(spec_map(raw.get("by_sku_group", {}), "thresholds.by_sku_group", errors,
                                                 tuple(groups), "SKU group")),
        "threshold_by_sku": tuple(spec_map(raw.get("by_sku", {}), "thresholds.by_sku", errors)),
    }


def network(document: dict, groups: list[str], errors: Errors) -> dict[str, Any]:
    """HotWax's network level: an online threshold per SKU on a channel's total, and the brokering queue."""
    raw = section(document, "network", errors)
    value = raw.get("online_threshold")
    online = spec(value, "network.online_threshold", errors) if value else None
    channels = raw.get("channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) and c.strip() for c in channels):
        errors.add("network.channels", "Must be a list of channel names (empty: every channel).")
        channels = []
    queue = []
    raw_queue = raw.get("brokering_queue", {})
    if not isinstance(raw_queue, dict):
        errors.add("network.brokering_queue", "Must be an object of SKU → units waiting to be brokered.")
        raw_queue = {}
    for sku, units in raw_queue.items():
        if quantity(units, f"network.brokering_queue.{sku}", errors) is not None:
            queue.append((str(sku), int(units)))
    return {
        "online_threshold": online,
        "online_threshold_by_sku_group": tuple(spec_map(raw.get("by_sku_group", {}), "network.by_sku_group", errors,
                                                        tuple(groups), "SKU group")),
        "online_threshold_by_sku": tuple(spec_map(raw.get("by_sku", {}), "network.by_sku", errors)),
        "online_channels": tuple(channel_key(c) for c in channels),
        "brokering_queue": tuple(queue),
    }


def reservations(document: dict, errors: Errors) -> tuple[Reservation, ...]:
    """[{"sku", "location" (optional: network-wide), "quantity", "expires_at" (ISO, optional)}]."""
    out = []
    for i, item in enumerate(section(document, "reservations", errors, list)):
        where = f"reservations[{i}]"
        if not isinstance(item, dict):
            errors.add(where, "Must be an object with sku, quantity and optionally location and expires_at.")
            continue
        unknown = set(item) - {"sku", "location", "quantity", "expires_at"}
        if unknown:
            errors.add(where, f"Unknown field(s): {', '.join(sorted(unknown))}.")
        sku = item.get("sku")
        if not isinstance(sku, str) or not sku.strip():
            errors.add(f"{where}.sku", "A SKU is required.")
        location = item.get("location")
        if location is not None and (not isinstance(location, str) or not location.strip()):
            errors.add(f"{where}.location", "Must be a location id, or left out for a network-wide reservation.")
        qty = quantity(item.get("quantity"), f"{where}.quantity", errors)
        expires = item.get("expires_at")
        expires_at = timestamp(expires, f"{where}.expires_at", errors) if expires is not None else None
        if isinstance(sku, str) and sku.strip() and qty is not None:
            out.append(Reservation(sku.strip(), qty, location.strip() if isinstance(location, str) else None,
                                   expires_at))
    return tuple(out)


def in_transit(document: dict, errors: Errors) -> dict[str, Any]:
    """Enabled, the future horizon, the past-due window (null: for ever), discounts (default and per type)."""
    raw = section(document, "in_transit", errors)
    past_due = raw.get("past_due_days", 0)
    if past_due is not None:
        past_due = quantity(past_due, "in_transit.past_due_days", errors, most=3650)
    by_type = []
    raw_types = raw.get("discount_by_type", {})
    if not isinstance(raw_types, dict):
        errors.add("in_transit.discount_by_type", "Must be an object of supply type → discount percent.")
        raw_types = {}
    for supply, pct in raw_types.items():
        value = percent(pct, f"in_transit.discount_by_type.{supply}", errors)
        if value is not None:
            by_type.append((str(supply), value))
    return {
        "in_transit": check_bool(raw.get("enabled", False), "in_transit.enabled", errors),
        "in_transit_horizon_days": int(quantity(raw.get("horizon_days", 0), "in_transit.horizon_days", errors,
                                                most=3650) or 0),
        "in_transit_past_due_days": past_due,
        "in_transit_discount_percent": float(percent(raw.get("discount_percent", 0), "in_transit.discount_percent",
                                                     errors) or 0.0),
        "in_transit_discount_by_type": tuple(by_type),
    }


def segments(document: dict, groups: list[str], errors: Errors) -> tuple[Segment, ...]:
    """[{"name", "channels", "quantity" | "percent", "sku_group", "consumption"}], served in list order."""
    out, seen = [], set()
    for i, item in enumerate(section(document, "segments", errors, list)):
        where = f"segments[{i}]"
        if not isinstance(item, dict):
            errors.add(where, "Must be an object.")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.add(f"{where}.name", "A segment needs a name.")
            continue
        if name.strip() in seen:
            errors.add(f"{where}.name", f"Segment {name!r} is defined twice.")
        seen.add(name.strip())
        channels = names(item.get("channels", []), f"{where}.channels", errors)
        amount = spec({k: v for k, v in item.items() if k in ("quantity", "percent")}, where, errors)
        group = item.get("sku_group")
        if group is not None and group not in groups:
            errors.add(f"{where}.sku_group", f"Unknown SKU group; known: {', '.join(groups) or 'none defined'}.")
        consumption = item.get("consumption", "segment_first")
        if consumption not in CONSUMPTION:
            errors.add(f"{where}.consumption", f"Must be one of: {', '.join(CONSUMPTION)}.")
        if amount is not None:
            out.append(Segment(name.strip(), frozenset(channel_key(c) for c in channels), amount.quantity,
                               amount.percent, group if group in groups else None,
                               consumption if consumption in CONSUMPTION else "segment_first"))
    return tuple(out)


def distribution(document: dict, groups: list[str], errors: Errors) -> dict[str, Any]:
    """{"groups": {name: {location_types, locations}}, "regions": [...], "assignments": [{channel, group,
    sku_group, region}]}: a channel (per SKU group and region) sells only from its distribution group."""
    raw = section(document, "distribution", errors)
    dgs = []
    raw_groups = raw.get("groups", {})
    if not isinstance(raw_groups, dict):
        errors.add("distribution.groups", "Must be an object of group name → location types and locations.")
        raw_groups = {}
    for name, item in raw_groups.items():
        where = f"distribution.groups.{name}"
        if not isinstance(item, dict):
            errors.add(where, "Must be an object with location_types and/or locations.")
            continue
        types = names(item.get("location_types", []), f"{where}.location_types", errors)
        unknown = sorted(types - set(LOCATION_TYPES))
        if unknown:
            errors.add(f"{where}.location_types", f"Unknown location type(s): {', '.join(unknown)}.")
        locations = names(item.get("locations", []), f"{where}.locations", errors)
        if not types and not locations:
            errors.add(where, "Name at least one location type or location.")
        dgs.append(DistributionGroup(str(name), types, locations))
    regions = raw.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions):
        errors.add("distribution.regions", "Must be a list of region names.")
        regions = []
    dg_names = [d.name for d in dgs]
    assignments = []
    for i, item in enumerate(raw.get("assignments", []) if isinstance(raw.get("assignments", []), list) else []):
        where = f"distribution.assignments[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("channel"), str) or not item["channel"].strip():
            errors.add(where, "Each assignment names a channel and a group.")
            continue
        checks = (("group", dg_names, False), ("sku_group", groups, True), ("region", regions, True))
        ok = True
        for key, known, optional in checks:
            value = item.get(key)
            if (value is None and not optional) or (value is not None and value not in known):
                errors.add(f"{where}.{key}", f"Unknown {key.replace('_', ' ')}; known: {', '.join(known) or 'none'}.")
                ok = False
        if ok:
            assignments.append(GroupAssignment(channel_key(item["channel"]), item["group"], item.get("sku_group"),
                                               item.get("region")))
    return {"distribution_groups": tuple(dgs), "regions": tuple(regions), "group_assignments": tuple(assignments)}


def documents(rules: Rules) -> dict[str, Any]:
    """The JSON form of the sections above (merged into the canonical document)."""
    def specs(pairs):
        return {k: spec_doc(v) for k, v in pairs}

    thresholds_doc: dict[str, Any] = {t: v if isinstance(v, int) else spec_doc(v) for t, v in rules.thresholds}
    for key, value in (("default", spec_doc(rules.threshold_default) if rules.threshold_default else None),
                       ("by_location", specs(rules.threshold_by_location)),
                       ("by_sku_group", specs(rules.threshold_by_sku_group)),
                       ("by_sku", specs(rules.threshold_by_sku))):
        if value:  # only levels in use, so the plain {type: units} form reads as before
            thresholds_doc[key] = value
    return {
        "sku_groups": {name: list(members) for name, members in rules.sku_groups},
        "thresholds": thresholds_doc,
        "network": {
            "online_threshold": spec_doc(rules.online_threshold) if rules.online_threshold else None,
            "by_sku_group": specs(rules.online_threshold_by_sku_group),
            "by_sku": specs(rules.online_threshold_by_sku),
            "channels": list(rules.online_channels),
            "brokering_queue": dict(rules.brokering_queue),
        },
        "reservations": [
            {"sku": r.sku, **({"location": r.location} if r.location else {}), "quantity": r.quantity,
             "expires_at": iso(r.expires_at) if r.expires_at is not None else None}
            for r in rules.reservations
        ],
        "in_transit": {
            "enabled": rules.in_transit,
            "horizon_days": rules.in_transit_horizon_days,
            "past_due_days": rules.in_transit_past_due_days,
            "discount_percent": rules.in_transit_discount_percent,
            "discount_by_type": dict(rules.in_transit_discount_by_type),
        },
        "segments": [
            {"name": s.name, "channels": sorted(s.channels), **spec_doc(SafetyStock(s.quantity, s.percent)),
             "sku_group": s.sku_group, "consumption": s.consumption}
            for s in rules.segments
        ],
        "distribution": {
            "groups": {d.name: {"location_types": sorted(d.location_types), "locations": sorted(d.locations)}
                       for d in rules.distribution_groups},
            "regions": list(rules.regions),
            "assignments": [{"channel": a.channel, "group": a.group, "sku_group": a.sku_group, "region": a.region}
                            for a in rules.group_assignments],
        },
    }
