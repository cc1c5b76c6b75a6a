"""Per-scenario values in words: a field's short label, a stored value as a person reads it (vocabulary labels,
durations, names for ids), and the fields of one object that differ between two sets of values.

Used by the comparison of scenarios (`app.services.analysis.value_diff`) and by `scenario set`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.graph.units import format_duration
from app.services.catalog.fields import KINDS, Field
from app.services.catalog.scenario_values import per_scenario_fields

_SHORT = {"owner_id": "owner", "via_id": "via", "channel_ids": "channels", "entity_ids": "entities"}
NONE = "none"


def field_label(name: str) -> str:
    """The short, lower-case name of a field as the diff prints it: `worst latency`, `owner`, `channels`."""
    return _SHORT.get(name) or name.removesuffix("_seconds").replace("_", " ")


def describe(spec_field: Field, value: Any, names: Mapping[int, str]) -> str:
    """A stored value in words: vocabulary labels, durations, names for ids."""
    if value is None or value == "" or value == []:
        return format_duration(None) if spec_field.name.endswith("_seconds") else NONE
    if spec_field.type == "choice":
        return (spec_field.choices or {}).get(value, str(value))
    if spec_field.type == "ref":
        return names.get(value, f"#{value}")
    if spec_field.type == "refs":
        return ", ".join(sorted((names.get(i, f"#{i}") for i in value), key=str.casefold))
    if spec_field.name.endswith("_seconds"):
        return format_duration(value)
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    """One field of one object: its value before and after, stored and in words."""

    field: str
    label: str
    before: Any
    after: Any
    before_text: str
    after_text: str

    def __str__(self) -> str:
        return f"{self.label} {self.before_text} → {self.after_text}"


def field_changes(kind: str, before: Mapping[str, Any], after: Mapping[str, Any],
                  names: Mapping[int, str]) -> tuple[FieldChange, ...]:
    """The per-scenario fields of one object whose values differ, in the order of the field specs."""
    spec = KINDS[kind]
    out = []
    for name in per_scenario_fields(spec):
        old, new = before.get(name), after.get(name)
        if spec.field(name).type == "refs":
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            f = spec.field(name)
            out.append(FieldChange(name, field_label(name), old, new, describe(f, old, names), describe(f, new, names)))
    return tuple(out)
