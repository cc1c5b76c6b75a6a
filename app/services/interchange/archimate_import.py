"""ArchiMate exchange files, import side: a file as a new engagement, all or nothing.

Import parses the file (exports.archimate_import), maps what fits Throughline's kinds *without loss* and keeps
everything else as generic elements and relationships, writes an engagement bundle document and hands it to
the bundle importer, which validates it and writes it all or nothing. This module maps the elements;
relationships are mapped in `archimate_import_relationships`. The mapping: docs/archimate.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.services.archimate_store import SECTION, section_of
from app.services.bundle.checks import FORMAT, VERSION
from app.services.bundle.transfer import import_bundle
from app.services.catalog.field_cleaning import _clean_one
from app.services.catalog.fields import KINDS, Field
from app.services.errors import ValidationError
from app.services.interchange.archimate_import_relationships import _FAIL, _NotAScenario, _RelationshipMapping
from app.services.interchange.archimate_mapping import (
    DOC_FIELD,
    KIND_OF_TYPE,
    NAME_FIELD,
    REF_PROPERTY,
    STRUCTURAL,
)
from exports.archimate_import import ArchimateFileError, ParsedElement, ParsedModel, parse_exchange
from exports.workbook.lists import split_list
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
    views: int  # kept, with their nodes and connections, and written back on export
    one_line_names: int = 0  # names typed over several lines, joined with spaces (titles are one line)


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
    if parsed.kept is not None:  # views, folders, definitions and metadata, stored beside the model
        document[SECTION] = section_of(parsed.kept) | {"unstated_refs": mapper.unstated_refs}
    try:
        engagement = import_bundle(session, document, owner)
    except ValidationError as exc:
        raise ValidationError({"file": mapper.explain(exc.errors)}) from None
    by_kind: dict[str, int] = {}
    for coll, entries in document.items():
        if isinstance(entries, list) and coll not in ("scenarios", "archimate_relationships", SECTION):
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
        views=parsed.views,
        one_line_names=len(parsed.one_line_names),
    )


@dataclass
class _Mapper(_RelationshipMapping):
    """Turns a parsed model into a bundle document; everything that does not map without loss stays generic."""

    model: ParsedModel
    engagement_name: str
    kind_of: dict[str, str] = field(default_factory=dict)  # ArchiMate identifier -> Throughline kind
    bundle_id: dict[str, str] = field(default_factory=dict)  # ArchiMate identifier -> bundle id
    origin: dict[str, str] = field(default_factory=dict)  # bundle path prefix -> human description
    doc: dict[str, Any] = field(default_factory=dict)
    generic_count: int = 0
    unstated_refs: list[str] = field(default_factory=list)  # identifiers numbered here, not by the file

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
        for f in spec.fields:  # what the file does not state stays unknown: no default is made up for it
            if f.unknown and f.name not in entry:
                entry[f.name] = None
        if "ref" in entry:
            self.refs[entry["ref"]] = element.identifier
        return entry

    def _value(self, f: Field, text: str) -> Any:
        """A property's text as the bundle value of a field, or _FAIL when it does not fit."""
        if f.type in ("ref", "refs", "participants"):
            names = [text] if f.type == "ref" else split_list(text)
            out = []
            for one in names:
                found = self._resolve(f, one)
                if found is None:
                    return _FAIL
                out.append(found)
            return out[0] if f.type == "ref" else list(dict.fromkeys(out))
        if f.type == "tags":
            return split_list(text)
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
        self.unstated_refs = []
        self.archimate_id_of = {bid: xid for xid, bid in self.bundle_id.items()}
        for coll, prefix in (("requirements", "REQ"), ("decisions", "ADR")):
            used = {int(e["ref"].rsplit("-", 1)[1]) for e in self.doc.get(coll, []) if "ref" in e}
            n = 1
            for entry in self.doc.get(coll, []):
                if "ref" not in entry:
                    while n in used:
                        n += 1
                    entry["ref"] = f"{prefix}-{n}"
                    self.unstated_refs.append(self.archimate_id_of[entry["id"]])
                    used.add(n)

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


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
