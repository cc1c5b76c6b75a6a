"""Resolving a capture line's names against one engagement's catalog: existing elements, new ones, look-alikes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.capture import grammar, suggest
from app.capture.grammar import Name
from app.services.catalog.capture_preview import Choices, Item, Suggestion
from app.services.catalog.fields import KINDS
from models import Element, Engagement, Scenario, System
from models.vocab import SYSTEM_CATEGORIES

PAGE_OF = {"entity": "Data entities", "channel": "Channels"}


class _Row(NamedTuple):
    id: int
    name: str
    name_key: str | None
    category: str | None = None


class _Resolver:
    """Looks names up in one engagement's catalog: exact keys with indexed queries, and the full list of names
    of a kind (for look-alikes) only when some name of that kind is not found."""

    def __init__(self, session: Session, engagement: Engagement, line: str, choices: Choices):
        self.session, self.engagement, self.line, self.choices = session, engagement, line, choices
        self.eid = engagement.id
        self._rows: dict[tuple[str, str], _Row | None] = {}  # (kind, key) -> row, or None when looked up in vain
        self._names: dict[str, list[str]] = {}
        self._baseline: str | None = None

    def prefetch(self, kind: str, names: Iterable[Name], plurals: bool = False) -> None:
        """Look up, in one query, every key these names could match."""
        keys = {key for name in names for key in _keys(name, plurals) if (kind, key) not in self._rows}
        if not keys:
            return
        if kind == "system":
            stmt = select(System.id, System.name, System.name_key, System.category).where(
                System.engagement_id == self.eid, System.kind == "system", System.name_key.in_(keys)
            )
        else:
            stmt = select(Element.id, Element.name, Element.name_key).where(
                Element.engagement_id == self.eid, Element.kind == kind, Element.name_key.in_(keys)
            )
        found = {row.name_key: _Row(*row) for row in self.session.execute(stmt)}
        for key in keys:
            self._rows[(kind, key)] = found.get(key)

    def find(self, kind: str, name: Name, plurals: bool = False) -> _Row | None:
        self.prefetch(kind, [name], plurals)
        for key in _keys(name, plurals):
            row = self._rows.get((kind, key))
            if row is not None:
                return row
        return None

    def names(self, kind: str) -> list[str]:
        if kind not in self._names:
            self._names[kind] = list(
                self.session.scalars(
                    select(Element.name).where(Element.engagement_id == self.eid, Element.kind == kind)
                )
            )
        return self._names[kind]

    def suggestions(self, kind: str, name: Name) -> list[Suggestion]:
        query = name.text.replace("-", " ") if name.hyphens_are_spaces else name.text
        return [
            Suggestion(match.name, grammar.rewrite(self.line, name, match.name), match.score)
            for match in suggest.closest(query, self.names(kind))
        ]

    def baseline(self) -> str:
        """The name of the scenario new objects join: the one chosen (Choices.scenario_id), else the current state."""
        if self._baseline is None:
            chosen = self.choices.scenario_id
            which = Scenario.id == chosen if chosen else Scenario.is_baseline.is_(True)
            self._baseline = (
                self.session.scalar(select(Scenario.name).where(Scenario.engagement_id == self.eid, which)) or "—"
            )
        return self._baseline

    def _new(self, kind: str, name: Name, role: str) -> Item:
        item = Item(kind, role, name.text, new=True, column=name.column, name_key=name.key)
        item.suggestions = self.suggestions(kind, name)
        if item.suggestions:
            item.confirm_key = f"{kind}:{name.key}"
            item.confirmed = item.confirm_key in self.choices.confirm_new
        item.error = _too_long(kind, "name", name.text)
        return item

    def system(self, name: Name, role: str, default_category: str = suggest.DEFAULT_CATEGORY) -> Item:
        row = self.find("system", name)
        if row is not None:
            category = SYSTEM_CATEGORIES.get(row.category or "", row.category or "")
            details = [("Category", category)]
            return Item("system", role, row.name, element_id=row.id, column=name.column, details=details)
        item = self._new("system", name, role)
        chosen = self.choices.categories.get(name.key, "")
        # No "Category" detail: the preview shows a choice of category for a new system instead.
        item.category = chosen if chosen in SYSTEM_CATEGORIES else suggest.guess_category(name.text, default_category)
        return item

    def stakeholder(self, name: Name, role: str, must_be_new: bool = False) -> Item:
        row = self.find("stakeholder", name)
        if row is not None:
            item = Item("stakeholder", role, row.name, element_id=row.id, column=name.column)
            if must_be_new:
                item.error = "A stakeholder with this name already exists."
            return item
        return self._new("stakeholder", name, role)

    def existing(self, kind: str, name: Name, role: str) -> Item:
        """An entity or channel: it must be in the catalog (a trailing plural s is forgiven)."""
        row = self.find(kind, name, plurals=True)
        if row is not None:
            return Item(kind, role, row.name, element_id=row.id, column=name.column)
        item = Item(kind, role, name.text, column=name.column)
        item.suggestions = self.suggestions(kind, name)
        label = KINDS[kind].label.lower()
        words = name.text.split()
        if (
            kind == "entity"
            and len(words) > 1
            and all(self.find(kind, Name(w, 0, len(w)), plurals=True) for w in words)
        ):
            item.error = f"No {label} called “{name.text}”. Separate entities with commas: {', '.join(words)}."
        elif item.suggestions:
            item.error = f"No {label} called “{name.text}” in this engagement: pick a suggestion."
        else:
            item.error = (
                f"No {label} called “{name.text}” in this engagement; add it on the {PAGE_OF[kind]} page first."
            )
        return item


def _keys(name: Name, plurals: bool) -> list[str]:
    """Keys a name may be stored under, best first: as written, then (entities, channels) without a plural s."""
    keys = list(name.keys)
    if plurals:
        for key in name.keys:
            keys += [
                stem
                for stem in (key[:-1] if key.endswith("s") else "", key[:-2] if key.endswith("es") else "")
                if stem and stem not in keys
            ]
    return keys


def _too_long(kind: str, field_name: str, value: str) -> str | None:
    limit = KINDS[kind].field(field_name).max_len
    return f"At most {limit} characters." if len(value) > limit else None
