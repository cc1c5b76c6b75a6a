"""Spreadsheet import: a workbook (XLSX or a ZIP of CSV files) into an existing engagement, all or nothing.

Names and refs in the cells are resolved to the engagement's objects (or to rows of the same workbook),
each row is matched to what it describes (by name; by ref or title; flows by source, target, entities,
pattern and via; ownership by system, entity and role) and then created, updated or left alone through
the ordinary services (save_element, add_link, save_scenario), so every rule of the model applies.
An import with any error rolls back. A dry run validates every row the same way (fields.clean and the
element rules, with the cached references) but writes no element: what it would create is represented by
a stand-in (`_Planned`) so later rows can refer to it; only scenarios are saved, and rolled back. The
format is documented in docs/workbook.md.

Speed: every object of the engagement is loaded once up front; references are handed to fields.clean
from that cache (`refs=`), clash queries are skipped where the index already answers them
(`check_unique=False`; the database's unique constraints stay the backstop), and a row that would
change nothing is compared in memory and never written.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session, scoped_session, selectinload

from app.services.catalog.elements import _check_rules, record_change, save_element
from app.services.catalog.fields import KINDS, Field, Kind, clean
from app.services.catalog.trace import add_link, remove_link
from app.services.errors import ValidationError
from app.services.scenarios import save_scenario
from app.services.workbook.export import NO_SCENARIO
from exports.workbook import LIST_SEPARATOR, SHEETS, ParsedWorkbook, Problem, Row, WorkbookError, read_workbook
from models import (
    Channel,
    DataEntity,
    DataFlow,
    Decision,
    DecisionParticipant,
    Element,
    Engagement,
    Scenario,
    Stakeholder,
    System,
    TraceLink,
    name_key,
)
from models.vocab import FLOW_PATTERNS, OWNERSHIP_ROLES

MAX_ERRORS = 200
IMPORT_ORDER = (
    "scenarios",
    "channels",
    "entities",
    "stakeholders",
    "systems",
    "flows",
    "ownership",
    "requirements",
    "decisions",
)
SHEET_KIND = {
    "channels": "channel",
    "entities": "entity",
    "stakeholders": "stakeholder",
    "systems": "system",
    "flows": "flow",
    "ownership": "ownership",
    "requirements": "requirement",
    "decisions": "decision",
}
# sheet -> column -> field of fields.KINDS (columns not listed here are identity or link columns).
FIELDS: dict[str, dict[str, str]] = {
    "channels": {"name": "name", "description": "description", "customer_facing": "customer_facing"},
    "entities": {"name": "name", "description": "description", "time_critical": "time_critical"},
    "stakeholders": {c: c for c in ("name", "role", "team", "area", "influence", "interest", "email")},
    "systems": {
        "name": "name",
        "category": "category",
        "vendor": "vendor",
        "product": "product",
        "hosting": "hosting",
        "lifecycle": "lifecycle",
        "owner": "owner_id",
        "channels": "channel_ids",
        "scenarios": "scenario_ids",
        "tags": "tags",
        "notes": "notes",
    },
    "flows": {
        "source": "source_id",
        "target": "target_id",
        "entities": "entity_ids",
        "pattern": "pattern",
        "frequency": "frequency",
        "latency_seconds": "latency_seconds",
        "worst_latency_seconds": "worst_latency_seconds",
        "via": "via_id",
        "direction": "direction",
        "scenarios": "scenario_ids",
        "tags": "tags",
        "notes": "notes",
    },
    "ownership": {"system": "system_id", "entity": "entity_id", "role": "role", "scenarios": "scenario_ids"},
    "requirements": {
        "title": "title",
        "text": "text",
        "type": "type",
        "priority": "priority",
        "channels": "channel_ids",
        "source": "source_id",
        "status": "status",
        "acceptance": "acceptance",
        "tags": "tags",
    },
    "decisions": {
        "title": "title",
        "status": "status",
        "context": "context",
        "options": "options",
        "outcome": "outcome",
        "consequences": "consequences",
        "date": "decided_on",
        "deciders": "decider_ids",
        "consulted": "consulted_ids",
        "informed": "informed_ids",
        "supersedes": "supersedes_id",
        "scenario": "scenario_id",
        "tags": "tags",
    },
}
# Link columns: sheet -> column -> (trace link kind, does this row's element stand at the source?)
LINKS = {
    "requirements": {"satisfied_by": ("satisfied_by", True), "refines": ("refines", True)},
    "decisions": {"addresses": ("addresses", False), "affects": ("affects", True)},
}
_KIND_OF_MODEL = {
    Channel: "channel",
    DataEntity: "entity",
    Stakeholder: "stakeholder",
    System: "system",
    Scenario: "scenario",
    Decision: "decision",
}
_NOUN = {
    "channel": "channel",
    "entity": "data entity",
    "stakeholder": "stakeholder",
    "system": "system",
    "scenario": "scenario",
    "decision": "decision",
    "requirement": "requirement",
}
_SHEET_OF = {
    "channel": "channels",
    "entity": "entities",
    "stakeholder": "stakeholders",
    "system": "systems",
    "scenario": "scenarios",
    "decision": "decisions",
    "requirement": "requirements",
}
_REF = {
    "requirement": re.compile(r"^\s*REQ-(\d{1,9})\s*$", re.I),
    "decision": re.compile(r"^\s*ADR-(\d{1,9})\s*$", re.I),
}
_PREFIX = {"requirement": "REQ", "decision": "ADR"}
_COUNTER = {"requirement": "next_requirement_number", "decision": "next_decision_number"}
_FLOW_REF = re.compile(r"^(?P<source>.+?)\s*(?:->|→)\s*(?P<target>.+?)\s*(?:\[(?P<detail>[^\]]*)\])?\s*$")
_TRUE = {"yes", "y", "true", "1", "on", "x"}
_FALSE = {"no", "n", "false", "0", "off"}


# --- the report -----------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One row's outcome."""

    row: int
    label: str


@dataclass
class SheetResult:
    """What one sheet creates, updates and leaves unchanged."""

    created: list[RowResult] = field(default_factory=list)
    updated: list[RowResult] = field(default_factory=list)
    unchanged: list[RowResult] = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of a dry run or an import: per-sheet changes, errors and warnings."""

    dry_run: bool
    filename: str | None = None
    format: str | None = None
    sheets: dict[str, SheetResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[Problem]:
        """Errors, workbook-wide ones first, then sheet by sheet (template order) and row by row."""
        return sorted((p for p in self.problems if p.level == "error"), key=_position)

    @property
    def warnings(self) -> list[Problem]:
        return sorted((p for p in self.problems if p.level == "warning"), key=_position)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, what: str) -> int:
        """Total rows created, updated or unchanged."""
        return sum(len(getattr(s, what)) for s in self.sheets.values())

    def ordered_sheets(self) -> list[tuple[str, SheetResult]]:
        """Sheets in template order."""
        return [(s.name, self.sheets[s.name]) for s in SHEETS if s.name in self.sheets]

    def summary(self) -> str:
        """`3 created, 1 updated, 10 unchanged`."""
        return f"{self.count('created')} created, {self.count('updated')} updated, {self.count('unchanged')} unchanged"

    def lines(self, verbose: bool = False) -> list[str]:
        """The report as text lines (the CLI prints them)."""
        create, update = ("created", "updated") if self.applied else ("to create", "to update")
        out = []
        for name, sheet in self.ordered_sheets():
            counts = f"{len(sheet.created)} {create}, {len(sheet.updated)} {update}, {len(sheet.unchanged)} unchanged"
            out.append(f"{name}: {counts}")
            groups = [("create", sheet.created), ("update", sheet.updated)]
            if verbose:
                groups.append(("unchanged", sheet.unchanged))
            for verb, rows in groups:
                out.extend(f"  {verb}: row {r.row}: {r.label}" for r in rows)
        return out


_SHEET_RANK = {s.name: i for i, s in enumerate(SHEETS)}


def _position(problem: Problem) -> tuple[int, int]:
    return (_SHEET_RANK.get(problem.sheet, -1) if problem.sheet else -1, problem.row or 0)


class _Stop(Exception):
    """Stop the import: enough errors, or the database refused a batch (already reported)."""


class _Skip(Exception):
    """The row refers to a row that failed; its error is already reported."""


# --- entry point ----------------------------------------------------------------------------------


def import_workbook(
    session: Session,
    engagement: Engagement,
    data: bytes,
    *,
    filename: str | None = None,
    user_id: int | None = None,
    dry_run: bool = True,
) -> ImportReport:
    """Read a workbook and import it into `engagement`; commit only when not a dry run and error-free.

    Owns the transaction (like bundle.import_bundle): it ends with a commit or a rollback, so the session
    must hold no pending work of the caller's. Never raises for bad input: everything wrong is in the
    report (`report.ok` is False)."""
    report = ImportReport(dry_run=dry_run, filename=filename)
    try:
        book = read_workbook(data, filename)
    except WorkbookError as exc:
        report.problems.extend(exc.problems)
        return report
    report.format = book.format
    report.problems.extend(book.problems)
    with _holding_inserts(session):
        try:
            _Importer(session, engagement, book, user_id, report).run()
        except _Stop:
            pass
        except (IntegrityError, PendingRollbackError) as exc:  # a concurrent writer won a unique constraint
            session.rollback()
            report.problems.append(Problem(f"The database refused the import ({_first_line(exc)}); try again."))
        except BaseException:
            session.rollback()
            raise
        if dry_run or report.errors:
            session.rollback()
        else:
            session.commit()
            report.applied = True
    return report


@contextmanager
def _holding_inserts(session: Session):
    # As in bundle.import_bundle: a rollback expunges inserted instances only while they are alive, so
    # hold every insert until the dry run (or failed import) has been rolled back.
    target = session() if isinstance(session, scoped_session) else session
    held: list[Any] = []

    def hold(_session, instance) -> None:
        held.append(instance)

    event.listen(target, "pending_to_persistent", hold)
    try:
        yield
    finally:
        event.remove(target, "pending_to_persistent", hold)


# --- the import -----------------------------------------------------------------------------------


class _Importer:
    def __init__(self, session: Session, engagement: Engagement, book: ParsedWorkbook, user_id, report) -> None:
        self.session = session
        self.engagement = engagement
        self.eid = engagement.id
        self.book = book
        self.user_id = user_id
        self.report = report
        self.errors = len(report.errors)
        self.status: dict[tuple[str, int], list[Any]] = {}  # (sheet, row) -> [action, label]
        self.failed: set[tuple[str, str]] = set()  # (kind, key) of rows that failed: references skip quietly
        self.pending_links: list[tuple[str, Row, Element, str]] = []
        self.pending_supersedes: list[tuple[Row, Decision, str]] = []
        self.failed_pairs: set[tuple[int, int]] = set()  # (source, target) of flow rows that failed
        self.dry_run = report.dry_run
        self.planned_ids = 0  # stand-ins of a dry run get ids -1, -2, …
        self._planned_number: int | None = None  # the REQ/ADR number a dry run gives the next new row
        self.deferred: list[tuple] = []  # record_change() arguments of elements saved but not flushed yet
        self.unregistered: list[Any] = []  # created elements not yet in the reference cache

    def run(self) -> None:
        self._load()
        for sheet in IMPORT_ORDER:
            if sheet in self.book.sheets:
                self.report.sheets[sheet] = SheetResult()
                getattr(self, f"_sheet_{sheet}")(self.book.sheets[sheet])
                self._flush_deferred(sheet)
        self._supersedes()
        self._links()
        self._counters()
        for (sheet, row), (action, label) in sorted(self.status.items(), key=lambda i: i[0][1]):
            getattr(self.report.sheets[sheet], action).append(RowResult(row, label))

    # --- state ------------------------------------------------------------------------------------

    def _load(self) -> None:
        eid = self.eid
        scenarios = list(self.session.scalars(select(Scenario).where(Scenario.engagement_id == eid)))
        self.baseline = next((s for s in scenarios if s.is_baseline), None)
        self.by_name: dict[str, dict[str, Any]] = {"scenario": {s.name_key: s for s in scenarios}}
        self.refs: dict[type, dict[int, Any]] = {Scenario: {s.id: s for s in scenarios}}
        self.all: dict[str, list[Element]] = {}
        for kind, spec in KINDS.items():
            rows = list(self.session.scalars(_query(spec, eid)))
            self.all[kind] = rows
            if spec.named:
                self.by_name[kind] = {e.name_key: e for e in rows}
            if spec.model in _KIND_OF_MODEL:
                self.refs[spec.model] = {e.id: e for e in rows}
        self.flows: dict[tuple, list[DataFlow]] = {}
        self.flows_between: dict[tuple[int, int], list[DataFlow]] = {}
        for f in self.all["flow"]:
            self.flows.setdefault(_flow_key(f), []).append(f)
            self.flows_between.setdefault((f.source_id, f.target_id), []).append(f)
        self.flow_used: dict[tuple, int] = {}
        self.ownerships = {(o.system_id, o.entity_id, o.role): o for o in self.all["ownership"]}
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.by_title: dict[str, dict[str, list[Any]]] = {}
        self.counter_start: dict[str, int] = {}
        self.numbers_used: dict[str, set[int]] = {}
        for kind in ("requirement", "decision"):
            self.by_ref[kind] = {e.ref.upper(): e for e in self.all[kind] if e.ref}
            self.by_title[kind] = {}
            for e in self.all[kind]:
                self.by_title[kind].setdefault(name_key(e.name), []).append(e)
            self.counter_start[kind] = getattr(self.engagement, _COUNTER[kind])
            self.numbers_used[kind] = {e.number for e in self.all[kind]}
        self.links: dict[tuple[str, int, int], int] = {}
        self.link_ends: dict[tuple[str, bool, int], set[int]] = {}  # (kind, from the source?, id) -> other ends
        for link in self.session.scalars(select(TraceLink).where(TraceLink.engagement_id == eid)):
            self._index_link(link.kind, link.source_id, link.target_id, link.id)

    def _index_link(self, kind: str, source: int, target: int, link_id: int) -> None:
        self.links[(kind, source, target)] = link_id
        self.link_ends.setdefault((kind, True, source), set()).add(target)
        self.link_ends.setdefault((kind, False, target), set()).add(source)

    # --- problems and outcomes --------------------------------------------------------------------

    def _error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.report.problems.append(Problem(message, sheet=sheet, row=row, column=column))
        self.errors += 1
        if self.errors >= MAX_ERRORS:
            self.report.problems.append(Problem(f"Stopped after {MAX_ERRORS} errors."))
            raise _Stop

    def _warn(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.report.problems.append(Problem(message, sheet=sheet, row=row, column=column, level="warning"))

    def _field_errors(self, sheet: str, row: Row, errors: dict[str, list[str]]) -> None:
        columns = {f: c for c, f in FIELDS.get(sheet, {}).items()}
        for key, messages in errors.items():
            column = columns.get(key) or (key if key in ("name", "description") else None)
            for message in messages:
                self._error(sheet, row.number, column, message)

    def _done(self, sheet: str, number: int, action: str, label: str) -> None:
        self.status[(sheet, number)] = [action, label]

    def _touched(self, sheet: str, row: Row) -> None:
        """A row whose links changed counts as updated (unless it was created)."""
        status = self.status.get((sheet, row.number))
        if status is not None and status[0] == "unchanged":
            status[0] = "updated"

    # --- cells -> payload -------------------------------------------------------------------------

    def _payload(self, sheet: str, row: Row, spec: Kind, creating: bool, skip: tuple[str, ...] = ()):
        """Cells -> save_element payload (names resolved to ids); (payload, errors by field). _Skip when a
        referenced row failed."""
        payload: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        columns = self.book.sheets[sheet].columns
        for column, fname in FIELDS[sheet].items():
            if column not in columns or fname in skip:
                continue
            f = spec.field(fname)
            try:
                payload[fname] = self._convert(f, row.cells.get(column), spec)
            except ValueError as exc:
                errors.setdefault(fname, []).append(str(exc))
        if creating and spec.in_scenarios and "scenario_ids" not in payload and "scenario_ids" not in errors:
            try:
                payload["scenario_ids"] = [self._baseline().id]
            except ValueError as exc:
                errors["scenario_ids"] = [str(exc)]
        return payload, errors

    def _baseline(self) -> Scenario:
        if self.baseline is None:
            raise ValueError("This engagement has no current-state scenario.")
        return self.baseline

    def _convert(self, f: Field, value: Any, spec: Kind) -> Any:
        if f.type in ("ref", "refs", "participants"):
            if f.name == "scenario_ids":
                return self._scenarios(value)
            if f.name == "supersedes_id":
                return None if value is None else self._find_numbered("decision", _text(value)).id
            if f.type == "ref":
                return None if value is None else self._find(f.target, _text(value)).id
            return sorted(o.id for o in self._find_all(f.target, value))
        if f.type == "bool":
            if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
                return bool(value)
            return value if isinstance(value, bool) or value is None else _text(value)
        if f.type == "float":
            if isinstance(value, bool | date):
                raise ValueError("Must be a number.")
            return value if value is None or isinstance(value, int | float) else _text(value)
        if f.type == "date":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, bool | int | float):
                raise ValueError("Must be a date (YYYY-MM-DD).")
            return value if value is None or isinstance(value, date) else _text(value)
        return _text(value)

    def _scenarios(self, value: Any) -> list[int]:
        if value is None:
            return [self._baseline().id]
        if _text(value).strip().casefold() == NO_SCENARIO:
            return []
        return sorted(s.id for s in self._find_all(Scenario, value))

    def _find(self, model: type, text: str) -> Any:
        kind = _KIND_OF_MODEL[model]
        if kind == "decision":
            return self._find_numbered(kind, text)
        key = name_key(text)
        if (kind, key) in self.failed:
            raise _Skip
        found = self.by_name[kind].get(key)
        if found is None:
            raise ValueError(
                f"Unknown {_NOUN[kind]} “{text.strip()}” (not in the engagement or the {_SHEET_OF[kind]} sheet)."
            )
        return found

    def _find_all(self, model: type, value: Any) -> list[Any]:
        found, unknown = [], []
        for item in _items(value):
            try:
                found.append(self._find(model, item))
            except ValueError:
                unknown.append(item)
        if unknown:
            kind = _KIND_OF_MODEL[model]
            names = ", ".join(f"“{u}”" for u in unknown)
            raise ValueError(
                f"Unknown {_NOUN[kind]}{'s' if len(unknown) > 1 else ''} {names} "
                f"(not in the engagement or the {_SHEET_OF[kind]} sheet)."
            )
        return list({o.id: o for o in found}.values())

    def _find_numbered(self, kind: str, text: str) -> Any:
        """A requirement or decision by ref (REQ-3) or by title."""
        match = _REF[kind].match(text)
        if match:
            ref = f"{_PREFIX[kind]}-{int(match.group(1))}"
            if (kind, ref) in self.failed:
                raise _Skip
            found = self.by_ref[kind].get(ref)
            if found is None:
                raise ValueError(f"Unknown {_NOUN[kind]} {ref}.")
            return found
        key = name_key(text)
        if (kind, "title:" + (key or "")) in self.failed:
            raise _Skip
        candidates = self.by_title[kind].get(key, [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            refs = ", ".join(sorted(c.ref for c in candidates))
            raise ValueError(f"Several {_NOUN[kind]}s are titled “{text.strip()}” ({refs}): use the ref.")
        raise ValueError(f"Unknown {_NOUN[kind]} “{text.strip()}”.")

    def _find_element(self, text: str) -> Element:
        """A system by name, or a flow written `Source -> Target [Entities | Pattern | via X]`."""
        match = _FLOW_REF.match(text)
        if not match:
            return self._find(System, text)
        source, target = self._find(System, match["source"]), self._find(System, match["target"])
        if (source.id, target.id) in self.failed_pairs:
            raise _Skip
        candidates = list(self.flows_between.get((source.id, target.id), []))
        detail = match["detail"]
        complete = {"entities": False, "pattern": False, "via": False}
        for part in (p.strip() for p in (detail or "").split("|")):
            if not part:
                continue
            if part.casefold() == "direct":
                candidates = [f for f in candidates if f.via_id is None]
                complete["via"] = True
            elif part.casefold().startswith("via "):
                via = self._find(System, part[4:])
                candidates = [f for f in candidates if f.via_id == via.id]
                complete["via"] = True
            elif (code := _code(FLOW_PATTERNS, part)) is not None:
                candidates = [f for f in candidates if f.pattern == code]
                complete["pattern"] = True
            else:
                wanted = {e.id for e in self._find_all(DataEntity, part.replace(",", LIST_SEPARATOR))}
                candidates = [f for f in candidates if {e.id for e in f.entities} == wanted]
                complete["entities"] = True
        if len(candidates) == 1 or (candidates and all(complete.values())):
            return candidates[0]
        flow = f"{source.name} -> {target.name}" + (f" [{detail}]" if detail else "")
        if not candidates:
            raise ValueError(f"No flow {flow}.")
        raise ValueError(f"{len(candidates)} flows match {flow}: add [Entities | Pattern | via System] to say which.")

    # --- saving -----------------------------------------------------------------------------------

    def _save(self, sheet: str, row: Row, kind: str, payload: dict[str, Any], element: Element | None):
        """Create or update through save_element; None when the row failed (errors reported)."""
        spec = KINDS[kind]
        if element is not None:
            values, errors = clean(self.session, self.eid, spec, payload, partial=True, refs=self.refs)
            if errors:
                self._field_errors(sheet, row, errors)
                return None
            if not _differs(element, spec, values):
                self._done(sheet, row.number, "unchanged", element.label)
                return element
        if self.dry_run:
            return self._plan(sheet, row, spec, payload, element)
        version = element.version if element is not None else None
        # Unnumbered kinds are flushed once per sheet (_flush_deferred), not once per row; an explicit
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
            self._field_errors(sheet, row, exc.errors)
            return None
        if element is None:
            self._done(sheet, row.number, "created", saved.label)
            self.unregistered.append(saved)
            if not defer:
                self._register()
        else:
            self._done(sheet, row.number, "updated" if saved.version != version else "unchanged", saved.label)
        return saved

    def _flush_deferred(self, sheet: str) -> None:
        """Flush the sheet's new and changed elements in one go, then write their change log entries."""
        if not self.deferred and not self.unregistered:
            return
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError as exc:
            self._error(sheet, None, None, f"The database refused these rows ({_first_line(exc)}).")
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
            self._field_errors(sheet, row, errors)
            return None
        if element is not None:
            self._done(sheet, row.number, "updated", element.label)
            return element
        self.planned_ids -= 1
        planned = _Planned(spec, self.planned_ids, self.eid, values, self._planned_number)
        self._done(sheet, row.number, "created", planned.label)
        if spec.model in self.refs:
            self.refs[spec.model][planned.id] = planned
        return planned

    # --- sheets -----------------------------------------------------------------------------------

    def _sheet_scenarios(self, sheet) -> None:
        rows = sheet.rows
        flagged = [r for r in rows if _flag(r.cells.get("baseline")) is True]
        for extra in flagged[1:]:
            self._error(
                "scenarios",
                extra.number,
                "baseline",
                f"Only one row can be the current state (row {flagged[0].number} is).",
            )
        order = flagged[:1] + [r for r in rows if r not in flagged[:1]]
        matched: dict[int, int] = {}
        for row in order:
            if row.bad or row in flagged[1:]:
                continue
            name = _text(row.cells.get("name")) or ""
            key = name_key(name)
            flag = _flag(row.cells.get("baseline"))
            if flag == "invalid":
                self._error("scenarios", row.number, "baseline", "Must be yes or no.")
                self.failed.add(("scenario", key or ""))
                continue
            if not key:
                self._error("scenarios", row.number, "name", "This field is required.")
                continue
            scenario = self.baseline if flag is True else self.by_name["scenario"].get(key)
            if scenario is not None and scenario.is_baseline and flag is False:
                self._error(
                    "scenarios", row.number, "baseline", "This is the current state; it cannot become a proposal."
                )
                self.failed.add(("scenario", key))
                continue
            if scenario is not None and scenario.id in matched:
                self._error("scenarios", row.number, "name", f"Same scenario as row {matched[scenario.id]}.")
                continue
            described = "description" in sheet.columns
            description = (_text(row.cells.get("description")) or "") if described else None
            if scenario is not None:
                matched[scenario.id] = row.number
                new_name = " ".join(name.split())
                if scenario.name == new_name and (description is None or scenario.description == description):
                    self._done("scenarios", row.number, "unchanged", scenario.name)
                    continue
            try:
                old_key = scenario.name_key if scenario is not None else None
                saved = save_scenario(
                    self.session,
                    self.engagement,
                    name,
                    description if description is not None else (scenario.description if scenario else ""),
                    scenario=scenario,
                    commit=False,
                )
            except ValidationError as exc:
                self.failed.add(("scenario", key))
                self._field_errors("scenarios", row, exc.errors)
                continue
            if old_key is not None and old_key != saved.name_key:
                self.by_name["scenario"].pop(old_key, None)
            self.by_name["scenario"][saved.name_key] = saved
            self.refs[Scenario][saved.id] = saved
            matched[saved.id] = row.number
            self._done("scenarios", row.number, "created" if scenario is None else "updated", saved.name)

    def _named(self, sheet_name: str) -> None:
        sheet = self.book.sheets[sheet_name]
        kind = SHEET_KIND[sheet_name]
        seen: dict[str, int] = {}
        for row in sheet.rows:
            key = name_key(_text(row.cells.get("name")))
            if row.bad:
                self.failed.add((kind, key or ""))
                continue
            if not key:
                self._error(sheet_name, row.number, "name", "This field is required.")
                continue
            if key in seen:
                self._error(sheet_name, row.number, "name", f"Same name as row {seen[key]}.")
                continue
            seen[key] = row.number
            element = self.by_name[kind].get(key)
            saved = self._row(sheet_name, row, kind, element)
            if saved is None:
                self.failed.add((kind, key))
            elif element is None:
                self.by_name[kind][key] = saved

    def _row(self, sheet: str, row: Row, kind: str, element: Element | None, skip=()) -> Element | None:
        """Payload + save for one row; None when it failed or was skipped."""
        try:
            payload, errors = self._payload(sheet, row, KINDS[kind], element is None, skip)
        except _Skip:
            return None
        if errors:
            self._field_errors(sheet, row, errors)
            return None
        return self._save(sheet, row, kind, payload, element)

    def _sheet_channels(self, _sheet) -> None:
        self._named("channels")

    def _sheet_entities(self, _sheet) -> None:
        self._named("entities")

    def _sheet_stakeholders(self, _sheet) -> None:
        self._named("stakeholders")

    def _sheet_systems(self, _sheet) -> None:
        self._named("systems")

    def _sheet_flows(self, sheet) -> None:
        spec = KINDS["flow"]
        first_row: dict[tuple, int] = {}
        for row in sheet.rows:
            if row.bad:
                self._fail_pair(row)
                continue
            try:
                payload, errors = self._payload("flows", row, spec, creating=True)
            except _Skip:
                continue
            if errors:
                self._fail_pair(row, payload)
                self._field_errors("flows", row, errors)
                continue
            key = _payload_flow_key(payload)
            element = None
            if key is not None:
                if key in first_row:
                    self._warn(
                        "flows",
                        row.number,
                        None,
                        f"Same source, target, entities, pattern and via as row {first_row[key]}: a separate flow.",
                    )
                first_row.setdefault(key, row.number)
                used = self.flow_used.get(key, 0)
                existing = self.flows.get(key, [])
                element = existing[used] if used < len(existing) else None
                self.flow_used[key] = used + 1
                if element is not None:  # an update leaves fields of absent columns alone
                    payload, _ = self._payload("flows", row, spec, creating=False)
            saved = self._save("flows", row, "flow", payload, element)
            if saved is None:
                self._fail_pair(row, payload)
            elif element is None and key is not None:
                self.flows.setdefault(key, []).append(saved)  # keys from the row: ids come at the flush
                self.flows_between.setdefault((payload["source_id"], payload["target_id"]), []).append(saved)

    def _fail_pair(self, row: Row, payload: dict | None = None) -> None:
        payload = payload or {}
        if payload.get("source_id") and payload.get("target_id"):
            self.failed_pairs.add((payload["source_id"], payload["target_id"]))

    def _sheet_ownership(self, sheet) -> None:
        spec = KINDS["ownership"]
        seen: dict[tuple, int] = {}
        for row in sheet.rows:
            if row.bad:
                continue
            try:
                payload, errors = self._payload("ownership", row, spec, creating=True)
            except _Skip:
                continue
            if errors:
                self._field_errors("ownership", row, errors)
                continue
            role = _code(OWNERSHIP_ROLES, payload.get("role"))
            key = (payload.get("system_id"), payload.get("entity_id"), role)
            element = None
            if None not in key:
                if key in seen:
                    self._error("ownership", row.number, "role", f"Same system, entity and role as row {seen[key]}.")
                    continue
                seen[key] = row.number
                element = self.ownerships.get(key)
                if element is not None:
                    payload, _ = self._payload("ownership", row, spec, creating=False)
            saved = self._save("ownership", row, "ownership", payload, element)
            if saved is not None and element is None:
                self.ownerships[key] = saved

    def _numbered(self, sheet_name: str) -> None:
        """Requirements or decisions: matched by ref, else by title; new ones keep a given ref."""
        sheet = self.book.sheets[sheet_name]
        kind = SHEET_KIND[sheet_name]
        counter = _COUNTER[kind]
        matched: dict[int, int] = {}
        wanted: dict[int, int] = {}  # numbers of new rows with a ref -> row
        plans = []
        for row in sheet.rows:
            ref_text = _text(row.cells.get("ref"))
            title_key = name_key(_text(row.cells.get("title")))
            if row.bad:
                self._fail_numbered(kind, ref_text, title_key)
                continue
            element, number = None, None
            if ref_text:
                match = _REF[kind].match(ref_text)
                if not match:
                    self._error(sheet_name, row.number, "ref", f"Must look like {_PREFIX[kind]}-12, or be blank.")
                    self._fail_numbered(kind, None, title_key)
                    continue
                number = int(match.group(1))
                element = self.by_ref[kind].get(f"{_PREFIX[kind]}-{number}")
                if element is None:
                    if number < self.counter_start[kind] or number in self.numbers_used[kind] or number < 1:
                        self._error(
                            sheet_name,
                            row.number,
                            "ref",
                            f"{_PREFIX[kind]}-{number} is not in this engagement and its number was used before; "
                            "leave the ref blank to add a new one.",
                        )
                        self._fail_numbered(kind, ref_text, title_key)
                        continue
                    if number in wanted:
                        self._error(sheet_name, row.number, "ref", f"Same ref as row {wanted[number]}.")
                        continue
                    wanted[number] = row.number
            elif title_key:
                candidates = self.by_title[kind].get(title_key, [])
                if len(candidates) > 1:
                    refs = ", ".join(sorted(c.ref for c in candidates))
                    self._error(
                        sheet_name,
                        row.number,
                        "title",
                        f"Several {_NOUN[kind]}s have this title ({refs}): give the ref.",
                    )
                    self._fail_numbered(kind, None, title_key)
                    continue
                element = candidates[0] if candidates else None
            if element is not None:
                if element.id in matched:
                    self._error(
                        sheet_name,
                        row.number,
                        "ref" if ref_text else "title",
                        f"Describes the same {_NOUN[kind]} as row {matched[element.id]}.",
                    )
                    continue
                matched[element.id] = row.number
            plans.append((row, element, number, ref_text, title_key))
        # Rows without a ref are numbered after every number in use or named in the workbook.
        next_free = max([self.counter_start[kind], *(n + 1 for n in (*self.numbers_used[kind], *wanted))])
        for row, element, number, ref_text, title_key in plans:
            skip = ()
            supersedes = row.cells.get("supersedes") if kind == "decision" else None
            if supersedes is not None and "supersedes" in sheet.columns and self._forward(supersedes):
                skip = ("supersedes_id",)  # a decision further down: linked once it exists
            if element is None:
                if number is None:
                    while next_free in wanted or next_free in self.numbers_used[kind]:
                        next_free += 1
                    number = next_free
                if self.dry_run:
                    self._planned_number = number
                else:
                    setattr(self.engagement, counter, number)
                    self.session.flush()
            saved = self._row(sheet_name, row, kind, element, skip)
            if saved is None:
                self._fail_numbered(kind, ref_text, title_key)
                continue
            if element is None:
                self.numbers_used[kind].add(saved.number)
                self.by_ref[kind][saved.ref] = saved
                self.by_title[kind].setdefault(name_key(saved.name), []).append(saved)
            if skip:
                self.pending_supersedes.append((row, saved, _text(supersedes)))
            for column in LINKS[sheet_name]:
                if column in sheet.columns:
                    self.pending_links.append((sheet_name, row, saved, column))

    def _forward(self, value: Any) -> bool:
        """True when a supersedes cell names a decision not known yet (a row further down, or unknown)."""
        try:
            self._find_numbered("decision", _text(value))
        except (ValueError, _Skip):
            return True
        return False

    def _fail_numbered(self, kind: str, ref_text: str | None, title_key: str | None) -> None:
        match = _REF[kind].match(ref_text or "")
        if match:
            self.failed.add((kind, f"{_PREFIX[kind]}-{int(match.group(1))}"))
        if title_key:
            self.failed.add((kind, "title:" + title_key))

    def _sheet_requirements(self, _sheet) -> None:
        self._numbered("requirements")

    def _sheet_decisions(self, _sheet) -> None:
        self._numbered("decisions")

    def _supersedes(self) -> None:
        for row, decision, text in self.pending_supersedes:
            try:
                target = self._find_numbered("decision", text)
            except _Skip:
                continue
            except ValueError as exc:
                self._error("decisions", row.number, "supersedes", str(exc))
                continue
            if decision.supersedes_id == target.id:
                continue
            if self.dry_run:
                if target.id == decision.id:
                    self._error("decisions", row.number, "supersedes", "A decision cannot supersede itself.")
                else:
                    self._touched("decisions", row)
                continue
            try:
                save_element(
                    self.session,
                    self.engagement,
                    "decision",
                    {"supersedes_id": target.id},
                    decision,
                    partial=True,
                    user_id=self.user_id,
                    commit=False,
                    refs=self.refs,
                    check_unique=False,
                )
            except ValidationError as exc:
                self._field_errors("decisions", row, {"supersedes_id": [m for ms in exc.errors.values() for m in ms]})
                continue
            self._touched("decisions", row)

    # --- trace links ------------------------------------------------------------------------------

    def _links(self) -> None:
        for sheet, row, element, column in self.pending_links:
            kind, outward = LINKS[sheet][column]
            try:
                wanted = self._link_ends(column, row.cells.get(column))
            except _Skip:
                continue
            except ValueError as exc:
                self._error(sheet, row.number, column, str(exc))
                continue
            current = set(self.link_ends.get((kind, outward, element.id), ()))
            if wanted == current:
                continue
            if self.dry_run:
                if element.id in wanted:
                    self._error(sheet, row.number, column, "An element cannot be linked to itself.")
                else:
                    self._touched(sheet, row)
                continue
            failed = False
            for other in sorted(wanted - current):
                source, target = (element.id, other) if outward else (other, element.id)
                try:
                    link = add_link(
                        self.session, self.engagement, kind, source, target, user_id=self.user_id, commit=False
                    )
                except ValidationError as exc:
                    for messages in exc.errors.values():
                        for message in messages:
                            self._error(sheet, row.number, column, message)
                    failed = True
                    continue
                self._index_link(kind, source, target, link.id)
            for other in sorted(current - wanted):
                source, target = (element.id, other) if outward else (other, element.id)
                remove_link(
                    self.session,
                    self.engagement,
                    self.links.pop((kind, source, target)),
                    user_id=self.user_id,
                    commit=False,
                )
                self.link_ends[(kind, True, source)].discard(target)
                self.link_ends[(kind, False, target)].discard(source)
            if not failed:
                self._touched(sheet, row)

    def _link_ends(self, column: str, value: Any) -> set[int]:
        if value is None:
            return set()
        if column in ("satisfied_by", "affects"):
            found, errors = [], []
            for item in _items(value):
                try:
                    found.append(self._find_element(item).id)
                except ValueError as exc:
                    errors.append(str(exc))
            if errors:
                raise ValueError(" ".join(errors))
            return set(found)
        found, errors = [], []
        for item in _items(value):
            try:
                found.append(self._find_numbered("requirement", item).id)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError(" ".join(errors))
        return set(found)

    def _counters(self) -> None:
        # New refs were numbered through the counters: leave them past every number now in use.
        if self.dry_run:
            return
        for kind, counter in _COUNTER.items():
            used = self.numbers_used[kind]
            setattr(self.engagement, counter, max([self.counter_start[kind], *(n + 1 for n in used)]))
        self.session.flush()


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


def _query(spec: Kind, engagement_id: int):
    """Every element of a kind with what matching, comparing and snapshotting touch, in a few IN queries."""
    options = []
    if spec.in_scenarios:
        options.append(selectinload(spec.model.scenarios))
    for f in spec.fields:
        if f.type == "tags":
            options.append(selectinload(spec.model.tag_rows))
        elif f.type == "participants" and f.attr == "decider":
            options.append(selectinload(Decision.participants).selectinload(DecisionParticipant.stakeholder))
        elif f.type in ("ref", "refs") and f.name != "scenario_ids":
            options.append(selectinload(getattr(spec.model, f.attr or f.name)))
    return select(spec.model).where(spec.model.engagement_id == engagement_id).order_by(spec.model.id).options(*options)


def _flow_key(flow: DataFlow) -> tuple:
    return (flow.source_id, flow.target_id, frozenset(e.id for e in flow.entities), flow.pattern, flow.via_id)


def _payload_flow_key(payload: dict[str, Any]) -> tuple | None:
    pattern = _code(FLOW_PATTERNS, payload.get("pattern"))
    if not payload.get("source_id") or not payload.get("target_id") or not payload.get("entity_ids") or not pattern:
        return None
    return (
        payload["source_id"],
        payload["target_id"],
        frozenset(payload["entity_ids"]),
        pattern,
        payload.get("via_id"),
    )


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def _code(choices: dict[str, str], value: Any) -> str | None:
    """A choice cell -> its code (code or label accepted, as fields.clean does); None when neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in choices:
        return text
    return next((code for code, label in choices.items() if label.casefold() == text.casefold()), None)


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


def _text(value: Any) -> str | None:
    """A cell as text: numbers without a trailing .0, dates as ISO, booleans as yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _items(value: Any) -> list[str]:
    """A list cell -> its non-blank items."""
    text = _text(value) or ""
    return list(dict.fromkeys(item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()))


def _flag(value: Any) -> bool | str | None:
    """yes/no cell -> True/False, None when blank, "invalid" otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return "invalid"
