"""References in cells resolved to the engagement's objects (or to rows of the same workbook), and a row's
cells turned into a save_element payload. A reference to a row that failed skips quietly (`_Skip`): that
row's error is already reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from app.services.catalog.fields import KINDS, Field, Kind
from app.services.workbook.cells import _items, _text
from app.services.workbook.export import NO_SCENARIO
from app.services.workbook.index import EngagementIndex
from app.services.workbook.mapping import _KIND_OF_MODEL, _NOUN, _PREFIX, _REF, _SHEET_OF, FIELDS, SHEET_KIND
from app.services.workbook.vocab import vocabulary
from exports.workbook import ParsedWorkbook, Row
from exports.workbook.lists import parse_flow_ref, split_entities, split_list, unescape
from models import DataEntity, Element, Scenario, System, name_key


class _Skip(Exception):
    """The row refers to a row that failed; its error is already reported."""


class NotCreated(ValueError):
    """A scenario a cell names could not be created (its name is not a valid scenario name)."""


class Resolver:
    """Finds what cells name, in the index; remembers the rows that failed so references to them skip."""

    def __init__(self, book: ParsedWorkbook, index: EngagementIndex) -> None:
        self.book = book
        self.index = index
        self.failed: set[tuple[str, str]] = set()  # (kind, key) of rows that failed: references skip quietly
        self.failed_pairs: set[tuple[int, int]] = set()  # (source, target) of flow rows that failed
        # (sheet, column, text as written, label) -> rows: every choice read other than exactly (the dry run shows them)
        self.readings: dict[tuple[str, str, str, str], set[int]] = {}
        # Creates a scenario a cell names that neither the engagement nor the scenarios sheet has (set by the run).
        self.create_scenario: Callable[[str, str, int], Scenario] | None = None
        self.where: tuple[str, int] = ("", 0)  # the sheet and row being read, for what create_scenario reports

    def payload(self, sheet: str, row: Row, spec: Kind, creating: bool, skip: tuple[str, ...] = ()):
        """Cells -> save_element payload (names resolved to ids); (payload, errors by field). _Skip when a
        referenced row failed."""
        payload: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        columns = self.book.sheets[sheet].columns
        self.where = (sheet, row.number)
        for column, fname in FIELDS[sheet].items():
            if column not in columns or fname in skip:
                continue
            f = spec.field(fname)
            try:
                if f.type == "choice":
                    payload[fname] = self._choice(sheet, row, column, f)
                    continue
                payload[fname] = self._convert(f, row.cells.get(column), spec)
            except ValueError as exc:
                errors.setdefault(fname, []).append(str(exc))
        if creating and spec.in_scenarios and "scenario_ids" not in payload and "scenario_ids" not in errors:
            try:
                payload["scenario_ids"] = [self._baseline().id]
            except ValueError as exc:
                errors["scenario_ids"] = [str(exc)]
        return payload, errors

    def _choice(self, sheet: str, row: Row, column: str, f: Field) -> str | None:
        """A choice cell -> its code, read tolerantly (the reading remembered when not exact); text that
        matches nothing is passed on for fields.clean to refuse; ValueError when it is ambiguous."""
        text = _text(row.cells.get(column))
        if text is None:
            return None
        vocab = vocabulary(SHEET_KIND[sheet], f)
        reading = vocab.read(text)
        if reading.ambiguous:
            labels = " or ".join(vocab.label(c) for c in reading.candidates)
            raise ValueError(f"“{text.strip()}” could be {labels}: write one of them.")
        if reading.value is None:
            return text
        if not reading.exact:
            self.readings.setdefault((sheet, column, text.strip(), vocab.label(reading.value)), set()).add(row.number)
        return reading.value

    def _baseline(self) -> Scenario:
        if self.index.baseline is None:
            raise ValueError("This engagement has no current-state scenario.")
        return self.index.baseline

    def _convert(self, f: Field, value: Any, spec: Kind) -> Any:
        if f.type in ("ref", "refs", "participants"):
            if f.name == "scenario_ids":
                return self._scenarios(value)
            if f.name == "supersedes_id":
                return None if value is None else self.find_numbered("decision", _text(value)).id
            if f.type == "ref":
                return None if value is None else self._find(f.target, _text(value)).id
            return sorted(o.id for o in self._find_all(f.target, value))
        if f.type == "tags":
            return None if value is None else split_list(_text(value))
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

    def find(self, model: type, text: str) -> Any:
        """The object of this model a cell names (a scenario named nowhere else is created); ValueError
        when unknown, _Skip when its row failed."""
        return self._find(model, text)

    def _find(self, model: type, text: str) -> Any:
        kind = _KIND_OF_MODEL[model]
        if kind == "decision":
            return self.find_numbered(kind, text)
        key = name_key(text)
        if (kind, key) in self.failed:
            raise _Skip
        found = self.index.by_name[kind].get(key)
        if found is None and kind == "scenario" and key and self.create_scenario is not None:
            try:
                return self.create_scenario(text.strip(), *self.where)
            except ValueError as exc:
                raise NotCreated(f"The scenario “{text.strip()[:80]}” cannot be created: {exc}") from None
        if found is None:
            raise ValueError(
                f"Unknown {_NOUN[kind]} “{text.strip()}” (not in the engagement or the {_SHEET_OF[kind]} sheet)."
            )
        return found

    def _names_entities(self, raw: str) -> bool:
        """True when a flow reference's part names entities exactly (an entity called like a pattern)."""
        names = split_entities(raw)
        return bool(names) and all(name_key(n) in self.index.by_name["entity"] for n in names)

    def _find_all(self, model: type, value: Any) -> list[Any]:
        found, unknown = [], []
        for item in value if isinstance(value, list) else _items(value):
            try:
                found.append(self._find(model, item))
            except NotCreated:
                raise
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

    def find_numbered(self, kind: str, text: str) -> Any:
        """A requirement or decision by ref (REQ-3) or by title."""
        match = _REF[kind].match(text)
        if match:
            ref = f"{_PREFIX[kind]}-{int(match.group(1))}"
            if (kind, ref) in self.failed:
                raise _Skip
            found = self.index.by_ref[kind].get(ref)
            if found is None:
                raise ValueError(f"Unknown {_NOUN[kind]} {ref}.")
            return found
        key = name_key(text)
        if (kind, "title:" + (key or "")) in self.failed:
            raise _Skip
        candidates = self.index.by_title[kind].get(key, [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            refs = ", ".join(sorted(c.ref for c in candidates))
            raise ValueError(f"Several {_NOUN[kind]}s are titled “{text.strip()}” ({refs}): use the ref.")
        raise ValueError(f"Unknown {_NOUN[kind]} “{text.strip()}”.")

    def find_element(self, item: str) -> Element:
        """A system by name, or a flow written `Source -> Target [Entities | Pattern | via X]`; `item` is a
        list item with its escapes kept (`\\,` `\\|` `\\>`… inside names)."""
        parsed = parse_flow_ref(item)
        if parsed is None:
            return self._find(System, unescape(item))
        source_text, target_text, parts = parsed
        source, target = self._find(System, source_text), self._find(System, target_text)
        if (source.id, target.id) in self.failed_pairs:
            raise _Skip
        candidates = list(self.index.flows_between.get((source.id, target.id), []))
        detail = " | ".join(unescape(p).strip() for p in parts) if parts is not None else None
        complete = {"entities": False, "pattern": False, "via": False}
        patterns = vocabulary("flow", KINDS["flow"].field("pattern"))
        for raw in parts or ():
            part = unescape(raw).strip()
            if not part:
                continue
            if part.casefold() == "direct":
                candidates = [f for f in candidates if f.via_id is None]
                complete["via"] = True
            elif part.casefold().startswith("via "):
                via = self._find(System, part[4:])
                candidates = [f for f in candidates if f.via_id == via.id]
                complete["via"] = True
            elif (code := patterns.read(part).value) is not None and not self._names_entities(raw):
                candidates = [f for f in candidates if f.pattern == code]
                complete["pattern"] = True
            else:
                wanted = {e.id for e in self._find_all(DataEntity, split_entities(raw))}
                candidates = [f for f in candidates if {e.id for e in f.entities} == wanted]
                complete["entities"] = True
        if len(candidates) == 1 or (candidates and all(complete.values())):
            return candidates[0]
        flow = f"{source.name} -> {target.name}" + (f" [{detail}]" if detail else "")
        if not candidates:
            raise ValueError(f"No flow {flow}.")
        raise ValueError(f"{len(candidates)} flows match {flow}: add [Entities | Pattern | via System] to say which.")

    # --- rows that failed -------------------------------------------------------------------------

    def fail_pair(self, row: Row, payload: dict | None = None) -> None:
        """A flow row failed: references to a flow between its source and target skip quietly."""
        payload = payload or {}
        if payload.get("source_id") and payload.get("target_id"):
            self.failed_pairs.add((payload["source_id"], payload["target_id"]))

    def fail_numbered(self, kind: str, ref_text: str | None, title_key: str | None) -> None:
        """A requirement or decision row failed: references to its ref or title skip quietly."""
        match = _REF[kind].match(ref_text or "")
        if match:
            self.failed.add((kind, f"{_PREFIX[kind]}-{int(match.group(1))}"))
        if title_key:
            self.failed.add((kind, "title:" + title_key))
