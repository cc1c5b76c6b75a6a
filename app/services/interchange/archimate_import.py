"""ArchiMate exchange files, import side: a file as a new engagement, all or nothing.

Import parses the file (exports.archimate_import), maps what fits Throughline's kinds *without loss* and keeps
everything else as generic elements and relationships, writes an engagement bundle document and hands it to
the bundle importer, which validates it and writes it all or nothing. The mapping: docs/archimate.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.services.bundle.checks import FORMAT, VERSION
from app.services.bundle.transfer import import_bundle
from app.services.catalog.fields import KINDS, Field, _clean_one
from app.services.errors import ValidationError
from app.services.interchange.archimate_mapping import (
    DOC_FIELD,
    KIND_OF_TYPE,
    LIST_SEPARATOR,
    NAME_FIELD,
    REF_PROPERTY,
    STRUCTURAL,
)
from exports.archimate import ACCESS_TYPE, TRACE_TYPE, serving_id
from exports.archimate_import import ArchimateFileError, ParsedElement, ParsedModel, ParsedRelationship, parse_exchange
from models import Engagement, Scenario, User
from models.archimate import properties_to_text
from models.vocab import BASELINE_SCENARIO

__all__ = ["ImportSummary", "import_archimate"]


@dataclass
class ImportSummary:
    """What an import created, for the page and the CLI."""

    engagement: Engagement
    elements: int
    relationships: int
    by_kind: dict[str, int]
    generic_types: dict[str, int]
    views_skipped: int


def import_archimate(
    session: Session, raw: bytes, owner: User | None = None, name: str | None = None
) -> ImportSummary:
    """Create a new engagement from an exchange file, all or nothing; ValidationError({"file": …}) when it fails."""
    try:
        parsed = parse_exchange(raw)
    except ArchimateFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    mapper = _Mapper(parsed, (name or "").strip() or parsed.name.strip() or "ArchiMate import")
    document = mapper.bundle()
    try:
        engagement = import_bundle(session, document, owner)
    except ValidationError as exc:
        raise ValidationError({"file": mapper.explain(exc.errors)}) from None
    by_kind: dict[str, int] = {}
    for coll, entries in document.items():
        if isinstance(entries, list) and coll not in ("scenarios", "archimate_relationships"):
            by_kind[coll] = len(entries)
    generic_types: dict[str, int] = {}
    for entry in document.get("generic_elements", []):
        generic_types[entry["archimate_type"]] = generic_types.get(entry["archimate_type"], 0) + 1
    return ImportSummary(
        engagement=engagement,
        elements=len(parsed.elements),
        relationships=len(parsed.relationships),
        by_kind=by_kind,
        generic_types=generic_types,
        views_skipped=parsed.views,
    )


@dataclass
class _Mapper:
    """Turns a parsed model into a bundle document; everything that does not map without loss stays generic."""

    model: ParsedModel
    engagement_name: str
    kind_of: dict[str, str] = field(default_factory=dict)  # ArchiMate identifier -> Throughline kind
    bundle_id: dict[str, str] = field(default_factory=dict)  # ArchiMate identifier -> bundle id
    origin: dict[str, str] = field(default_factory=dict)  # bundle path prefix -> human description
    doc: dict[str, Any] = field(default_factory=dict)
    generic_count: int = 0

    def bundle(self) -> dict[str, Any]:
        """The bundle document for the whole model."""
        # A plateau becomes a scenario only if all its relationships are memberships; when one is not, the
        # plateau is kept as an other element instead and the mapping starts over (a plan is cheap to redo).
        excluded: set[str] = set()
        while True:
            try:
                return self._attempt(excluded)
            except _NotAScenario as exc:
                excluded.add(exc.identifier)

    def _attempt(self, excluded: set[str]) -> dict[str, Any]:
        self.kind_of, self.bundle_id, self.origin, self.generic_count = {}, {}, {}, 0
        self.entry_by_id: dict[str, dict[str, Any]] = {}
        self.doc = {
            "format": FORMAT,
            "version": VERSION,
            "engagement": {"name": self.engagement_name[:200], "description": self.model.documentation},
            "scenarios": self._scenarios(excluded),
        }
        self.names: dict[str, dict[str, str]] = {}  # kind -> name key -> identifier
        self.refs: dict[str, dict[str, str]] = {}  # REQ/ADR ref -> identifier
        entries: dict[str, list] = {}
        # Kinds whose properties refer to others come after those they refer to.
        for kind in ("channel", "entity", "stakeholder", "system", "requirement", "decision"):
            for element in self.model.elements:
                if KIND_OF_TYPE.get(element.type) == kind and element.identifier not in self.kind_of:
                    entry = self._mapped(kind, element)
                    if entry is not None:
                        self._add(entries, kind, element.identifier, entry, element)
        for element in self.model.elements:
            if element.identifier not in self.kind_of:
                self._add(entries, "generic", element.identifier, self._generic(element), element)
        self._relationships(entries)
        collections = {
            "channel": "channels", "entity": "entities", "stakeholder": "stakeholders", "system": "systems",
            "flow": "flows", "ownership": "ownerships", "requirement": "requirements", "decision": "decisions",
            "generic": "generic_elements",
        }
        for kind, coll in collections.items():
            if entries.get(kind):
                self.doc[coll] = entries[kind]
        self.doc["trace_links"] = entries.get("trace", [])
        if entries.get("rel"):
            self.doc["archimate_relationships"] = entries["rel"]
        self.doc["archimate_ids"] = {bid: xid for xid, bid in self.bundle_id.items()}
        self._numbers()
        return self.doc

    def _scenarios(self, excluded: set[str]) -> list[dict[str, Any]]:
        """One scenario per plateau that can be one (the first is the current state), else the default."""
        scenarios: list[dict[str, Any]] = []
        seen: set[str] = set()
        for element in self.model.elements:
            name = element.name.strip()
            if element.type != "Plateau" or element.identifier in excluded or element.properties:
                continue
            if not name or len(name) > 200 or _key(name) in seen:
                continue
            seen.add(_key(name))
            scenario = {"id": f"scenario-{len(scenarios) + 1}", "name": name, "description": element.documentation,
                        "is_baseline": not scenarios}
            scenarios.append(scenario)
            self.kind_of[element.identifier] = "scenario"
            self.bundle_id[element.identifier] = scenario["id"]
            self.origin[scenario["id"]] = f"element {element.identifier} (Plateau “{element.name}”)"
        return scenarios or [{"id": "scenario-1", "name": BASELINE_SCENARIO, "is_baseline": True}]

    # --- elements ---------------------------------------------------------------------------------

    def _add(self, entries: dict, kind: str, identifier: str, entry: dict, element: ParsedElement) -> None:
        coll = entries.setdefault(kind, [])
        entry["id"] = f"{kind}-{len(coll) + 1}"
        coll.append(entry)
        self.kind_of[identifier] = kind
        self.bundle_id[identifier] = entry["id"]
        self.entry_by_id[entry["id"]] = entry
        self.origin[entry["id"]] = f"element {identifier} ({element.type} “{element.name}”)"
        if KINDS[kind].named:
            self.names.setdefault(kind, {})[_key(element.name)] = identifier

    def _generic(self, element: ParsedElement) -> dict[str, Any]:
        return {
            "name": element.name.strip() or element.type,  # a name is required; junctions have none
            "archimate_type": element.type,
            "documentation": element.documentation,
            "properties": properties_to_text([list(p) for p in element.properties]),
        }

    def _mapped(self, kind: str, element: ParsedElement) -> dict[str, Any] | None:
        """The bundle entry of an element of a mapped type, or None when it would lose something."""
        spec = KINDS[kind]
        name = element.name.strip()
        name_field = spec.field(NAME_FIELD.get(kind, "name"))
        if not name or len(name) > name_field.max_len:
            return None
        if spec.named and _key(name) in self.names.get(kind, {}):
            return None  # a second element of the same name: kept as a generic element
        entry: dict[str, Any] = {name_field.name: name}
        doc_field = DOC_FIELD.get(kind)
        if element.documentation:
            if doc_field is None:
                return None
            entry[doc_field] = element.documentation
        fields_by_title = {
            f.title: f for f in spec.fields
            if f.name not in STRUCTURAL.get(kind, set()) | {doc_field, name_field.name}
        }
        seen: set[str] = set()
        for prop_name, value in element.properties:
            if prop_name in seen:
                return None
            seen.add(prop_name)
            if spec.ref_prefix and prop_name == REF_PROPERTY:
                if not re.fullmatch(rf"{spec.ref_prefix}-[1-9][0-9]{{0,8}}", value) or value in self.refs:
                    return None
                entry["ref"] = value
                continue
            f = fields_by_title.get(prop_name)
            if f is None:
                return None
            parsed = self._value(f, value)
            if parsed is _FAIL:
                return None
            entry[f.name] = parsed
        if kind == "system" and "category" not in entry:
            entry["category"] = "custom"  # required by Throughline; ArchiMate has no such attribute
        if "ref" in entry:
            self.refs[entry["ref"]] = element.identifier
        return entry

    def _value(self, f: Field, text: str) -> Any:
        """A property's text as the bundle value of a field, or _FAIL when it does not fit."""
        if f.type in ("ref", "refs", "participants"):
            names = [text] if f.type == "ref" else [n for n in text.split(LIST_SEPARATOR)]
            out = []
            for one in names:
                found = self._resolve(f, one)
                if found is None:
                    return _FAIL
                out.append(found)
            return out[0] if f.type == "ref" else list(dict.fromkeys(out))
        if f.type == "tags":
            return [t for t in (p.strip() for p in text.split(";")) if t]
        try:
            value = _clean_one(None, 0, f, text)
        except ValueError:
            return _FAIL
        return value.isoformat() if hasattr(value, "isoformat") else value

    def _resolve(self, f: Field, text: str) -> str | None:
        """The bundle id a reference property names (by name; decisions by ADR ref; scenarios created)."""
        if f.target is Scenario:
            for scenario in self.doc["scenarios"]:
                if _key(scenario["name"]) == _key(text):
                    return scenario["id"]
            if not text.strip() or len(text) > 200:
                return None
            new_id = f"scenario-{len(self.doc['scenarios']) + 1}"
            self.doc["scenarios"].append({"id": new_id, "name": text.strip()})
            return new_id
        target_kind = next(k.kind for k in KINDS.values() if k.model is f.target)
        if target_kind == "decision":
            identifier = self.refs.get(text)
        else:
            identifier = self.names.get(target_kind, {}).get(_key(text))
        return self.bundle_id.get(identifier) if identifier else None

    def _numbers(self) -> None:
        """REQ-n / ADR-n refs: kept from the file when given, the next free numbers otherwise."""
        for coll, prefix in (("requirements", "REQ"), ("decisions", "ADR")):
            used = {int(e["ref"].rsplit("-", 1)[1]) for e in self.doc.get(coll, []) if "ref" in e}
            n = 1
            for entry in self.doc.get(coll, []):
                if "ref" not in entry:
                    while n in used:
                        n += 1
                    entry["ref"] = f"{prefix}-{n}"
                    used.add(n)

    # --- relationships ----------------------------------------------------------------------------

    def _relationships(self, entries: dict) -> None:
        rels = self.model.relationships
        # Relationships mapped onto element kinds (flows, ownerships) first: others may end at them.
        taken: set[str] = set()
        ownership_keys: set[tuple[str, str, str]] = set()
        for rel in rels:
            entry = None
            if rel.type == "Flow":
                entry = self._flow(rel)
                kind = "flow"
            elif rel.type == "Access":
                entry = self._ownership(rel, ownership_keys)
                kind = "ownership"
            if entry is not None:
                coll = entries.setdefault(kind, [])
                entry["id"] = f"{kind}-{len(coll) + 1}"
                coll.append(entry)
                self.kind_of[rel.identifier] = kind
                self.bundle_id[rel.identifier] = entry["id"]
                self.entry_by_id[entry["id"]] = entry
                self.origin[entry["id"]] = f"relationship {rel.identifier} ({rel.type})"
                taken.add(rel.identifier)
        trace_keys: set[tuple[str, str, str]] = set()
        for rel in rels:
            if rel.identifier in taken:
                continue
            if self.kind_of.get(rel.source) == "scenario" or self.kind_of.get(rel.target) == "scenario":
                self._membership(rel)
                continue
            if self._serving(rel, entries):
                continue
            link = self._trace(rel, trace_keys)
            if link is not None:
                entries.setdefault("trace", []).append(link)
                continue
            entries.setdefault("rel", []).append(self._generic_relationship(rel))

    def _membership(self, rel: ParsedRelationship) -> None:
        """An aggregation from a scenario's plateau to an element in it, as the export writes it."""
        plateau = rel.source if self.kind_of.get(rel.source) == "scenario" else rel.target
        target_kind = self.kind_of.get(rel.target)
        fits = (
            rel.type == "Aggregation" and rel.source == plateau and self._plain(rel) and not rel.properties
            and target_kind is not None and KINDS.get(target_kind) is not None and KINDS[target_kind].in_scenarios
            and rel.identifier == f"{rel.source}.has.{rel.target}"
        )
        if not fits:
            raise _NotAScenario(plateau)
        entry = self.entry_by_id[self.bundle_id[rel.target]]
        scenario_ids = entry.setdefault("scenario_ids", [])
        if self.bundle_id[plateau] not in scenario_ids:
            scenario_ids.append(self.bundle_id[plateau])

    def _plain(self, rel: ParsedRelationship) -> bool:
        return not rel.name and not rel.documentation

    def _kinds(self, rel: ParsedRelationship) -> tuple[str | None, str | None]:
        return self.kind_of.get(rel.source), self.kind_of.get(rel.target)

    def _flow(self, rel: ParsedRelationship) -> dict[str, Any] | None:
        if rel.name or self._kinds(rel) != ("system", "system") or rel.source == rel.target:
            return None
        spec = KINDS["flow"]
        entry: dict[str, Any] = {"source_id": self.bundle_id[rel.source], "target_id": self.bundle_id[rel.target]}
        if rel.documentation:
            entry["notes"] = rel.documentation
        by_title = {f.title: f for f in spec.fields if f.name not in STRUCTURAL["flow"] | {"notes"}}
        seen: set[str] = set()
        for prop_name, value in rel.properties:
            f = by_title.get(prop_name)
            if f is None or prop_name in seen:
                return None
            seen.add(prop_name)
            parsed = self._value(f, value)
            if parsed is _FAIL:
                return None
            entry[f.name] = parsed
        if not entry.get("entity_ids") or "pattern" not in entry:
            return None  # a flow of unknown content or pattern stays a generic Flow relationship
        return entry

    def _ownership(self, rel: ParsedRelationship, keys: set) -> dict[str, Any] | None:
        if not self._plain(rel) or self._kinds(rel) != ("system", "entity"):
            return None
        access = dict(rel.attributes).get("accessType", "Access")
        roles = KINDS["ownership"].field("role").choices
        props = dict(rel.properties)
        if len(props) != len(rel.properties) or set(props) - {"Role"}:
            return None
        if "Role" in props:
            role = next((code for code, label in roles.items() if props["Role"] in (code, label)), None)
        else:
            role = {"Read": "reads", "Write": "writes"}.get(access)
        if role is None or ACCESS_TYPE[role] != access:
            return None
        key = (rel.source, rel.target, role)
        if key in keys:
            return None
        keys.add(key)
        return {"system_id": self.bundle_id[rel.source], "entity_id": self.bundle_id[rel.target], "role": role}

    def _serving(self, rel: ParsedRelationship, entries: dict) -> bool:
        # Only under the derived identifier the export writes: any other is kept as it is, id and all.
        if rel.type != "Serving" or not self._plain(rel) or rel.properties:
            return False
        if self._kinds(rel) != ("system", "channel") or rel.identifier != serving_id(rel.source, rel.target):
            return False
        system = next(e for e in entries["system"] if e["id"] == self.bundle_id[rel.source])
        channel = self.bundle_id[rel.target]
        if channel in system.setdefault("channel_ids", []):
            return False
        system["channel_ids"].append(channel)
        return True

    def _trace(self, rel: ParsedRelationship, keys: set) -> dict[str, Any] | None:
        if not self._plain(rel) or rel.properties or rel.attributes:
            return None
        source_kind, target_kind = self._kinds(rel)
        for (trace_kind, throughline_target), (rtype, reverse) in TRACE_TYPE.items():
            if rtype != rel.type:
                continue
            src, tgt = (rel.target, rel.source) if reverse else (rel.source, rel.target)
            src_kind, tgt_kind = (target_kind, source_kind) if reverse else (source_kind, target_kind)
            wanted_source = {"addresses": "requirement", "affects": "decision", "satisfied_by": "requirement",
                             "refines": "requirement"}[trace_kind]
            if src_kind != wanted_source or tgt_kind != throughline_target or src == tgt:
                continue
            key = (trace_kind, src, tgt)
            if key in keys:
                return None
            keys.add(key)
            return {
                "kind": trace_kind,
                "source": self.bundle_id[src],
                "target": self.bundle_id[tgt],
                "archimate_id": rel.identifier,
            }
        return None

    def _generic_relationship(self, rel: ParsedRelationship) -> dict[str, Any]:
        for end in (rel.source, rel.target):
            if end not in self.bundle_id:
                raise ValidationError(
                    {"file": f"Relationship {rel.identifier} ({rel.type}) connects to relationship {end}, which "
                             "Throughline keeps as a link rather than an element; it cannot be imported."}
                )
        self.origin[f"$.archimate_relationships[{self.generic_count}]"] = f"relationship {rel.identifier} ({rel.type})"
        self.generic_count += 1
        entry = {
            "archimate_id": rel.identifier,
            "type": rel.type,
            "name": rel.name,
            "documentation": rel.documentation,
            "properties": [list(p) for p in rel.properties],
            "source": self.bundle_id[rel.source],
            "target": self.bundle_id[rel.target],
        }
        if rel.attributes:
            entry["attributes"] = dict(rel.attributes)
        return entry

    # --- errors -----------------------------------------------------------------------------------

    def explain(self, errors: dict[str, list[str]]) -> str:
        """Bundle errors (keyed by JSON path) as sentences naming the ArchiMate element or relationship."""
        lines = []
        for path, messages in errors.items():
            where = path
            match = re.match(r"\$\.(\w+)\[(\d+)\](?:\.(\w+))?", path)
            if match:
                coll, index, fld = match.group(1), int(match.group(2)), match.group(3)
                entries = self.doc.get(coll, [])
                bundle_id = entries[index].get("id") if index < len(entries) else None
                described = self.origin.get(bundle_id or "") or self.origin.get(f"$.{coll}[{index}]")
                if described:
                    where = described + (f", {fld.replace('_', ' ')}" if fld else "")
            elif path.startswith("$.engagement"):
                where = "the engagement name"
            lines.append(f"{where}: {' '.join(messages)}")
        return "The model could not be imported: " + "; ".join(lines)


_FAIL = object()


class _NotAScenario(Exception):
    """A plateau with a relationship other than its memberships: it is kept as an element instead."""

    def __init__(self, identifier: str) -> None:
        super().__init__(identifier)
        self.identifier = identifier


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
