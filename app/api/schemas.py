"""Marshmallow schemas that document the API in its OpenAPI document; element schemas are built from the
catalogue's field specs, so the document follows the same fields the services clean (which stay the only
validation of a write)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.services.catalog.fields import KINDS, Field, Kind


def _field(f: Field, *, output: bool) -> fields.Field:
    required = f.required and not output
    nullable = not f.required
    common = {"required": required, "allow_none": nullable, "metadata": {"description": f.title}}
    if f.type == "choice":
        return fields.String(validate=validate.OneOf(list(f.choices or {})), **common)
    if f.type == "bool":
        return fields.Boolean(**common)
    if f.type == "float":
        return fields.Float(**common)
    if f.type == "date":
        return fields.Date(**common)
    if f.type == "ref":
        return fields.Integer(**common)
    if f.type in ("refs", "participants"):
        return fields.List(fields.Integer(), **common)
    if f.type == "tags":
        return fields.List(fields.String(), **common)
    if f.type == "email":
        return fields.Email(**common)
    return fields.String(validate=validate.Length(max=f.max_len if f.type != "longtext" else 20_000), **common)


def _name(spec: Kind) -> str:
    return "".join(part.capitalize() for part in spec.kind.split("_"))


def element_schemas(spec: Kind) -> tuple[type[Schema], type[Schema]]:
    """(input, output) schema classes of one element kind."""
    name = _name(spec)
    inputs = {f.name: _field(f, output=False) for f in spec.fields}
    outputs = {f.name: _field(f, output=True) for f in spec.fields}
    outputs.update(
        id=fields.Integer(required=True), kind=fields.String(required=True), version=fields.Integer(required=True),
        ref=fields.String(allow_none=True),
        scenario_id=fields.Integer(allow_none=True, metadata={"description": "The scenario these values are as"}),
        own_fields=fields.List(fields.String(), metadata={"description": "Fields the scenario holds of its own"}),
    )
    return (Schema.from_dict(inputs, name=f"{name}Input"), Schema.from_dict(outputs, name=name))


ELEMENT_SCHEMAS = {kind: element_schemas(spec) for kind, spec in KINDS.items()}


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list: items, the total matching, and where the next page starts."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True),
        "limit": fields.Integer(required=True),
        "offset": fields.Integer(required=True),
        "next_offset": fields.Integer(allow_none=True),
    }, name=name)


class ListQuery(Schema):
    """Paging, search, sort and filters of a list (the same as the web list's controls)."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    q = fields.String(load_default="", validate=validate.Length(max=200))
    sort = fields.String(load_default="", validate=validate.Length(max=50))
    dir = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))
    scenario = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "Show (and filter to) this scenario's members and values"})
    channel = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    tag = fields.String(validate=validate.Length(max=100))
    status = fields.String(validate=validate.Length(max=50))
    category = fields.String(validate=validate.Length(max=50))
    lifecycle = fields.String(validate=validate.Length(max=50))
    hosting = fields.String(validate=validate.Length(max=50))
    pattern = fields.String(validate=validate.Length(max=50))
    direction = fields.String(validate=validate.Length(max=50))
    role = fields.String(validate=validate.Length(max=50))
    priority = fields.String(validate=validate.Length(max=50))
    type = fields.String(validate=validate.Length(max=50))
    archimate_type = fields.String(validate=validate.Length(max=80))
    area = fields.String(validate=validate.Length(max=50))
    influence = fields.String(validate=validate.Length(max=50))


class ScenarioQuery(Schema):
    """The scenario a read shows or a write goes into (default: the values shared by all)."""

    scenario = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    scope = fields.String(load_default="scenario", validate=validate.OneOf(["scenario", "all"]),
                          metadata={"description": "With a scenario: change it only, or all scenarios"})


class EngagementIn(Schema):
    """An engagement's editable fields."""

    name = fields.String(required=True, validate=validate.Length(max=200))
    client = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=20_000))
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


class EngagementPatch(EngagementIn):
    """The engagement fields to change (any of them)."""

    name = fields.String(validate=validate.Length(max=200))


class EngagementOut(EngagementIn):
    """An engagement, with the caller's role in it."""

    id = fields.Integer(required=True)
    role = fields.String(required=True)


class ScenarioIn(Schema):
    """A scenario's editable fields (`copy_from`: start as a copy of another scenario)."""

    name = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=20_000))
    copy_from = fields.Integer(allow_none=True)


class ScenarioPatch(Schema):
    """The scenario fields to change (any of them)."""

    name = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=20_000))


class ScenarioOut(Schema):
    """A scenario."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String()
    is_baseline = fields.Boolean(required=True)


class TraceLinkIn(Schema):
    """A trace link to create: its kind, and the ids of its source and target elements."""

    kind = fields.String(required=True)
    source_id = fields.Integer(required=True)
    target_id = fields.Integer(required=True)


class TraceLinkOut(TraceLinkIn):
    """A trace link, suspect when either end changed since it was made."""

    id = fields.Integer(required=True)
    suspect = fields.Boolean()


class TraceLinkQuery(Schema):
    """Which element's links to list."""

    element = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class Problem(Schema):
    """RFC 9457 problem details; `errors` names each field and its messages."""

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Dict())
    your_version = fields.Integer()
    current_version = fields.Integer()
