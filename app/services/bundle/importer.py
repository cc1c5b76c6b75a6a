"""Writes a checked bundle into a new engagement through the ordinary services, so the same rules apply.

The caller (bundle.import_bundle) commits on success and rolls back on any error.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.services.archimate_store import import_section
from app.services.bundle.checks import ALL_COLLECTIONS, COLLECTIONS, COUNTERS, MAX_ERRORS, REF_TYPES, parse_ref
from app.services.bundle.datasets import import_sections
from app.services.bundle.extras import import_extras
from app.services.bundle.runs import import_runs
from app.services.catalog.elements import save_element
from app.services.catalog.fields import KINDS
from app.services.catalog.scenario_values import save_in_scenario
from app.services.catalog.trace import add_link
from app.services.engagements import create_engagement
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from models import ArchimateRelationship, Decision, Element, Engagement, Scenario, User

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

    def run(self) -> Engagement:
        """Create the engagement and everything in it; raise ValidationError with every problem found."""
        self.engagement = self._create_engagement()
        self._scenarios()
        later: list[tuple[str, dict[str, Any]]] = []
        for coll, kind in ALL_COLLECTIONS:
            for i, obj in enumerate(self.doc.get(coll, [])):
                self._element(f"$.{coll}[{i}]", kind, obj, later)
        for path, obj in later:
            self._supersede(path, obj)
        for i, link in enumerate(self.doc.get("trace_links", [])):
            self._link(f"$.trace_links[{i}]", link)
        self._archimate_relationships()
        import_section(self.session, self.engagement, self.doc)  # an imported ArchiMate model's views
        self._scenario_values()
        if not self.errors:  # datasets and ATP rules refer to systems and scenarios created above
            found = import_sections(self.session, self.engagement, self.doc, self.db_ids, self.owner)
            kinds = {obj["id"]: kind for coll, kind in ALL_COLLECTIONS for obj in self.doc.get(coll, [])}
            more = import_extras(self.session, self.engagement, self.doc, self.db_ids, kinds, self.owner)
            runs = import_runs(self.session, self.engagement, self.doc.get("engine_runs", []), self.db_ids, self.owner)
            for key, messages in [*found.items(), *more.items(), *runs.items()]:
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

    def _element(self, path: str, kind: str, obj: dict[str, Any], later: list) -> None:
        spec = KINDS[kind]
        payload = self._payload(kind, obj, later, path)
        if payload is None:
            return
        if spec.ref_prefix:
            # save_element numbers from the engagement counter: point it at the bundle's number.
            setattr(self.engagement, COUNTERS[kind], parse_ref(obj["ref"]))
            self.session.flush()
        try:
            element = save_element(self.session, self.engagement, kind, payload, user_id=self.user_id, commit=False)
        except ValidationError as exc:
            self._fail(path, obj, exc.errors)
            return
        if spec.in_scenarios and obj.get("scenario_ids") == []:
            # An explicit empty list means "in no scenario"; save_element would default to the baseline.
            element.scenarios = []
        element.external_id = self.doc.get("archimate_ids", {}).get(obj["id"])
        self.db_ids[obj["id"]] = element.id

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

    def _link(self, path: str, link: dict[str, Any]) -> None:
        if link["source"] in self.failed or link["target"] in self.failed:
            return
        try:
            added = add_link(
                self.session,
                self.engagement,
                link["kind"],
                self.db_ids[link["source"]],
                self.db_ids[link["target"]],
                user_id=self.user_id,
                commit=False,
            )
        except ValidationError as exc:
            self._fail(path, link, exc.errors, _LINK_FIELDS)
            return
        if link.get("archimate_id"):
            added.external_id = link["archimate_id"]

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


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
