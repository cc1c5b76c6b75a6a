"""How the workbook maps onto the model: each sheet's element kind, its columns' fields and link columns,
the nouns used in messages, and the REQ-n / ADR-n refs and flow references (`Source -> Target [...]`)."""

from __future__ import annotations

import re

from models import Channel, DataEntity, Decision, Scenario, Stakeholder, System

SHEET_KIND = {
    "channels": "channel",
    "entities": "entity",
    "stakeholders": "stakeholder",
    "systems": "system",
    "flows": "flow",
    "ownership": "ownership",
    "requirements": "requirement",
    "decisions": "decision",
}
# sheet -> column -> field of fields.KINDS (columns not listed here are identity or link columns).
FIELDS: dict[str, dict[str, str]] = {
    "channels": {"name": "name", "description": "description", "customer_facing": "customer_facing"},
    "entities": {"name": "name", "description": "description", "time_critical": "time_critical"},
    "stakeholders": {c: c for c in ("name", "role", "team", "area", "influence", "interest", "email")},
    "systems": {
        "name": "name",
        "category": "category",
        "vendor": "vendor",
        "product": "product",
        "hosting": "hosting",
        "lifecycle": "lifecycle",
        "owner": "owner_id",
        "channels": "channel_ids",
        "scenarios": "scenario_ids",
        "tags": "tags",
        "notes": "notes",
    },
    "flows": {
        "source": "source_id",
        "target": "target_id",
        "entities": "entity_ids",
        "pattern": "pattern",
        "frequency": "frequency",
        "latency_seconds": "latency_seconds",
        "worst_latency_seconds": "worst_latency_seconds",
        "via": "via_id",
        "direction": "direction",
        "scenarios": "scenario_ids",
        "tags": "tags",
        "notes": "notes",
    },
    "ownership": {"system": "system_id", "entity": "entity_id", "role": "role", "scenarios": "scenario_ids"},
    "requirements": {
        "title": "title",
        "text": "text",
        "type": "type",
        "priority": "priority",
        "channels": "channel_ids",
        "source": "source_id",
        "status": "status",
        "acceptance": "acceptance",
        "tags": "tags",
    },
    "decisions": {
        "title": "title",
        "status": "status",
        "context": "context",
        "options": "options",
        "outcome": "outcome",
        "consequences": "consequences",
        "date": "decided_on",
        "deciders": "decider_ids",
        "consulted": "consulted_ids",
        "informed": "informed_ids",
        "supersedes": "supersedes_id",
        "scenario": "scenario_id",
        "tags": "tags",
    },
}
# Link columns: sheet -> column -> (trace link kind, does this row's element stand at the source?)
LINKS = {
    "requirements": {"satisfied_by": ("satisfied_by", True), "refines": ("refines", True)},
    "decisions": {"addresses": ("addresses", False), "affects": ("affects", True)},
}
_KIND_OF_MODEL = {
    Channel: "channel",
    DataEntity: "entity",
    Stakeholder: "stakeholder",
    System: "system",
    Scenario: "scenario",
    Decision: "decision",
}
_NOUN = {
    "channel": "channel",
    "entity": "data entity",
    "stakeholder": "stakeholder",
    "system": "system",
    "scenario": "scenario",
    "decision": "decision",
    "requirement": "requirement",
}
_SHEET_OF = {
    "channel": "channels",
    "entity": "entities",
    "stakeholder": "stakeholders",
    "system": "systems",
    "scenario": "scenarios",
    "decision": "decisions",
    "requirement": "requirements",
}
_REF = {
    "requirement": re.compile(r"^\s*REQ-(\d{1,9})\s*$", re.I),
    "decision": re.compile(r"^\s*ADR-(\d{1,9})\s*$", re.I),
}
_PREFIX = {"requirement": "REQ", "decision": "ADR"}
_COUNTER = {"requirement": "next_requirement_number", "decision": "next_decision_number"}
_FLOW_REF = re.compile(r"^(?P<source>.+?)\s*(?:->|→)\s*(?P<target>.+?)\s*(?:\[(?P<detail>[^\]]*)\])?\s*$")
