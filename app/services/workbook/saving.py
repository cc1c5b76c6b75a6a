"""Rows written through save_element (new and changed elements flushed once per sheet), or in a dry run
validated the same way (clean + the model's rules) and represented by a stand-in (`_Planned`) that later rows
can refer to. A row that would change nothing is compared in memory and never written."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.services.catalog.elements import _check_rules, record_change, save_element
from app.services.catalog.fields import KINDS, Kind, clean
from app.services.errors import ValidationError
from app.services.workbook.report import RowLog, _Stop
from exports.workbook import Row
from models import Element, Engagement, name_key
from models.vocab import OWNERSHIP_ROLES


class Writer:
    """Creates and updates the rows' elements, or plans them in a dry run; outcomes go to the row log."""

    def __init__(
        self,
        session: Session,
        engagement: Engagement,
        user_id: int | None,
        dry_run: bool,
        refs: dict[type, dict[int, Any]],
        log: RowLog,
    ) -> None:
        self.session = session
        self.engagement = engagement
        self.eid = engagement.id
        self.user_id = user_id
        self.dry_run = dry_run
        self.refs = refs  # the index's reference cache: created elements join it
        self.log = log
        self.planned_ids = 0  # stand-ins of a dry run get ids -1, -2, …
        self.planned_number: int | None = None  # the REQ/ADR number a dry run gives the next new row
        self.deferred: list[tuple] = []  # record_change() arguments of elements saved but not flushed yet
        self.unregistered: list[Any] = []  # created elements not yet in the reference cache
        # (sheet, row number) -> the element the row matched or made; a dry run's updates also keep the row's
        # cleaned values (the element itself is not written): rows with a scenario are checked against both.
        self.saved: dict[tuple[str, int], Any] = {}
        self.planned_values: dict[tuple[str, int], dict[str, Any]] = {}

    def save(self, sheet: str, row: Row, kind: str, payload: dict[str, Any], element: Element | None):
        """Create or update through save_element; None when the row failed (errors reported)."""
        saved = self._save(sheet, row, kind, payload, element)
        if saved is not None:
            self.saved[(sheet, row.number)] = saved
        return saved

    def _save(self, sheet: str, row: Row, kind: str, payload: dict[str, Any], element: Element | None):
        spec = KINDS[kind]
        if element is not None:
            values, errors = clean(self.session, self.eid, spec, payload, partial=True, refs=self.refs)
            if errors:
                self.log.field_errors(sheet, row, errors)
                return None
            if not _differs(element, spec, values):
                self.log.done(sheet, row.number, "unchanged", element.label)
                return element
        if self.dry_run:
            return self._plan(sheet, row, spec, payload, element)
        version = element.version if element is not None else None
        # Unnumbered kinds are flushed once per sheet (flush_deferred), not once per row; an explicit
        # (none) needs a second save, which needs the first one flushed.
        none = element is None and spec.in_scenarios and payload.get("scenario_ids") == []
        defer = not spec.ref_prefix and not none
        try:
            saved = save_element(
                self.session,
                self.engagement,
                kind,
                payload,
                element,
                partial=element is not None,
                user_id=self.user_id,
                commit=False,
                refs=self.refs,
                check_unique=False,
                deferred=self.deferred if defer else None,
            )
            if none:
                # An explicit (none): save_element puts a new element in the current state; take it out.
                save_element(
                    self.session,
                    self.engagement,
                    kind,
                    {"scenario_ids": []},
                    saved,
                    partial=True,
                    user_id=self.user_id,
                    commit=False,
                    refs=self.refs,
                    check_unique=False,
                )
        except ValidationError as exc:
            self.log.field_errors(sheet, row, exc.errors)
            return None
        if element is None:
            self.log.done(sheet, row.number, "created", saved.label)
            self.unregistered.append(saved)
            if not defer:
                self._register()
        else:
            self.log.done(sheet, row.number, "updated" if saved.version != version else "unchanged", saved.label)
        return saved

    def flush_deferred(self, sheet: str) -> None:
        """Flush the sheet's new and changed elements in one go, then write their change log entries."""
        if not self.deferred and not self.unregistered:
            return
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError as exc:
            self.log.error(sheet, None, None, f"The database refused these rows ({_first_line(exc)}).")
            raise _Stop from None
        for args in self.deferred:
            record_change(self.session, *args)
        self.deferred.clear()
        self._register()

    def _register(self) -> None:
        """Created elements (now with ids) join the reference cache."""
        for element in self.unregistered:
            if type(element) in self.refs:
                self.refs[type(element)][element.id] = element
        self.unregistered.clear()

    def _plan(self, sheet: str, row: Row, spec: Kind, payload: dict[str, Any], element: Element | None):
        """Dry run: validate like save_element (clean + the model's rules), write nothing."""
        values, errors = clean(self.session, self.eid, spec, payload, partial=element is not None, refs=self.refs)
        if not errors:
            _check_rules(self.session, self.engagement, spec, values, element, errors, check_unique=False)
        if errors:
            self.log.field_errors(sheet, row, errors)
            return None
        if element is not None:
            self.log.done(sheet, row.number, "updated", element.label)
            self.planned_values[(sheet, row.number)] = values
            return element
        self.planned_ids -= 1
        planned = _Planned(spec, self.planned_ids, self.eid, values, self.planned_number)
        self.log.done(sheet, row.number, "created", planned.label)
        if spec.model in self.refs:
            self.refs[spec.model][planned.id] = planned
        return planned


class _Planned:
    """What a dry run would create: enough of an element for later rows to refer to, match and label it."""

    def __init__(self, spec: Kind, planned_id: int, engagement_id: int, values: dict[str, Any], number=None):
        self.id = planned_id
        self.kind = spec.kind
        self.engagement_id = engagement_id
        self.version = 1
        for f in spec.fields:
            setattr(self, f.attr or f.name, values.get(f.name))
        for f in spec.fields:  # foreign keys the indexes use (source_id, via_id, system_id…)
            if f.type == "ref":
                target = values.get(f.name)
                setattr(self, f.name, target.id if target is not None else None)
        self.ref, self.number = None, None
        if spec.ref_prefix:
            self.number = number
            self.ref = f"{spec.ref_prefix}-{number}"
        if spec.kind == "flow":
            entities = ", ".join(e.name for e in self.entities)
            self.name = f"{self.source.name} → {self.target.name}: {entities}"[:300]
        elif spec.kind == "ownership":
            self.name = f"{self.system.name} — {OWNERSHIP_ROLES[self.role]} — {self.entity.name}"[:300]
        self.name_key = name_key(self.name) if spec.named else None

    @property
    def label(self) -> str:
        return f"{self.ref} {self.name}" if self.ref else self.name


# --- helpers --------------------------------------------------------------------------------------


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def _differs(element: Element, spec: Kind, values: dict[str, Any]) -> bool:
    """Would writing `values` (cleaned) change the element? Lists compare as sets (their order is the
    database's), so a re-import of the same workbook writes nothing."""
    for f in spec.fields:
        if f.name not in values:
            continue
        new = values[f.name]
        if f.type == "tags":
            changed = sorted(element.tags) != sorted(new)
        elif f.type == "participants":
            changed = {s.id for s in element.stakeholders_in(f.attr or "")} != {s.id for s in new}
        elif f.type == "refs":
            changed = {o.id for o in getattr(element, f.attr or f.name)} != {o.id for o in new}
        elif f.type == "ref":
            current = getattr(element, f.attr or f.name)
            changed = (current.id if current is not None else None) != (new.id if new is not None else None)
        else:
            changed = getattr(element, f.attr or f.name) != new
        if changed:
            return True
    return False
