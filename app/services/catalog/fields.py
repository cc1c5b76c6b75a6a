"""Declarative field specs per element kind: one place that cleans input, applies it and snapshots it.

The same payload shape (field name -> plain value, ids for references) is used by forms, the JSON
bundle, the change log and the CLI, so every entry path gets the same validation. This module holds the
specs (`Field`, `Kind`, `KINDS`), applying and snapshotting; cleaning is in `field_cleaning`, and its
`clean` is importable from here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.services.catalog.field_cleaning import clean as clean
from models import (
    Channel,
    DataEntity,
    DataFlow,
    Decision,
    DecisionParticipant,
    Element,
    GenericElement,
    Ownership,
    Requirement,
    Scenario,
    Stakeholder,
    System,
    Tag,
)
from models.archimate import ELEMENT_TYPE_LABELS
from models.vocab import (
    DECISION_STATUSES,
    FLOW_DIRECTIONS,
    FLOW_PATTERNS,
    HOSTING,
    LEVELS,
    LIFECYCLE,
    OWNERSHIP_ROLES,
    PRIORITIES,
    REQUIREMENT_STATUSES,
    REQUIREMENT_TYPES,
    STAKEHOLDER_AREAS,
    SYSTEM_CATEGORIES,
)


@dataclass(frozen=True)
class Field:
    """One input field of an element kind."""

    name: str
    type: str  # text | longtext | choice | bool | float | date | email | ref | refs | tags | participants
    required: bool = False
    choices: dict[str, str] | None = None
    target: type | None = None  # referenced model for ref/refs
    attr: str | None = None  # model attribute, when it differs from the field name
    max_len: int = 300
    default: Any = None
    label: str | None = None
    # A value a scenario may hold differently from the others (docs/scenarios.md); the rest is shared.
    per_scenario: bool = False
    # May be unknown: an explicit None (an import that did not state it) is stored as None, not defaulted.
    unknown: bool = False

    @property
    def title(self) -> str:
        """Human label of the field."""
        return self.label or self.name.removesuffix("_ids").removesuffix("_id").replace("_", " ").capitalize()


@dataclass(frozen=True)
class Kind:
    """An element kind: its model, its fields and how it is labelled."""

    kind: str
    model: type[Element]
    label: str
    plural: str
    fields: tuple[Field, ...]
    named: bool = True  # names unique per engagement (case-insensitive)
    ref_prefix: str | None = None
    in_scenarios: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        """The field called `name`."""
        return next(f for f in self.fields if f.name == name)


def _scen() -> Field:
    return Field("scenario_ids", "refs", target=Scenario, attr="scenarios", label="Scenarios")


def _tags() -> Field:
    return Field("tags", "tags", default=())


KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind(
            "channel",
            Channel,
            "Channel",
            "Channels",
            (
                Field("name", "text", required=True, max_len=200),
                Field("description", "longtext", default=""),
                Field("customer_facing", "bool", default=True, unknown=True),
            ),
        ),
        Kind(
            "entity",
            DataEntity,
            "Data entity",
            "Data entities",
            (
                Field("name", "text", required=True, max_len=200),
                Field("description", "longtext", default=""),
                Field("time_critical", "bool", default=False, unknown=True),
            ),
        ),
        Kind(
            "stakeholder",
            Stakeholder,
            "Stakeholder",
            "Stakeholders",
            (
                Field("name", "text", required=True, max_len=200),
                Field("role", "text", default="", max_len=200),
                Field("team", "text", default="", max_len=200),
                Field("area", "choice", choices=STAKEHOLDER_AREAS, default="other", unknown=True),
                Field("influence", "choice", choices=LEVELS, default="medium", unknown=True),
                Field("interest", "choice", choices=LEVELS, default="medium", unknown=True),
                Field("email", "email", default="", max_len=254),
            ),
        ),
        Kind(
            "system",
            System,
            "System",
            "Systems",
            (
                Field("name", "text", required=True, max_len=200),
                Field("category", "choice", required=True, choices=SYSTEM_CATEGORIES, per_scenario=True,
                      unknown=True),
                Field("vendor", "text", default="", max_len=200, per_scenario=True),
                Field("product", "text", default="", max_len=200, per_scenario=True),
                Field("hosting", "choice", choices=HOSTING, default="saas", per_scenario=True, unknown=True),
                Field("lifecycle", "choice", choices=LIFECYCLE, default="active", per_scenario=True, unknown=True),
                Field("owner_id", "ref", target=Stakeholder, attr="owner", per_scenario=True),
                Field("channel_ids", "refs", target=Channel, attr="channels", label="Channels served",
                      per_scenario=True),
                _scen(),
                _tags(),
                Field("notes", "longtext", default=""),
            ),
            in_scenarios=True,
        ),
        Kind(
            "flow",
            DataFlow,
            "Data flow",
            "Data flows",
            (
                Field("source_id", "ref", required=True, target=System, attr="source"),
                Field("target_id", "ref", required=True, target=System, attr="target"),
                Field("entity_ids", "refs", required=True, target=DataEntity, attr="entities", label="Entities",
                      per_scenario=True),
                Field("pattern", "choice", required=True, choices=FLOW_PATTERNS, per_scenario=True),
                Field("frequency", "text", default="", max_len=200, per_scenario=True),
                Field("latency_seconds", "float", label="Typical latency (seconds)", per_scenario=True),
                Field("worst_latency_seconds", "float", label="Worst latency (seconds)", per_scenario=True),
                Field("via_id", "ref", target=System, attr="via", label="Via (middleware)", per_scenario=True),
                Field("direction", "choice", choices=FLOW_DIRECTIONS, default="one_way", per_scenario=True),
                _scen(),
                _tags(),
                Field("notes", "longtext", default=""),
            ),
            named=False,
            in_scenarios=True,
        ),
        Kind(
            "ownership",
            Ownership,
            "Ownership",
            "Ownerships",
            (
                Field("system_id", "ref", required=True, target=System, attr="system"),
                Field("entity_id", "ref", required=True, target=DataEntity, attr="entity"),
                Field("role", "choice", required=True, choices=OWNERSHIP_ROLES, per_scenario=True),
                _scen(),
            ),
            named=False,
            in_scenarios=True,
        ),
        Kind(
            "requirement",
            Requirement,
            "Requirement",
            "Requirements",
            (
                Field("title", "text", required=True, attr="name", max_len=300),
                Field("text", "longtext", default=""),
                Field("type", "choice", choices=REQUIREMENT_TYPES, default="functional", unknown=True),
                Field("priority", "choice", choices=PRIORITIES, default="should", unknown=True),
                Field("channel_ids", "refs", target=Channel, attr="channels", label="Channels"),
                Field("source_id", "ref", target=Stakeholder, attr="source", label="Source stakeholder"),
                Field("status", "choice", choices=REQUIREMENT_STATUSES, default="draft", unknown=True),
                Field("acceptance", "longtext", default="", label="Acceptance criteria"),
                _tags(),
            ),
            named=False,
            ref_prefix="REQ",
        ),
        Kind(
            "decision",
            Decision,
            "Decision",
            "Decisions",
            (
                Field("title", "text", required=True, attr="name", max_len=300),
                Field("status", "choice", choices=DECISION_STATUSES, default="proposed", unknown=True),
                Field("context", "longtext", default=""),
                Field("options", "longtext", default="", label="Options considered"),
                Field("outcome", "longtext", default=""),
                Field("consequences", "longtext", default=""),
                Field("decided_on", "date", label="Date"),
                Field("decider_ids", "participants", target=Stakeholder, attr="decider", label="Deciders"),
                Field("consulted_ids", "participants", target=Stakeholder, attr="consulted", label="Consulted"),
                Field("informed_ids", "participants", target=Stakeholder, attr="informed", label="Informed"),
                Field("supersedes_id", "ref", target=Decision, attr="supersedes"),
                Field("scenario_id", "ref", target=Scenario, attr="scenario"),
                _tags(),
            ),
            named=False,
            ref_prefix="ADR",
        ),
        # ArchiMate elements of types the model has no kind for (kept from imported models; docs/archimate.md).
        Kind(
            "generic",
            GenericElement,
            "Other element",
            "Other elements",
            (
                Field("name", "text", required=True, max_len=300),
                Field("archimate_type", "choice", required=True, choices=ELEMENT_TYPE_LABELS, label="ArchiMate type"),
                Field("documentation", "longtext", default=""),
                Field("properties", "longtext", default="", attr="properties_text",
                      label="Properties (one `name: value` per line)"),
                _scen(),
            ),
            named=False,
            in_scenarios=True,
        ),
    )
}
KIND_BY_MODEL = {k.model: k for k in KINDS.values()}


def kind_of(element: Element) -> Kind:
    """The Kind spec of an element instance."""
    return KINDS[element.kind]


# --- applying and snapshotting --------------------------------------------------------------------


def apply(element: Element, spec: Kind, values: dict[str, Any]) -> None:
    """Write cleaned values onto an element."""
    for f in spec.fields:
        if f.name not in values:
            continue
        value = values[f.name]
        if f.type == "tags":
            keep = {t.tag: t for t in element.tag_rows}
            element.tag_rows = [keep.get(t) or Tag(tag=t) for t in value]
        elif f.type == "participants":
            assert isinstance(element, Decision)
            others = [p for p in element.participants if p.role != f.attr]
            existing = {p.stakeholder_id: p for p in element.participants if p.role == f.attr}
            mine = [
                existing.get(s.id) or DecisionParticipant(stakeholder=s, stakeholder_id=s.id, role=f.attr)
                for s in value
            ]
            element.participants = others + mine
        else:
            setattr(element, f.attr or f.name, value)


def snapshot(element: Element, spec: Kind | None = None, ref=None) -> dict[str, Any]:
    """The element as a payload dict; `ref` maps a referenced object to what should stand for it."""
    spec = spec or kind_of(element)
    ref = ref or (lambda obj: obj.id)
    out: dict[str, Any] = {}
    for f in spec.fields:
        if f.type == "tags":
            out[f.name] = element.tags
        elif f.type == "participants":
            assert isinstance(element, Decision)
            out[f.name] = [ref(s) for s in element.stakeholders_in(f.attr or "")]
        elif f.type == "refs":
            out[f.name] = [ref(o) for o in getattr(element, f.attr or f.name)]
        elif f.type == "ref":
            obj = getattr(element, f.attr or f.name)
            out[f.name] = ref(obj) if obj is not None else None
        elif f.type == "date":
            value = getattr(element, f.attr or f.name)
            out[f.name] = value.isoformat() if value else None
        else:
            out[f.name] = getattr(element, f.attr or f.name)
    return out


def same_snapshot(spec: Kind, a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two snapshots hold the same values, lists of references and tags compared as sets."""
    if a is None or b is None:
        return a is b
    unordered = {f.name for f in spec.fields if f.type in ("refs", "tags", "participants")}
    return a.keys() == b.keys() and all(
        sorted(a[k] or [], key=repr) == sorted(b[k] or [], key=repr) if k in unordered else a[k] == b[k] for k in a
    )


def snapshot_loaders(spec: Kind) -> list:
    """Loader options for everything snapshot() touches, so a list of elements costs a few IN queries."""
    from sqlalchemy.orm import selectinload

    from models import DecisionParticipant

    options, seen = [], set()
    for f in spec.fields:
        attr = {"tags": "tag_rows", "participants": "participants"}.get(f.type, f.attr or f.name)
        if f.type not in ("tags", "participants", "ref", "refs") or attr in seen:
            continue
        seen.add(attr)
        if f.type == "participants":
            options.append(selectinload(Decision.participants).selectinload(DecisionParticipant.stakeholder))
        else:
            options.append(selectinload(getattr(spec.model, attr)))
    return options
