"""Checks shared by every section of the rules document: each error is keyed by its place in the document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.engines.atp import SafetyStock

MAX_QUANTITY = 10**9


class Errors(dict):
    """Messages keyed by place ("safety_stock.by_type.store.percent")."""

    def add(self, where: str, message: str) -> None:
        """Record one message for a place."""
        self.setdefault(where, []).append(message)


def check_bool(value: Any, where: str, errors: Errors) -> bool:
    """True or false, else an error."""
    if not isinstance(value, bool):
        errors.add(where, "Must be true or false.")
        return False
    return value


def quantity(value: Any, where: str, errors: Errors, most: int = MAX_QUANTITY) -> int | None:
    """A whole number of units from 0 to `most`, else an error."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        errors.add(where, f"Must be a whole number of units from 0 to {most}.")
        return None
    return value


def percent(value: Any, where: str, errors: Errors) -> float | None:
    """A percentage from 0 to 100 (decimals allowed, kept to 0.0001 %), else an error."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        errors.add(where, "Must be a percentage from 0 to 100.")
        return None
    return float(value)


def spec(value: Any, where: str, errors: Errors) -> SafetyStock | None:
    """Exactly one of {"quantity": units} or {"percent": 0–100}."""
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("quantity", "percent"):
        errors.add(where, 'Give exactly one of {"quantity": units} or {"percent": 0–100}.')
        return None
    if "quantity" in value:
        qty = quantity(value["quantity"], f"{where}.quantity", errors)
        return None if qty is None else SafetyStock(quantity=qty)
    pct = percent(value["percent"], f"{where}.percent", errors)
    return None if pct is None else SafetyStock(percent=pct)


def spec_map(value: Any, where: str, errors: Errors, allowed: tuple[str, ...] | None = None,
             what: str = "location type") -> list[tuple[str, SafetyStock]]:
    """{key: spec}; keys outside `allowed` (when given) are errors naming the known ones."""
    if not isinstance(value, dict):
        errors.add(where, "Must be an object (key → quantity or percent).")
        return []
    out = []
    for key, item in value.items():
        if allowed is not None and key not in allowed:
            known = ", ".join(allowed) if allowed else "none defined"
            errors.add(f"{where}.{key}", f"Unknown {what}; known: {known}.")
            continue
        parsed = spec(item, f"{where}.{key}", errors)
        if parsed is not None:
            out.append((key, parsed))
    return out


def spec_doc(s: SafetyStock) -> dict[str, Any]:
    """The JSON form of a quantity-or-percent value."""
    return {"quantity": s.quantity} if s.quantity is not None else {"percent": s.percent}


def names(value: Any, where: str, errors: Errors) -> frozenset[str]:
    """A list of non-empty names."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.add(where, "Must be a list of names.")
        return frozenset()
    return frozenset(v.strip() for v in value if v.strip())


def section(document: dict, key: str, errors: Errors, kind: type = dict, empty: Any = None) -> Any:
    """document[key] when it is of the expected kind (an error otherwise); `empty` when missing or null."""
    value = document.get(key)
    if value is None:
        return kind() if empty is None else empty
    if not isinstance(value, kind):
        errors.add(key, f"Must be {'an object' if kind is dict else 'a list'}.")
        return kind()
    return value


def timestamp(value: Any, where: str, errors: Errors) -> int | None:
    """An ISO date or timestamp (UTC unless an offset is given) as seconds since the epoch."""
    if not isinstance(value, str):
        errors.add(where, "Must be an ISO date or timestamp, e.g. 2025-03-10T18:00:00Z.")
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        errors.add(where, f"{value!r} is not an ISO date or timestamp, e.g. 2025-03-10T18:00:00Z.")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def iso(seconds: int) -> str:
    """Seconds since the epoch as an ISO timestamp in UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
