"""Writes a checked bundle into a new engagement through the ordinary services, so the same rules apply.

The caller (bundle.import_bundle) commits on success and rolls back on any error.

Speed (docs/bundle-format.md): each collection is validated object by object through save_element, with
references handed over from memory (`refs=`) and clashes (names, ownerships, links) found in memory, then
flushed in one go and its change-log entries written with one INSERT; no object is flushed on its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.services.archimate_store import import_section
from app.services.bundle.checks import ALL_COLLECTIONS, COLLECTIONS, COUNTERS, MAX_ERRORS, REF_TYPES, parse_ref
from app.services.bundle.comments import import_comments
from app.services.bundle.datasets import import_sections
from app.services.bundle.extras import import_extras
from app.services.bundle.runs import import_runs
from app.services.bundle.signoffs import import_signoffs
from app.services.catalog.bulk_insert import insert_elements
from app.services.catalog.elements import record_changes, save_element
from app.services.catalog.fields import KINDS, Kind, clean
from app.services.catalog.scenario_values import save_in_scenario
from app.services.catalog.trace import link_errors, log_links
from app.services.engagements import create_engagement
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import (
    ArchimateRelationship,
    DataEntity,
    Decision,
    Element,
    Engagement,
    Scenario,
    System,
    TraceLink,
    User,
    name_key,
)
from models.vocab import OWNERSHIP_ROLES

_LINK_FIELDS = {"source_id": "source", "target_id": "target"}


class Importer:
    """One import: bundle id -> database id, and the errors found so far."""

    def __init__(self, session: Session, document: dict[str, Any], owner: User | None) -> None:
        self.session = session
        self.doc = document
        self.owner = owner
        self.user_id = owner.id if owner is not None else None
        self.db_ids: dict[str, int] = {}
        self.failed: set[str] = set()
        self.errors: dict[str, list[str]] = {}
        self.engagement: Engagement | None = None
        self.baseline_id: int | None = None
        # What clean() may refer to, by database id, loaded or created here: no query per reference.
        self.refs: dict[type, dict[int, Any]] = {Scenario: {}} | {spec.model: {} for spec in KINDS.values()}
        self.elements: dict[int, Element] = {}  # database id -> element, for the trace links
        # Saved but not flushed yet: their change-log entries and (bundle id, element) pairs.
        self.deferred: list[tuple] = []
        self.unflushed: dict[str, Element] = {}

    def run(self) -> Engagement:
        """Create the engagement and everything in it; raise ValidationError with every problem found."""
        self.engagement = self._create_engagement()
        self._scenarios()
        later: list[tuple[str, dict[str, Any]]] = []
        for coll, kind in ALL_COLLECTIONS:
            self._collection(coll, kind, later)
        for path, obj in later:
            self._supersede(path, obj)
        self._links()
        self._archimate_relationships()
        import_section(self.session, self.engagement, self.doc)  # an imported ArchiMate model's views
        self._scenario_values()
        if not self.errors:  # datasets and ATP rules refer to systems and scenarios created above
            found = import_sections(self.session, self.engagement, self.doc, self.db_ids, self.owner)
            kinds = {obj["id"]: kind for coll, kind in ALL_COLLECTIONS for obj in self.doc.get(coll, [])}
            more = import_extras(self.session, self.engagement, self.doc, self.db_ids, kinds, self.owner)
            runs = import_runs(self.session, self.engagement, self.doc.get("engine_runs", []), self.db_ids, self.owner)
            signed = import_signoffs(self.session, self.engagement, self.doc.get("signoffs", []), self.db_ids, kinds)
            notes = import_comments(self.session, self.engagement, self.doc.get("comments", []), self.db_ids)
            for key, messages in [*found.items(), *more.items(), *runs.items(), *signed.items(), *notes.items()]:
                self.errors.setdefault(key, []).extend(messages)
        if self.errors:
            raise ValidationError(self.errors)
        self._counters()
        self.session.flush()
        return self.engagement

    # --- steps ------------------------------------------------------------------------------------

    def _create_engagement(self) -> Engagement:
        data = self.doc["engagement"]
        try:
            return create_engagement(
                self.session,
                data["name"],
                client=data.get("client", ""),
                description=data.get("description", ""),
                start_date=_day(data.get("start_date")),
                end_date=_day(data.get("end_date")),
                owner=self.owner,
                seed=False,  # channels and entities come from the bundle only
                commit=False,
            )
        except ValidationError as exc:
            raise ValidationError(_rekey(exc.errors, "$.engagement")) from None

    def _scenarios(self) -> None:
        baseline = self.session.scalar(
            select(Scenario).where(Scenario.engagement_id == self.engagement.id, Scenario.is_baseline.is_(True))
        )
        indexed = list(enumerate(self.doc["scenarios"]))
        # The baseline first: create_engagement made it, and a proposal may reuse its default name.
        for i, data in sorted(indexed, key=lambda pair: not pair[1].get("is_baseline")):
            is_baseline = bool(data.get("is_baseline"))
            default = baseline.description if is_baseline else ""
            try:
                scenario = save_scenario(
                    self.session,
                    self.engagement,
                    data["name"],
                    data.get("description", default),
                    scenario=baseline if is_baseline else None,
                    commit=False,
                )
            except ValidationError as exc:
                self._fail(f"$.scenarios[{i}]", data, exc.errors)
                continue
            scenario.external_id = self.doc.get("archimate_ids", {}).get(data["id"])
            self.db_ids[data["id"]] = scenario.id
            self.refs[Scenario][scenario.id] = scenario
        self.baseline_id = baseline.id

    def _collection(self, coll: str, kind: str, later: list) -> None:
        """Save every object of one collection (validated one by one), then insert them together."""
        spec = KINDS[kind]
        seen: dict[Any, str] = {}  # what must be unique in the engagement -> the first saved object's path
        # The objects are built outside the session; a query's autoflush has nothing of theirs to write.
        with self.session.no_autoflush:
            for i, obj in enumerate(self.doc.get(coll, [])):
                self._element(f"$.{coll}[{i}]", spec, obj, later, seen)
        self._settle(f"$.{coll}")

    def _element(self, path: str, spec: Kind, obj: dict[str, Any], later: list, seen: dict) -> None:
        payload = self._payload(spec.kind, obj, later, path)
        if payload is None:
            return
        key, clash = self._clash(spec, payload, seen)
        if clash:
            self._fail(path, obj, clash)
            return
        if spec.in_scenarios and not payload.get("scenario_ids"):
            payload["scenario_ids"] = [self.baseline_id]  # save_element's default, without its query
        try:
            element = save_element(
                self.session,
                self.engagement,
                spec.kind,
                payload,
                user_id=self.user_id,
                commit=False,
                refs=self.refs,
                check_unique=False,  # _clash answered it; the unique constraints stay the backstop
                deferred=self.deferred,
                number=parse_ref(obj["ref"]) if spec.ref_prefix else None,
                add=False,  # _settle inserts it in bulk
            )
        except ValidationError as exc:
            self._fail(path, obj, exc.errors)
            return
        if key is not None:
            seen[key] = path
        if spec.in_scenarios and obj.get("scenario_ids") == []:
            # An explicit empty list means "in no scenario"; save_element would default to the baseline.
            element.scenarios = []
        element.external_id = self.doc.get("archimate_ids", {}).get(obj["id"])
        self.unflushed[obj["id"]] = element

    def _clash(self, spec: Kind, payload: dict[str, Any], seen: dict) -> tuple[Any, dict[str, list[str]]]:
        """What must be unique about the object (None: nothing), and the clash save_element would find by
        query with an object saved before it, found in `seen` instead."""
        if spec.named and isinstance(payload.get("name"), str):
            key = name_key(payload["name"])
            if key in seen:
                return key, {"name": [f"A {spec.label.lower()} with this name already exists."]}
            return key, {}
        if spec.kind == "ownership" and isinstance(payload.get("role"), str):
            role = clean(self.session, self.engagement.id, spec, {"role": payload["role"]}, partial=True)[0].get("role")
            system = self.refs[System].get(payload.get("system_id"))
            entity = self.refs[DataEntity].get(payload.get("entity_id"))
            if not (role and system and entity):
                return None, {}  # save_element reports what is wrong with them
            if (system.id, entity.id, role) in seen:
                return None, {"role": [f"{system.name} is already {OWNERSHIP_ROLES[role].lower()} for {entity.name}."]}
            return (system.id, entity.id, role), {}
        return None, {}

    def _settle(self, path: str) -> None:
        """Insert what was saved since the last time in bulk, write its change-log entries and learn its ids."""
        if not self.unflushed:
            return
        try:
            loaded = insert_elements(self.session, list(self.unflushed.values()))
        except IntegrityError as exc:
            # Every rule was checked above: a refusal here is a clash nothing else found. Stop, naming it.
            self.errors.setdefault(path, []).append(f"The database refused these objects ({_first_line(exc)}).")
            raise ValidationError(self.errors) from None
        record_changes(self.session, self.deferred)  # the built objects still hold their labels and ids
        for bundle_id, element in zip(self.unflushed, loaded, strict=True):
            self.db_ids[bundle_id] = element.id
            self.refs[type(element)][element.id] = element
            self.elements[element.id] = element
        self.deferred.clear()
        self.unflushed.clear()

    def forget(self) -> None:
        """After a rollback: drop the elements loaded back, whose ids the database may hand out again."""
        for element in self.elements.values():
            if element in self.session:
                self.session.expunge(element)

    def _payload(self, kind: str, obj: dict[str, Any], later: list, path: str) -> dict[str, Any] | None:
        """The save_element payload with bundle ids turned into database ids; None if a referent failed."""
        payload: dict[str, Any] = {}
        for f in KINDS[kind].fields:
            if f.name not in obj:
                continue
            value = obj[f.name]
            if f.type not in REF_TYPES or value is None:
                payload[f.name] = value
                continue
            wanted = [value] if f.type == "ref" else value
            if any(v in self.failed for v in wanted):
                self.failed.add(obj["id"])  # its referent's error is already reported
                return None
            if any(v in self.unflushed for v in wanted):
                self._settle(path)  # an earlier object of the same collection: its id is needed now
            if f.name == "supersedes_id" and value not in self.db_ids:
                later.append((path, obj))  # a later decision: link it once that one exists
                continue
            ids = [self.db_ids[v] for v in wanted]
            payload[f.name] = ids[0] if f.type == "ref" else ids
        return payload

    def _scenario_values(self) -> None:
        """What objects hold in one scenario only, written like an edit made in that scenario."""
        for i, entry in enumerate(self.doc.get("scenario_values", [])):
            if entry["element"] in self.failed or entry["element"] not in self.db_ids:
                continue  # the object's own error is already reported
            element = self.session.get(Element, self.db_ids[entry["element"]])
            scenario = self.session.get(Scenario, self.db_ids[entry["scenario"]])
            spec = KINDS[element.kind]
            payload: dict[str, Any] = {}
            for name, value in entry["values"].items():
                f = spec.field(name)
                if f.type == "ref" and value is not None:
                    value = self.db_ids[value]
                elif f.type == "refs":
                    value = [self.db_ids[v] for v in value]
                payload[name] = value
            try:
                save_in_scenario(self.session, self.engagement, element, scenario, payload, user_id=self.user_id,
                                 commit=False)
            except ValidationError as exc:
                self._fail(f"$.scenario_values[{i}]", entry, exc.errors, rename={k: f"values.{k}" for k in payload})

    def _supersede(self, path: str, obj: dict[str, Any]) -> None:
        if obj["id"] in self.failed or obj["supersedes_id"] in self.failed:
            return
        decision = self.session.get(Decision, self.db_ids[obj["id"]])
        data = {"supersedes_id": self.db_ids[obj["supersedes_id"]]}
        try:
            save_element(
                self.session,
                self.engagement,
                "decision",
                data,
                decision,
                partial=True,
                user_id=self.user_id,
                commit=False,
            )
        except ValidationError as exc:
            self._fail(path, obj, exc.errors)

    def _links(self) -> None:
        """Every trace link checked by add_link's rules in memory, flushed together and logged in one INSERT."""
        made: list[TraceLink] = []
        seen: set[tuple[str, int, int]] = set()
        for i, link in enumerate(self.doc.get("trace_links", [])):
            if link["source"] in self.failed or link["target"] in self.failed:
                continue
            key = (link["kind"], self.db_ids[link["source"]], self.db_ids[link["target"]])
            source, target = self.elements.get(key[1]), self.elements.get(key[2])
            errors = link_errors(link["kind"], source, target)
            if not errors and key in seen:
                errors["target_id"] = "These two are already linked."
            if errors:
                self._fail(f"$.trace_links[{i}]", link, {k: [v] for k, v in errors.items()}, _LINK_FIELDS)
                continue
            seen.add(key)
            made.append(
                TraceLink(
                    engagement_id=self.engagement.id,
                    kind=link["kind"],
                    source=source,
                    target=target,
                    source_version=source.version,
                    target_version=target.version,
                    external_id=link.get("archimate_id") or None,
                )
            )
        self.session.add_all(made)
        try:
            self.session.flush()
        except IntegrityError as exc:
            refused = f"The database refused these links ({_first_line(exc)})."
            self.errors.setdefault("$.trace_links", []).append(refused)
            raise ValidationError(self.errors) from None
        log_links(self.session, self.engagement.id, made, self.user_id)

    def _archimate_relationships(self) -> None:
        # Kept as imported from ArchiMate (docs/archimate.md); the schema and reference checks ran already.
        for rel in self.doc.get("archimate_relationships", []):
            if rel["source"] in self.failed or rel["target"] in self.failed:
                continue
            self.session.add(
                ArchimateRelationship(
                    engagement_id=self.engagement.id,
                    identifier=rel["archimate_id"],
                    type=rel["type"],
                    name=rel.get("name", ""),
                    documentation=rel.get("documentation", ""),
                    properties=[list(pair) for pair in rel.get("properties", [])],
                    attributes=dict(rel.get("attributes", {})),
                    source_id=self.db_ids[rel["source"]],
                    target_id=self.db_ids[rel["target"]],
                )
            )

    def _counters(self) -> None:
        data = self.doc["engagement"]
        for coll, kind in COLLECTIONS:
            if kind not in COUNTERS:
                continue
            used = [parse_ref(obj["ref"]) for obj in self.doc.get(coll, [])]
            setattr(self.engagement, COUNTERS[kind], int(data.get(COUNTERS[kind]) or max(used, default=0) + 1))

    # --- errors -----------------------------------------------------------------------------------

    def _fail(self, path: str, obj: dict[str, Any], errors: dict[str, list[str]], rename=None) -> None:
        if "id" in obj:
            self.failed.add(obj["id"])
        for key, messages in _rekey(errors, path, rename).items():
            self.errors.setdefault(key, []).extend(messages)
        # save_element rolls the session back on an IntegrityError, losing the engagement: stop there.
        if sum(map(len, self.errors.values())) >= MAX_ERRORS or not inspect(self.engagement).persistent:
            raise ValidationError(self.errors)


def _rekey(errors: dict[str, list[str]], path: str, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Service error keys (field names) -> JSON paths under `path`."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        where = path if key == "__all__" else f"{path}.{(rename or {}).get(key, key)}"
        out.setdefault(where, []).extend(messages)
    return out


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
