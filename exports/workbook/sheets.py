"""The workbook template: its sheets and columns, the names a sheet may go by, and how headers are compared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from exports.workbook.labels import Reading, Vocabulary


@dataclass(frozen=True)
class Column:
    """One column of a sheet; `required` columns are marked with `*` in the header."""

    name: str
    required: bool = False
    help: str = ""
    # Written only when some row fills it (the scenario rows' columns): the template and the export of an
    # engagement without per-scenario values stay exactly as they were.
    on_demand: bool = False

    @property
    def header(self) -> str:
        """The header as written: the name, with `*` when required."""
        return f"{self.name}*" if self.required else self.name


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its name, what a row is, its columns."""

    name: str
    help: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in template order."""
        return tuple(c.name for c in self.columns)

    def written_columns(self, rows: list[dict[str, Any]]) -> tuple[Column, ...]:
        """The columns a sheet with these rows is written with: every column but the on-demand ones no row fills."""
        return tuple(
            c for c in self.columns
            if not c.on_demand or any(row.get(c.name) not in (None, "") for row in rows)
        )


_SCENARIOS_HELP = "Scenario names; blank means the current state; (none) means in no scenario."
_SCENARIO_HELP = (
    "Optional. Blank: the row gives the values every scenario shares. A scenario name: the row gives the values "
    "this object holds in that scenario only (it must be one of the object's scenarios)."
)
_KEY_HELP = (
    "Optional. Any text tying rows with a scenario to the object's own row (same key on both); needed only "
    "when several of them join the same {what}."
)

# Written in this order; imported in dependency order by the service.
SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "systems",
        "One row per application. Identified by name.",
        (
            Column("name", True, "Unique name of the system."),
            Column("category", True, "See the allowed values below (code or label)."),
            Column("vendor"),
            Column("product"),
            Column("hosting", help="SaaS, Cloud or On-premises."),
            Column("lifecycle", help="Active, Planned, Retiring or Retired."),
            Column("owner", help="Name of a stakeholder."),
            Column("channels", help="Channel names served, separated by ;"),
            Column("scenarios", help=_SCENARIOS_HELP),
            Column("tags", help="Free tags, separated by ;"),
            Column("notes"),
            Column("scenario", help=_SCENARIO_HELP, on_demand=True),
        ),
        ("system", "applications", "application"),
    ),
    SheetSpec(
        "flows",
        "One row per data flow. Identified by source, target, entities, pattern and via together.",
        (
            Column("source", True, "Name of the system the data leaves."),
            Column("target", True, "Name of the system the data reaches."),
            Column("entities", True, "Data entity names, separated by ;"),
            Column(
                "pattern", True, "API request/response, Event / stream, Webhook, Batch file, Database link, Manual."
            ),
            Column("frequency", help="Free text, e.g. Nightly 02:00."),
            Column("latency_seconds", help="Typical latency in seconds (a number)."),
            Column("worst_latency_seconds", help="Worst latency in seconds (a number, not below the typical)."),
            Column("via", help="Name of the middleware system, if any."),
            Column("direction", help="One-way or Two-way."),
            Column("scenarios", help=_SCENARIOS_HELP),
            Column("tags", help="Free tags, separated by ;"),
            Column("notes"),
            Column("scenario", help=_SCENARIO_HELP, on_demand=True),
            Column("key", help=_KEY_HELP.format(what="source and target"), on_demand=True),
        ),
        ("flow", "data_flows", "dataflows", "integrations"),
    ),
    SheetSpec(
        "ownership",
        "One row per role a system plays for a data entity. Identified by system, entity and role.",
        (
            Column("system", True, "Name of a system."),
            Column("entity", True, "Name of a data entity."),
            Column("role", True, "System of record, Authoritative copy, Replica, Reads or Writes."),
            Column("scenarios", help=_SCENARIOS_HELP),
            Column("scenario", help=_SCENARIO_HELP, on_demand=True),
            Column("key", help=_KEY_HELP.format(what="system and entity"), on_demand=True),
        ),
        ("ownerships", "data_ownership"),
    ),
    SheetSpec(
        "stakeholders",
        "One row per person. Identified by name.",
        (
            Column("name", True, "Unique name of the person."),
            Column("role", help="Job title."),
            Column("team"),
            Column("area", help="See the allowed values below."),
            Column("influence", help="Low, Medium or High."),
            Column("interest", help="Low, Medium or High."),
            Column("email"),
        ),
        ("stakeholder", "people"),
    ),
    SheetSpec(
        "requirements",
        "One row per requirement. Identified by ref (REQ-n); a row without ref by its title.",
        (
            Column("ref", help="REQ-n; blank for a new requirement (it gets the next number)."),
            Column("title", True),
            Column("text"),
            Column("type", help="Business, Functional, Non-functional, Data or Integration."),
            Column("priority", help="Must, Should, Could or Won't."),
            Column("channels", help="Channel names, separated by ;"),
            Column("source", help="Name of the stakeholder who asked for it."),
            Column("status", help="Draft, Agreed, Met, Not met or Dropped."),
            Column("acceptance", help="Acceptance criteria."),
            Column("tags", help="Free tags, separated by ;"),
            Column("satisfied_by", help="Systems (names) and flows (Source -> Target) that satisfy it, separated by ;"),
            Column("refines", help="Requirements (ref or title) this one refines, separated by ;"),
        ),
        ("requirement",),
    ),
    SheetSpec(
        "decisions",
        "One row per architecture decision. Identified by ref (ADR-n); a row without ref by its title.",
        (
            Column("ref", help="ADR-n; blank for a new decision (it gets the next number)."),
            Column("title", True),
            Column("status", help="Proposed, Accepted, Rejected, Deprecated or Superseded, as recorded (the app "
                   "shows a decision superseded by an accepted one as superseded, whatever this says)."),
            Column("context"),
            Column("options", help="Options considered."),
            Column("outcome"),
            Column("consequences"),
            Column("date", help="Date decided (YYYY-MM-DD)."),
            Column("deciders", help="Stakeholder names, separated by ;"),
            Column("consulted", help="Stakeholder names, separated by ;"),
            Column("informed", help="Stakeholder names, separated by ;"),
            Column("supersedes", help="The decision (ref or title) this one supersedes."),
            Column("addresses", help="Requirements (ref or title) this decision addresses, separated by ;"),
            Column("affects", help="Systems (names) and flows (Source -> Target) it affects, separated by ;"),
            Column("scenario", help="The scenario this decision belongs to, if any."),
            Column("tags", help="Free tags, separated by ;"),
        ),
        ("decision", "adrs", "adr"),
    ),
    SheetSpec(
        "channels",
        "One row per sales or service channel. Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("customer_facing", help="yes or no (blank: yes)."),
        ),
        ("channel",),
    ),
    SheetSpec(
        "entities",
        "One row per business data entity. Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("time_critical", help="yes or no (blank: no)."),
        ),
        ("entity", "data_entities", "dataentities"),
    ),
    SheetSpec(
        "scenarios",
        "One row per scenario (the current state and each proposal). Identified by name.",
        (
            Column("name", True),
            Column("description"),
            Column("baseline", help="yes on the row describing the current state (renames it if the name differs)."),
        ),
        ("scenario",),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}
_SHEET_ALIASES = {alias: s.name for s in SHEETS for alias in (s.name, *s.aliases)}
# Sheets and files the importer skips without a warning: the template's own notes.
IGNORED_SHEETS = frozenset({"instructions", "readme", "read_me", "about", "notes"})


# Other names clients give the columns (compared loosely: case, spaces and punctuation left out).
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "systems": {
        "name": ("system", "system name", "application", "application name", "app", "app name"),
        "category": ("type", "system type", "application type", "kind"),
        "vendor": ("supplier", "provider", "manufacturer"),
        "product": ("product name", "software"),
        "hosting": ("hosted", "hosting model", "deployment", "hosted where"),
        "lifecycle": ("lifecycle status", "lifecycle stage", "life cycle"),
        "owner": ("business owner", "system owner", "owned by"),
        "channels": ("channel",),
        "scenarios": ("in scenarios",),
        "tags": ("tag", "labels"),
        "notes": ("note", "description"),
    },
    "flows": {
        "source": ("from", "source system", "sender", "origin"),
        "target": ("to", "target system", "receiver", "destination"),
        "entities": ("entity", "data", "data entities", "objects", "payload"),
        "pattern": ("integration pattern", "flow style", "style", "method", "mechanism", "type"),
        "latency_seconds": ("latency", "latency s", "typical latency"),
        "worst_latency_seconds": ("worst latency", "worst latency s", "max latency"),
        "via": ("middleware", "via system", "through"),
        "tags": ("tag",),
        "notes": ("note", "description"),
    },
    "ownership": {"system": ("system name", "application"), "entity": ("data entity", "data"),
                  "role": ("ownership", "ownership role")},
    "stakeholders": {"name": ("person", "full name", "stakeholder"), "role": ("job title", "title", "position"),
                     "team": ("department",), "email": ("e mail", "mail", "email address")},
    "requirements": {
        "ref": ("id", "reference", "req id", "requirement id"),
        "title": ("requirement", "summary", "name"),
        "text": ("description", "detail", "details"),
        "type": ("requirement type", "kind", "category"),
        "priority": ("moscow",),
        "source": ("requested by", "raised by", "stakeholder"),
        "acceptance": ("acceptance criteria",),
        "tags": ("tag",),
    },
    "decisions": {
        "ref": ("id", "reference", "adr id", "decision id"),
        "title": ("decision", "name"),
        "outcome": ("decision outcome", "chosen option"),
        "options": ("options considered", "alternatives"),
        "date": ("decided on", "decision date", "date decided"),
        "tags": ("tag",),
    },
    "channels": {"name": ("channel",), "customer_facing": ("customer facing?", "external")},
    "entities": {"name": ("entity", "data entity"), "time_critical": ("time critical?", "critical")},
    "scenarios": {"name": ("scenario",), "baseline": ("current state", "is baseline")},
}


def sheet_key(title: str) -> str:
    """A sheet or file name as the importer compares it: case-, space- and hyphen-insensitive."""
    return re.sub(r"[\s\-]+", "_", title.strip().casefold()).strip("_")


def header_key(value: Any) -> str:
    """A header cell as the importer compares it: `Latency seconds*` -> `latency_seconds`."""
    return sheet_key(str(value).strip().rstrip("*"))


@cache
def _header_vocabulary(sheet: str) -> Vocabulary:
    spec = SHEET_BY_NAME[sheet]
    return Vocabulary({c: c for c in spec.column_names}, HEADER_SYNONYMS.get(sheet, {}), beginnings=False)


# Other names clients give the sheets, beyond the aliases.
SHEET_SYNONYMS: dict[str, tuple[str, ...]] = {
    "systems": ("apps", "application inventory", "applications list", "system list", "inventory"),
    "flows": ("interfaces", "integration list", "interface list"),
    "stakeholders": ("contacts",),
    "requirements": ("reqs",),
    "decisions": ("architecture decisions",),
}


@cache
def _sheet_vocabulary() -> Vocabulary:
    synonyms = {s.name: (*s.aliases, *SHEET_SYNONYMS.get(s.name, ())) for s in SHEETS}
    return Vocabulary({s.name: s.name for s in SHEETS}, synonyms, beginnings=False)


def read_header(sheet: str, value: Any) -> Reading:
    """A header cell -> the column it names: exact when its header_key is the column's name (case, spaces,
    hyphens and a trailing `*` aside), else read loosely (punctuation, synonyms)."""
    key = header_key(value)
    if key in SHEET_BY_NAME[sheet].column_names:
        return Reading(key, exact=True)
    return _header_vocabulary(sheet).read(str(value).strip().rstrip("*"))


def read_sheet_name(title: str) -> Reading:
    """A sheet or CSV file name -> the template sheet it is: exact for a name or alias (case, spaces and
    hyphens aside), else read loosely."""
    name = _SHEET_ALIASES.get(sheet_key(title))
    if name is not None:
        return Reading(name, exact=True)
    return _sheet_vocabulary().read(title)
