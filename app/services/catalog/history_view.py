"""The change log as people read it: filters (object, kind, action, user, scenario, dates), pages, and diffs that
name things — `deciders: — → Dana Ruiz, Lee Chan`, not `deciders: — → [135, 136]` — with labels for codes and
durations in words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.durations import format_duration
from app.services.catalog.fields import KINDS, Field
from app.services.catalog.history import field_diff
from app.services.errors import ValidationError
from models import Change, Element, Scenario, User

PER_PAGE = 50
ACTIONS = {"create": "Created", "update": "Changed", "delete": "Deleted", "restore": "Restored"}
_ID_TYPES = ("ref", "refs", "participants")


@dataclass(frozen=True)
class HistoryFilter:
    """What the history page shows: every field optional; `q` matches the object's name (summary)."""

    kind: str = ""
    action: str = ""
    user_id: int | None = None
    scenario_id: int | None = None
    element_id: int | None = None
    q: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class HistoryPage:
    """One page of changes, newest first, with readable diffs and the filter's options."""

    changes: list[Change]
    users: dict[int, str]
    diffs: dict[int, list[tuple[str, str, str]]]
    page: int
    has_next: bool
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def diff(self, change: Change) -> list[tuple[str, str, str]]:
        """(field label, before, after) in words for one change of the page."""
        return self.diffs.get(change.id, [])


def parse_filter(args: dict[str, str]) -> HistoryFilter:
    """A HistoryFilter from query-string values; a value that does not read is a ValidationError naming it."""
    errors: dict[str, str] = {}

    def number(name: str) -> int | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            errors[name] = f"“{raw}” is not a valid {name.replace('_', ' ')}."
            return None
        return int(raw)

    def day(name: str) -> date | None:
        raw = (args.get(name) or "").strip()
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = f"“{raw}” is not a date: write YYYY-MM-DD."
            return None

    kind = (args.get("kind") or "").strip()
    if kind and kind not in KINDS and kind != "link":
        errors["kind"] = f"Unknown kind “{kind}”."
    action = (args.get("action") or "").strip()
    if action and action not in ACTIONS:
        errors["action"] = f"Unknown action “{action}”: {', '.join(ACTIONS)}."
    result = HistoryFilter(kind=kind, action=action, user_id=number("user"), scenario_id=number("scenario"),
                           element_id=number("object"), q=(args.get("q") or "").strip()[:200],
                           since=day("since"), until=day("until"), page=max(number("page") or 1, 1))
    if result.since and result.until and result.until < result.since:
        errors["until"] = "The end date is before the start date."
    if errors:
        raise ValidationError(errors)
    return result


def history_page(session: Session, engagement_id: int, wanted: HistoryFilter, per_page: int = PER_PAGE) -> HistoryPage:
    """One page of the engagement's changes that match the filter, newest first."""
    stmt = select(Change).where(Change.engagement_id == engagement_id)
    if wanted.kind:
        stmt = stmt.where(Change.kind == wanted.kind)
    if wanted.action:
        stmt = stmt.where(Change.action == wanted.action)
    if wanted.user_id is not None:
        stmt = stmt.where(Change.user_id == wanted.user_id)
    if wanted.scenario_id is not None:
        stmt = stmt.where(Change.scenario_id == wanted.scenario_id)
    if wanted.element_id is not None:
        stmt = stmt.where(Change.element_id == wanted.element_id)
    if wanted.q:
        pattern = "%" + wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(func.lower(Change.summary).like(pattern.lower(), escape="\\"))
    if wanted.since:
        stmt = stmt.where(Change.at >= datetime.combine(wanted.since, time.min, UTC))
    if wanted.until:
        stmt = stmt.where(Change.at < datetime.combine(wanted.until + timedelta(days=1), time.min, UTC))
    offset = (wanted.page - 1) * per_page
    rows = list(session.scalars(stmt.order_by(Change.id.desc()).offset(offset).limit(per_page + 1)))
    changes = rows[:per_page]
    return HistoryPage(changes=changes, users=_users(session, changes), diffs=readable_diffs(session, changes),
                       page=wanted.page, has_next=len(rows) > per_page, options=_options(session, engagement_id))


def readable_diffs(session: Session, changes: Iterable[Change]) -> dict[int, list[tuple[str, str, str]]]:
    """For each update among `changes`: (field label, before, after) in words — names for ids (one query for all),
    labels for codes, durations as every page prints them."""
    changes = [c for c in changes if c.action == "update"]
    raw = {c.id: field_diff(c) for c in changes}
    ids: dict[bool, set[int]] = {True: set(), False: set()}  # is the target a scenario? -> ids
    for c in changes:
        for key, old, new in raw[c.id]:
            spec_field = _field(c.kind, key)
            if spec_field is not None and spec_field.type in _ID_TYPES:
                ids[spec_field.target is Scenario].update(_ids(old) + _ids(new))
    names = _names(session, ids)
    return {
        c.id: [(_label(c.kind, key), _text(_field(c.kind, key), old, names), _text(_field(c.kind, key), new, names))
               for key, old, new in raw[c.id]]
        for c in changes
    }


def readable_diff(session: Session, changes: Iterable[Change]) -> Callable[[Change], list[tuple[str, str, str]]]:
    """`readable_diffs` as the function the change-log template calls per change."""
    diffs = readable_diffs(session, changes)
    return lambda change: diffs.get(change.id, [])


def _field(kind: str, key: str) -> Field | None:
    spec = KINDS.get(kind)
    if spec is None:
        return None
    return next((f for f in spec.fields if f.name == key), None)


def _label(kind: str, key: str) -> str:
    spec_field = _field(kind, key)
    if spec_field is not None:
        return spec_field.title.removesuffix(" (seconds)").lower()
    return key.removesuffix("_ids").removesuffix("_id").removesuffix("_seconds").replace("_", " ")


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _text(spec_field: Field | None, value: Any, names: dict[tuple[bool, int], str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if spec_field is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if spec_field.type in _ID_TYPES:
        return ", ".join(names.get((spec_field.target is Scenario, i), f"#{i} (deleted)") for i in _ids(value))
    if spec_field.type == "choice":
        return (spec_field.choices or {}).get(value, str(value))
    if spec_field.type == "bool":
        return "Yes" if value else "No"
    if spec_field.type == "float" and spec_field.name.endswith("_seconds"):
        return format_duration(value)
    if spec_field.type == "tags" and isinstance(value, list):
        return "; ".join(value)
    return str(value)


def _names(session: Session, ids: dict[bool, set[int]]) -> dict[tuple[bool, int], str]:
    names: dict[tuple[bool, int], str] = {}
    for is_scenario, model in ((False, Element), (True, Scenario)):
        if ids[is_scenario]:
            rows = session.execute(select(model.id, model.name).where(model.id.in_(ids[is_scenario])))
            names.update({(is_scenario, i): n for i, n in rows})
    return names


def _users(session: Session, changes: list[Change]) -> dict[int, str]:
    ids = {c.user_id for c in changes if c.user_id}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def _options(session: Session, engagement_id: int) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers: kinds and users that appear in this engagement's log, its scenarios."""
    kinds = session.scalars(select(Change.kind).where(Change.engagement_id == engagement_id).distinct()).all()
    users = session.execute(
        select(User.id, User.name).join(Change, Change.user_id == User.id)
        .where(Change.engagement_id == engagement_id).distinct().order_by(User.name)
    ).all()
    scenarios = session.execute(
        select(Scenario.id, Scenario.name).where(Scenario.engagement_id == engagement_id).order_by(Scenario.id)
    ).all()
    return {
        "kind": sorted(((k, KINDS[k].label if k in KINDS else "Link") for k in kinds), key=lambda o: o[1]),
        "action": list(ACTIONS.items()),
        "user": [(str(i), n) for i, n in users],
        "scenario": [(str(i), n) for i, n in scenarios],
    }
