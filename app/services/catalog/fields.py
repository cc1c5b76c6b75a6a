"""Declarative field specs per element kind: one place that cleans input, applies it and snapshots it.

The same payload shape (field name -> plain value, ids for references) is used by forms, the JSON
bundle, the change log and the CLI, so every entry path gets the same validation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_MAX = 20_000


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
                Field("customer_facing", "bool", default=True),
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
                Field("time_critical", "bool", default=False),
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
                Field("area", "choice", choices=STAKEHOLDER_AREAS, default="other"),
                Field("influence", "choice", choices=LEVELS, default="medium"),
                Field("interest", "choice", choices=LEVELS, default="medium"),
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
                Field("category", "choice", required=True, choices=SYSTEM_CATEGORIES),
                Field("vendor", "text", default="", max_len=200),
                Field("product", "text", default="", max_len=200),
                Field("hosting", "choice", choices=HOSTING, default="saas"),
                Field("lifecycle", "choice", choices=LIFECYCLE, default="active"),
                Field("owner_id", "ref", target=Stakeholder, attr="owner"),
                Field("channel_ids", "refs", target=Channel, attr="channels", label="Channels served"),
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
                Field("entity_ids", "refs", required=True, target=DataEntity, attr="entities", label="Entities"),
                Field("pattern", "choice", required=True, choices=FLOW_PATTERNS),
                Field("frequency", "text", default="", max_len=200),
                Field("latency_seconds", "float", label="Typical latency (seconds)"),
                Field("worst_latency_seconds", "float", label="Worst latency (seconds)"),
                Field("via_id", "ref", target=System, attr="via", label="Via (middleware)"),
                Field("direction", "choice", choices=FLOW_DIRECTIONS, default="one_way"),
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
                Field("role", "choice", required=True, choices=OWNERSHIP_ROLES),
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
                Field("type", "choice", choices=REQUIREMENT_TYPES, default="functional"),
                Field("priority", "choice", choices=PRIORITIES, default="should"),
                Field("channel_ids", "refs", target=Channel, attr="channels", label="Channels"),
                Field("source_id", "ref", target=Stakeholder, attr="source", label="Source stakeholder"),
                Field("status", "choice", choices=REQUIREMENT_STATUSES, default="draft"),
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
                Field("status", "choice", choices=DECISION_STATUSES, default="proposed"),
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


# --- cleaning -------------------------------------------------------------------------------------


def clean(
    session: Session,
    engagement_id: int,
    spec: Kind,
    data: dict[str, Any],
    partial: bool = False,
    refs: dict[type, dict[int, Any]] | None = None,
):
    """Validate `data` for `spec`; return (values, errors). References are loaded and checked to be in
    the engagement. With `partial`, fields absent from `data` are left out instead of defaulted.

    `refs` (optional) maps a model to objects already loaded by id (bulk imports): references found
    there are taken from it (still checked to be in the engagement) instead of one SELECT per field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in spec.fields:
        if partial and f.name not in data:
            continue
        try:
            values[f.name] = _clean_one(session, engagement_id, f, data.get(f.name), refs)
        except ValueError as exc:
            errors.setdefault(f.name, []).append(str(exc))
    return values, errors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == ()


def _clean_one(session: Session, engagement_id: int, f: Field, raw: Any, refs=None) -> Any:
    if _blank(raw):
        if f.required:
            raise ValueError("This field is required.")
        if f.type in ("refs", "tags", "participants"):
            return []
        return f.default
    handler = _CLEANERS[f.type]
    if refs is not None and f.type in ("ref", "refs", "participants"):
        return handler(session, engagement_id, f, raw, refs=refs)
    return handler(session, engagement_id, f, raw)


def _text(_s, _e, f: Field, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("Must be text.")
    value = raw.strip() if f.type != "longtext" else raw.strip("\r\n ")
    limit = TEXT_MAX if f.type == "longtext" else f.max_len
    if len(value) > limit:
        raise ValueError(f"At most {limit} characters.")
    if "\x00" in value:
        raise ValueError("Contains a NUL character.")
    return value


def _email(s, e, f: Field, raw: Any) -> str:
    value = _text(s, e, f, raw)
    if not EMAIL_RE.match(value):
        raise ValueError("Enter a valid email address.")
    return value


def _choice(_s, _e, f: Field, raw: Any) -> str:
    value = raw.strip() if isinstance(raw, str) else raw
    assert f.choices is not None
    if value in f.choices:
        return value
    # Accept the label too (spreadsheets and bundles written by people say "On-premises").
    for code, label in f.choices.items():
        if isinstance(value, str) and value.casefold() == label.casefold():
            return code
    raise ValueError(f"Must be one of: {', '.join(f.choices)}.")


def _bool(_s, _e, _f: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("1", "true", "yes", "y", "on"):
        return True
    if isinstance(raw, str) and raw.strip().lower() in ("0", "false", "no", "n", "off"):
        return False
    raise ValueError("Must be yes or no.")


def _float(_s, _e, _f: Field, raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("Must be a number.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError("Must be a number.") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError("Must be a number of seconds, zero or more.")
    return value


def _date(_s, _e, _f: Field, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError("Must be a date (YYYY-MM-DD).") from None


def _ids(raw: Any) -> list[int]:
    items = raw if isinstance(raw, list | tuple) else [raw]
    out: list[int] = []
    for item in items:
        if isinstance(item, bool):
            raise ValueError("Must be an id.")
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            raise ValueError(f"{item!r} is not an id.") from None
    return list(dict.fromkeys(out))


def _load(session: Session, engagement_id: int, f: Field, ids: list[int], refs=None) -> list[Any]:
    model = f.target
    assert model is not None
    cached = (refs or {}).get(model) or {}
    found = {i: cached[i] for i in ids if i in cached and cached[i].engagement_id == engagement_id}
    rest = [i for i in ids if i not in found]
    if rest:
        found.update(
            (o.id, o)
            for o in session.scalars(select(model).where(model.id.in_(rest), model.engagement_id == engagement_id))
        )
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValueError(f"Unknown {f.title.lower()} in this engagement: {', '.join(map(str, missing))}.")
    return [found[i] for i in ids]


def _ref(s, e, f: Field, raw: Any, refs=None) -> Any:
    ids = _ids(raw)
    if len(ids) != 1:
        raise ValueError("Pick exactly one.")
    return _load(s, e, f, ids, refs)[0]


def _refs(s, e, f: Field, raw: Any, refs=None) -> list[Any]:
    return _load(s, e, f, _ids(raw), refs)


def _tags_clean(_s, _e, _f: Field, raw: Any) -> list[str]:
    items = raw.split(";") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ValueError("Must be a list of tags.")
    tags: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str):
            raise ValueError("Tags must be text.")
        tag = " ".join(item.split()).lstrip("#")
        if len(tag) > 100:
            raise ValueError("A tag has at most 100 characters.")
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return sorted(tags.values(), key=str.casefold)


_CLEANERS = {
    "text": _text,
    "longtext": _text,
    "email": _email,
    "choice": _choice,
    "bool": _bool,
    "float": _float,
    "date": _date,
    "ref": _ref,
    "refs": _refs,
    "participants": _refs,
    "tags": _tags_clean,
}


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
