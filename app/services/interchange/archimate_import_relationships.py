"""ArchiMate exchange files, import side: relationships of a parsed model mapped onto the bundle.

Flows and accesses that fit become flows and ownerships, a plateau's aggregations become scenario
memberships, Serving under the export's derived identifier becomes a channel served, fitting relationships
between requirements, decisions, systems and flows become trace links; everything else stays a generic
relationship. `_RelationshipMapping` is the relationship half of the importer's `_Mapper`
(app/services/interchange/archimate_import.py); the mapping: docs/archimate.md.
"""

from __future__ import annotations

from typing import Any

from app.services.catalog.fields import KINDS
from app.services.errors import ValidationError
from app.services.interchange.archimate_mapping import STRUCTURAL
from exports.archimate import ACCESS_TYPE, LEGACY_TRACE_TYPE, TRACE_TYPE, serving_id
from exports.archimate_import import ParsedRelationship

_FAIL = object()


class _NotAScenario(Exception):
    """A plateau with a relationship other than its memberships: it is kept as an element instead."""

    def __init__(self, identifier: str) -> None:
        super().__init__(identifier)
        self.identifier = identifier


class _RelationshipMapping:
    """The relationship half of `_Mapper`: reads its `model`, reads and fills its `kind_of`, `bundle_id`,
    `entry_by_id`, `origin` and `generic_count`, and parses property values with its `_value`."""

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
            # Association where ArchiMate does not let a plateau aggregate the member (exports.archimate.writer).
            rel.type in ("Aggregation", "Association") and rel.source == plateau and self._plain(rel)
            and not rel.properties
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
        for (trace_kind, throughline_target), (rtype, reverse) in [*TRACE_TYPE.items(), *LEGACY_TRACE_TYPE.items()]:
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
