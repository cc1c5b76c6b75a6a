"""What each kind's list shows, and the list page's controls read from the request (the page itself is loaded
by app/services/catalog/listing.py — one query per page, no N+1)."""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import Session

from app.services.catalog import listing as listing
from app.services.catalog.fields import Field, Kind
from app.services.catalog.listing import CHOICE_FILTERS, Listing

# Columns after the name: (field, editable inline).
COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    "system": (("category", True), ("vendor", True), ("lifecycle", True), ("owner_id", True), ("channel_ids", True)),
    "channel": (("customer_facing", True), ("description", True)),
    "entity": (("time_critical", True), ("description", True)),
    "stakeholder": (("role", True), ("team", True), ("area", True), ("influence", True), ("interest", True)),
    "flow": (
        ("pattern", True),
        ("latency_seconds", True),
        ("worst_latency_seconds", True),
        ("via_id", True),
        ("direction", True),
    ),
    "ownership": (("system_id", False), ("role", True), ("entity_id", False)),
    "requirement": (("type", True), ("priority", True), ("status", True), ("source_id", True), ("channel_ids", True)),
    "decision": (("status", True), ("decided_on", True), ("scenario_id", True)),
    "generic": (("archimate_type", True), ("documentation", False)),
}


def columns(spec: Kind) -> list[tuple[Field, bool]]:
    """The list's columns after the name, with whether each is edited inline."""
    return [(spec.field(name), editable) for name, editable in COLUMNS[spec.kind]]


def inline_fields(spec: Kind) -> tuple[str, ...]:
    """Fields edited in the row: the name (or title) and the editable columns."""
    lead = () if spec.kind in ("flow", "ownership") else (spec.fields[0].name,)
    return lead + tuple(name for name, editable in COLUMNS[spec.kind] if editable)


def filter_options(session: Session, engagement, spec: Kind) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(param, label, options) for each filter the kind offers."""
    return listing.filter_options(session, engagement.id, spec)


def list_page(session: Session, engagement, spec: Kind, in_scenario=None) -> Listing:
    """Read filters, sort and offset from the request and load one page (as `in_scenario` sees it)."""
    args = request.args
    return listing.list_page(
        session,
        engagement.id,
        spec,
        q=(args.get("q") or "").strip()[:200],
        choices={name: args.get(name) or "" for name in CHOICE_FILTERS.get(spec.kind, ())},
        channel_id=_int(args.get("channel")),
        scenario_id=_int(args.get("scenario")),
        tag=(args.get("tag") or "").strip(),
        sort=args.get("sort") or "",
        descending=args.get("dir") == "desc",
        offset=max(_int(args.get("offset")) or 0, 0),
        in_scenario=in_scenario,
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
