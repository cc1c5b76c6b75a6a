"""Checks a bundle document before anything is written: envelope, JSON Schema, then references."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from app.services.bundle.quick_schema import compile_schema
from app.services.catalog.fields import KIND_BY_MODEL, KINDS, Field
from app.services.datasets.kinds import KINDS as DATASET_KINDS
from app.services.errors import ValidationError
from models import Scenario
from models.engines import RUN_KINDS
from models.vocab import TRACE_RULES

FORMAT = "throughline-bundle"
VERSION = 1
MAX_ERRORS = 20
SCHEMA_PATH = Path(__file__).with_name("schema.json")
# Collections in the order they are written: each refers only to earlier ones (scenarios come first),
# except a decision that supersedes a later decision.
COLLECTIONS = (
    ("channels", "channel"),
    ("entities", "entity"),
    ("stakeholders", "stakeholder"),
    ("systems", "system"),
    ("flows", "flow"),
    ("ownerships", "ownership"),
    ("requirements", "requirement"),
    ("decisions", "decision"),
)
# Written after those, and only when an engagement has any (they come from ArchiMate imports).
OPTIONAL_COLLECTIONS = (("generic_elements", "generic"),)
ALL_COLLECTIONS = COLLECTIONS + OPTIONAL_COLLECTIONS
COUNTERS = {"requirement": "next_requirement_number", "decision": "next_decision_number"}
REF_TYPES = ("ref", "refs", "participants")

Problems = list[tuple[str, str]]


def check_bundle(document: Any) -> None:
    """Raise ValidationError keyed by JSON path unless the document is a well-formed, self-consistent bundle."""
    problems = _envelope(document) or _schema(document) or _references(document)
    if problems:
        raise ValidationError(as_errors(problems))


def as_errors(problems: Problems) -> dict[str, list[str]]:
    """Group (path, message) pairs by path, keeping at most MAX_ERRORS messages."""
    errors: dict[str, list[str]] = {}
    for path, message in problems[:MAX_ERRORS]:
        errors.setdefault(path, []).append(message)
    return errors


def target_kind(f: Field) -> str:
    """The kind of object a reference field points at ("scenario" or an element kind)."""
    return "scenario" if f.target is Scenario else KIND_BY_MODEL[f.target].kind


def parse_ref(ref: str) -> int:
    """REQ-12 -> 12 (the schema has already checked the shape)."""
    return int(ref.rsplit("-", 1)[1])


def _envelope(document: Any) -> Problems:
    # A wrong format or version makes every schema message noise, so say only that.
    if not isinstance(document, dict):
        return [("$", "A bundle is a JSON object.")]
    if document.get("format") != FORMAT:
        return [("$.format", f"Not a Throughline bundle (expected format {FORMAT!r}).")]
    version = document.get("version")
    if isinstance(version, bool) or version != VERSION:
        return [("$.version", f"Unsupported bundle version {version!r}; this Throughline reads version {VERSION}.")]
    return []


def bundle_schema() -> dict[str, Any]:
    """The bundle's JSON Schema: schema.json with the dataset kinds taken from the datasets registry."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # A kind added to app/services/datasets/kinds.py travels without a hand edit here; a test keeps the
    # published file in step (tests/test_bundle_kinds.py).
    schema["$defs"]["dataset"]["properties"]["kind"]["enum"] = list(DATASET_KINDS)
    schema["$defs"]["engine_run"]["properties"]["kind"]["enum"] = list(RUN_KINDS)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(bundle_schema())


@cache
def _quick_check():
    return compile_schema(bundle_schema())


def _schema(document: dict) -> Problems:
    if _quick_check()(document):
        return []  # certainly valid: jsonschema would take seconds to say so at 1,000 systems
    found = sorted(_validator().iter_errors(document), key=lambda e: _path_key(e.absolute_path))
    problems: dict[tuple[str, str], None] = {}
    for error in found:
        if error.validator == "required":
            # Point at the missing field itself, as the services do (jsonschema names the object).
            for name in error.validator_value:
                if name not in error.instance:
                    problems[(f"{error.json_path}.{name}", "This field is required.")] = None
        else:
            problems[(error.json_path, _message(error))] = None
    return list(problems)[:MAX_ERRORS]


def _path_key(path) -> tuple:
    # Numeric indexes sort as numbers, so flows[2] comes before flows[10].
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


_TYPE_NAMES = {
    "string": "text",
    "boolean": "true or false",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _message(error) -> str:
    # jsonschema quotes the whole offending value; a bundle's values can be large, so say what was wanted.
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"Must be {' or '.join(_TYPE_NAMES.get(t, t) for t in wanted)}."
    if error.validator == "enum":
        return f"Must be one of: {', '.join(map(str, error.validator_value))}."
    if error.validator == "pattern":
        return f"{str(error.instance)[:60]!r} does not have the expected form."
    return error.message[:300]


class _Index:
    """Bundle id -> (kind, path) of the object that defines it."""

    def __init__(self) -> None:
        self.defined: dict[str, tuple[str, str]] = {}
        self.problems: Problems = []

    def define(self, bundle_id: str, kind: str, path: str) -> None:
        if bundle_id in self.defined:
            self.problems.append((f"{path}.id", f"Duplicate id {bundle_id!r} (also {self.defined[bundle_id][1]})."))
        else:
            self.defined[bundle_id] = (kind, path)

    def check(self, value: str | None, wanted: set[str], path: str) -> None:
        if value is None:
            return
        found = self.defined.get(value)
        if found is None:
            self.problems.append((path, f"Unknown id {value!r}."))
        elif found[0] not in wanted:
            self.problems.append(
                (path, f"{value!r} is a {_label(found[0])}, not a {' or '.join(map(_label, sorted(wanted)))}.")
            )


def _label(kind: str) -> str:
    return "scenario" if kind == "scenario" else KINDS[kind].label.lower()


def _references(document: dict) -> Problems:
    index = _Index()
    scenarios = document["scenarios"]
    for i, scenario in enumerate(scenarios):
        index.define(scenario["id"], "scenario", f"$.scenarios[{i}]")
    for coll, kind in ALL_COLLECTIONS:
        for i, obj in enumerate(document.get(coll, [])):
            index.define(obj["id"], kind, f"$.{coll}[{i}]")
    baselines = sum(1 for s in scenarios if s.get("is_baseline"))
    if baselines != 1:
        index.problems.append(("$.scenarios", f"Exactly one scenario must have is_baseline true (found {baselines})."))
    for coll, kind in ALL_COLLECTIONS:
        _check_collection(index, document, coll, kind)
    for i, link in enumerate(document.get("trace_links", [])):
        source_kind, target_kinds = TRACE_RULES[link["kind"]]
        index.check(link["source"], {source_kind}, f"$.trace_links[{i}].source")
        index.check(link["target"], set(target_kinds), f"$.trace_links[{i}].target")
    element_kinds = {kind for _coll, kind in ALL_COLLECTIONS}
    _check_scenario_values(index, document)
    for i, rel in enumerate(document.get("archimate_relationships", [])):
        index.check(rel["source"], element_kinds, f"$.archimate_relationships[{i}].source")
        index.check(rel["target"], element_kinds, f"$.archimate_relationships[{i}].target")
    for key in document.get("archimate_ids", {}):
        index.check(key, element_kinds | {"scenario"}, f"$.archimate_ids.{key}")
    index.problems.extend(_archimate_ids(document))
    index.problems.extend(_engagement_values(document))
    return index.problems


def _check_scenario_values(index: _Index, document: dict) -> None:
    """Each entry names a scenario and an object of a kind with per-scenario fields, and only those fields."""
    varying = {kind: {f.name: f for f in spec.fields if f.per_scenario} for kind, spec in KINDS.items()}
    for i, entry in enumerate(document.get("scenario_values", [])):
        path = f"$.scenario_values[{i}]"
        index.check(entry["scenario"], {"scenario"}, f"{path}.scenario")
        kinds = {kind for kind, fields in varying.items() if fields}
        index.check(entry["element"], kinds, f"{path}.element")
        kind = index.defined.get(entry["element"], ("", ""))[0]
        for name, value in entry["values"].items():
            f = varying.get(kind, {}).get(name)
            if f is None:
                if kind in kinds:
                    allowed = ", ".join(varying[kind])
                    index.problems.append((f"{path}.values.{name}", f"Not a per-scenario field (one of: {allowed})."))
                continue
            if f.type == "ref" and value is not None:
                index.check(value, {target_kind(f)}, f"{path}.values.{name}")
            elif f.type == "refs":
                if not isinstance(value, list):
                    index.problems.append((f"{path}.values.{name}", "Must be a list of ids."))
                    continue
                for j, item in enumerate(value):
                    index.check(item, {target_kind(f)}, f"{path}.values.{name}[{j}]")


def _check_collection(index: _Index, document: dict, coll: str, kind: str) -> None:
    spec = KINDS[kind]
    numbers: dict[int, str] = {}
    for i, obj in enumerate(document.get(coll, [])):
        path = f"$.{coll}[{i}]"
        for f in spec.fields:
            if f.type not in REF_TYPES or f.name not in obj:
                continue
            wanted = {target_kind(f)}
            if f.type == "ref":
                index.check(obj[f.name], wanted, f"{path}.{f.name}")
            else:
                for j, value in enumerate(obj[f.name]):
                    index.check(value, wanted, f"{path}.{f.name}[{j}]")
        if kind == "decision" and obj.get("supersedes_id") == obj["id"]:
            index.problems.append((f"{path}.supersedes_id", "A decision cannot supersede itself."))
        if spec.ref_prefix:
            number = parse_ref(obj["ref"])
            if number in numbers:
                index.problems.append((f"{path}.ref", f"Duplicate ref {obj['ref']} (also {numbers[number]})."))
            numbers.setdefault(number, path)
    counter = document["engagement"].get(COUNTERS[kind]) if kind in COUNTERS else None
    if counter is not None and numbers and counter <= max(numbers):
        index.problems.append(
            (f"$.engagement.{COUNTERS[kind]}", f"Must be greater than every {kind} number (highest: {max(numbers)}).")
        )


def _archimate_ids(document: dict) -> Problems:
    # They become XML identifiers (xs:ID) when the engagement is exported as ArchiMate: unique per document.
    seen: dict[str, str] = {}
    problems: Problems = []
    places = [("archimate_ids", {"archimate_id": value}) for value in document.get("archimate_ids", {}).values()]
    places += [("trace_links", obj) for obj in document.get("trace_links", [])]
    places += [("archimate_relationships", obj) for obj in document.get("archimate_relationships", [])]
    counters: dict[str, int] = {}
    for coll, obj in places:
        i = counters[coll] = counters.get(coll, -1) + 1
        value = obj.get("archimate_id")
        if value is None:
            continue
        path = f"$.{coll}[{i}].archimate_id"
        if value in seen:
            problems.append((path, f"Duplicate ArchiMate identifier {value!r} (also {seen[value]})."))
        else:
            seen[value] = path
    return problems


def _engagement_values(document: dict) -> Problems:
    problems: Problems = []
    for key in ("start_date", "end_date"):
        value = document["engagement"].get(key)
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                problems.append((f"$.engagement.{key}", "Must be a date (YYYY-MM-DD)."))
    return problems
