"""The return policy of a scenario: which return channels accept returns of which original channels and
fulfilment methods, within how many days, exchange or refund, and where returned stock goes (docs/returns.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REFUNDS = ("original_tender", "store_credit")
FALLBACKS = ("store_credit", "refuse")
DISPOSITIONS = ("restock", "ship_to_dc", "write_off")
FULFILMENTS = ("ship", "pickup")
ANY = "*"


class PolicyError(Exception):
    """A policy document that cannot be used; `errors` maps a setting's path to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class ReturnRule:
    """Returns brought to `return_channels` of orders from `original_channels` ("*" is any channel)."""

    return_channels: tuple[str, ...] = (ANY,)
    original_channels: tuple[str, ...] = (ANY,)
    fulfilment: tuple[str, ...] = FULFILMENTS
    days: int = 30
    exchange: bool = True
    refund: str = "original_tender"
    # When the returning channel cannot refund to the original tender (no payment path): give store credit or refuse.
    fallback: str = "store_credit"
    needs_customer: bool = True  # the returning systems must recognise the customer (one record across systems)


@dataclass(frozen=True)
class ReturnPolicy:
    """Rules (the first that matches a return decides), dispositions by condition and restock timings."""

    rules: tuple[ReturnRule, ...] = (ReturnRule(),)
    disposition: dict[str, str] = field(default_factory=lambda: {"sellable": "restock", "damaged": "write_off"})
    other_condition: str = "ship_to_dc"  # a condition not listed in `disposition` (an empty one counts as sellable)
    processing_hours: float = 24.0  # from the return to sellable stock at the return location
    transit_hours: float = 72.0  # extra for units shipped back to the DC
    dc_location_id: str = ""  # where ship_to_dc sends units; empty: the first location of type dc

    def to_document(self) -> dict[str, Any]:
        """The canonical JSON document."""
        return {
            "rules": [{"return_channels": list(r.return_channels), "original_channels": list(r.original_channels),
                       "fulfilment": list(r.fulfilment), "days": r.days, "exchange": r.exchange, "refund": r.refund,
                       "fallback": r.fallback, "needs_customer": r.needs_customer} for r in self.rules],
            "disposition": dict(self.disposition),
            "other_condition": self.other_condition,
            "processing_hours": self.processing_hours,
            "transit_hours": self.transit_hours,
            "dc_location_id": self.dc_location_id,
        }


def parse_policy(document: Any) -> ReturnPolicy:
    """A validated ReturnPolicy; missing settings take the defaults; PolicyError names each bad setting."""
    if not isinstance(document, dict):
        raise PolicyError({"policy": "Must be a JSON object."})
    errors: dict[str, str] = {}
    known = set(ReturnPolicy().to_document())
    for key in sorted(set(document) - known):
        errors[key] = f"Unknown setting (expected one of: {', '.join(sorted(known))})."
    default = ReturnPolicy()
    rules_doc = document.get("rules", [{}])
    rules: list[ReturnRule] = []
    if not isinstance(rules_doc, list) or not rules_doc:
        errors["rules"] = "Must be a non-empty list of rules."
    else:
        for i, item in enumerate(rules_doc):
            rule = _rule(item, f"rules[{i}]", errors)
            if rule is not None:
                rules.append(rule)
    disposition = document.get("disposition", default.disposition)
    if not isinstance(disposition, dict) or any(v not in DISPOSITIONS for v in disposition.values()):
        errors["disposition"] = f"Must map each condition to one of: {', '.join(DISPOSITIONS)}."
        disposition = default.disposition
    other = document.get("other_condition", default.other_condition)
    if other not in DISPOSITIONS:
        errors["other_condition"] = f"Must be one of: {', '.join(DISPOSITIONS)}."
    hours = {k: _hours(document.get(k, getattr(default, k)), k, errors) for k in ("processing_hours", "transit_hours")}
    dc = document.get("dc_location_id", "")
    if not isinstance(dc, str):
        errors["dc_location_id"] = "Must be a location id (text)."
    if errors:
        raise PolicyError(errors)
    return ReturnPolicy(tuple(rules), {str(k).strip().casefold(): v for k, v in disposition.items()}, other,
                        hours["processing_hours"], hours["transit_hours"], dc.strip())


def _rule(item: Any, where: str, errors: dict[str, str]) -> ReturnRule | None:
    if not isinstance(item, dict):
        errors[where] = "Must be an object."
        return None
    default = ReturnRule()
    unknown = set(item) - set(ReturnPolicy().to_document()["rules"][0])
    if unknown:
        errors[where] = f"Unknown setting(s): {', '.join(sorted(unknown))}."
    names = {k: _names(item.get(k, list(getattr(default, k))), f"{where}.{k}", errors)
             for k in ("return_channels", "original_channels")}
    fulfilment = _names(item.get("fulfilment", list(FULFILMENTS)), f"{where}.fulfilment", errors)
    if any(f not in FULFILMENTS for f in fulfilment):
        errors[f"{where}.fulfilment"] = f"Must list some of: {', '.join(FULFILMENTS)}."
    days = item.get("days", default.days)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        errors[f"{where}.days"] = "Must be a whole number of days, 0 or more."
    flags = {}
    for key in ("exchange", "needs_customer"):
        flags[key] = item.get(key, getattr(default, key))
        if not isinstance(flags[key], bool):
            errors[f"{where}.{key}"] = "Must be true or false."
    refund, fallback = item.get("refund", default.refund), item.get("fallback", default.fallback)
    if refund not in REFUNDS:
        errors[f"{where}.refund"] = f"Must be one of: {', '.join(REFUNDS)}."
    if fallback not in FALLBACKS:
        errors[f"{where}.fallback"] = f"Must be one of: {', '.join(FALLBACKS)}."
    if any(k.startswith(where) for k in errors):
        return None
    return ReturnRule(names["return_channels"], names["original_channels"], fulfilment, days, flags["exchange"],
                      refund, fallback, flags["needs_customer"])


def _names(value: Any, where: str, errors: dict[str, str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        errors[where] = 'Must be a non-empty list of names ("*" for any).'
        return ()
    return tuple(" ".join(v.split()).casefold() for v in value)


def _hours(value: Any, where: str, errors: dict[str, str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        errors[where] = "Must be a number of hours, 0 or more."
        return 0.0
    return float(value)
