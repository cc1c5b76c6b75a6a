"""Cleaning of input per field type: `clean` (importable from `fields` too) and one checker per type of field.

Every entry path (forms, the JSON bundle, workbooks, the CLI, ArchiMate import) validates through `clean`;
the specs it reads (`Field`, `Kind`) are in `fields`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.durations import parse_duration
from app.services.catalog.acceptance import acceptance_errors
from exports.text import LINE_BREAK_ERROR, has_line_break

if TYPE_CHECKING:
    from app.services.catalog.fields import Field, Kind

_ABSENT = object()  # a field the input does not mention (unlike one it states as None)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_MAX = 20_000


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
            values[f.name] = _clean_one(session, engagement_id, f, data.get(f.name, _ABSENT), refs)
        except ValueError as exc:
            errors.setdefault(f.name, []).append(str(exc))
    if spec.kind == "requirement" and values.get("acceptance"):
        problems = acceptance_errors(session, engagement_id, values["acceptance"], refs)
        if problems:
            errors.setdefault("acceptance", []).extend(problems)
    return values, errors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == ()


def _clean_one(session: Session, engagement_id: int, f: Field, raw: Any, refs=None) -> Any:
    if raw is None and f.unknown:
        return None  # stated as unknown (an import that did not say): kept unknown, never defaulted
    if raw is _ABSENT:
        raw = None
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
    if f.type != "longtext" and has_line_break(value):  # names and titles are one line in every export
        raise ValueError(LINE_BREAK_ERROR)
    return value


def _email(s, e, f: Field, raw: Any) -> str:
    value = _text(s, e, f, raw)
    if not EMAIL_RE.match(value):
        raise ValueError("Enter a valid email address.")
    return value


def _choice(_s, _e, f: Field, raw: Any) -> str:
    assert f.choices is not None
    if not isinstance(raw, str):  # a list or number from JSON or a form is not one of the codes
        raise ValueError(f"Must be one of: {', '.join(f.choices)}.")
    value = raw.strip()
    if value in f.choices:
        return value
    # Accept the label too (spreadsheets and bundles written by people say "On-premises").
    for code, label in f.choices.items():
        if value.casefold() == label.casefold():
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


def _float(_s, _e, f: Field, raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("Must be a number.")
    if isinstance(raw, str) and f.name.endswith("_seconds"):
        value = parse_duration(raw)  # "30s", "1h30", "1 d"; a bare number is seconds. Its ValueError names why.
        if value < 0:
            raise ValueError("A duration is zero or more.")
        return value
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
