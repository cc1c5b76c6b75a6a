"""WTForms classes built from the element field specs, so forms and services share one definition."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.durations import format_duration, parse_duration
from app.services.catalog import browse as browse
from app.services.catalog.fields import KINDS, Field, Kind, snapshot
from models import Element


class DurationField(StringField):
    """A duration typed as people say it ("30s", "5 min", "1h30", "1 d"; a bare number is seconds), shown back in
    the style of every page (app/durations.py); the form's data is seconds, or None when left empty."""

    def process_formdata(self, valuelist):
        """Read "1h30" as 5400.0 seconds; a text that is no duration is this field's error, naming why."""
        self.data = None
        text = valuelist[0].strip() if valuelist and valuelist[0] is not None else ""
        if text:
            try:
                self.data = parse_duration(text)
            except ValueError as exc:
                self.data = text
                raise ValueError(str(exc)) from None

    def _value(self):
        if isinstance(self.data, int | float):
            return format_duration(self.data)
        return self.data or ""


def _id_or_none(value: Any) -> int | None:
    if value in ("", None):
        return None
    return int(value)


def _wtf_field(f: Field):
    required = [InputRequired()] if f.required else [Optional()]
    if f.type == "longtext":
        return TextAreaField(f.title, validators=[Optional()])
    if f.type in ("text", "email"):
        return StringField(f.title, validators=[*required, Length(max=f.max_len)])
    if f.type == "choice":
        # "—" is offered when a value may be unknown (an imported model did not state it) or has no default.
        blank = [("", "—")] if f.unknown or not (f.required or f.default is not None) else []
        return SelectField(f.title, choices=blank + list(f.choices.items()), default=f.default, validators=required)
    if f.type == "bool":
        return BooleanField(f.title, default=f.default)
    if f.type == "float" and f.name.endswith("_seconds"):
        return DurationField(f.title, description="e.g. 30s, 5 min, 1h30, 1 d", validators=[Optional()])
    if f.type == "float":
        return FloatField(f.title, validators=[Optional()])
    if f.type == "date":
        return DateField(f.title, validators=[Optional()])
    if f.type == "ref":
        # Choices are checked by the service (it also checks the engagement), not by WTForms.
        return SelectField(f.title, coerce=_id_or_none, validate_choice=False, validators=required)
    if f.type in ("refs", "participants"):
        # data-chips: static/js/chips.js turns it into a token picker that a plain click cannot empty.
        return SelectMultipleField(f.title, coerce=int, validate_choice=False, validators=required,
                                   render_kw={"data-chips": ""})
    if f.type == "tags":
        return StringField(f.title, description="Separate tags with ;", validators=[Optional(), Length(max=2000)])
    raise ValueError(f.type)


@cache
def form_class(kind: str, only: tuple[str, ...] | None = None) -> type[FlaskForm]:
    """The FlaskForm class for one element kind (or for some of its fields, for inline rows)."""
    spec = KINDS[kind]
    attrs: dict[str, Any] = {f.name: _wtf_field(f) for f in spec.fields if only is None or f.name in only}
    attrs["version"] = HiddenField()
    return type(f"{spec.model.__name__}Form", (FlaskForm,), attrs)


def build_form(
    session: Session,
    engagement_id: int,
    spec: Kind,
    element: Element | None = None,
    only: tuple[str, ...] | None = None,
    values: dict[str, Any] | None = None,
    version: int | None = None,
    **kw,
) -> FlaskForm:
    """A bound form for creating or editing, with reference choices from this engagement only; `values` and
    `version` (the element as the scenario in view sees it) replace its shared values and version."""
    data = None
    if element is not None:
        data = dict(values) if values is not None else snapshot(element, spec)
        for f in spec.fields:
            if f.type == "date" and data.get(f.name):
                # snapshot() speaks ISO text (JSON); the form's DateField wants a date.
                data[f.name] = getattr(element, f.attr or f.name)
        if "tags" in data:
            data["tags"] = "; ".join(data["tags"])
        data["version"] = element.version if version is None else version
    form = form_class(spec.kind, only)(data=data, **kw)
    loaded: dict[type, list[tuple[int, str]]] = {}
    for f in spec.fields:
        if f.name in form and f.type in ("ref", "refs", "participants"):
            if f.target not in loaded:
                loaded[f.target] = browse.reference_options(session, engagement_id, f.target)
            exclude = element.id if element is not None else None
            options = [o for o in loaded[f.target] if o[0] != exclude]
            field = form[f.name]
            field.choices = ([("", "—")] if f.type == "ref" else []) + options
    return form


def payload(form: FlaskForm, spec: Kind) -> dict[str, Any]:
    """Form data -> service payload (only the fields the form has); "—" for an optional value that may be unknown
    keeps it unknown instead of taking the default."""
    return {f.name: None if f.unknown and not f.required and form[f.name].data in ("", "None") else form[f.name].data
            for f in spec.fields if f.name in form}
