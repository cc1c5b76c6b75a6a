"""What a capture preview is made of: the consultant's Choices, Suggestions, the Items a line names, the Preview."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.capture import grammar
from app.capture.grammar import ParseError
from app.services.catalog.fields import KINDS
from models import Element, Engagement


@dataclass(frozen=True)
class Choices:
    """What the consultant decided in the preview: names confirmed as new despite look-alikes in the catalog
    (keys like "system:shopfy plus"), and categories for new systems (name key -> category code); and the
    scenario new systems, flows and ownerships join (the scenario in view; None: the current state)."""

    confirm_new: frozenset[str] = frozenset()
    categories: Mapping[str, str] = field(default_factory=dict)
    scenario_id: int | None = None


@dataclass
class Suggestion:
    """A catalog name close to an unknown one, with the line rewritten to use it."""

    name: str
    line: str
    score: float


@dataclass
class Item:
    """One thing the line refers to or creates."""

    kind: str  # element kind, or "link"
    role: str  # what it is in the line: "source system", "entity", "data flow"…
    label: str
    new: bool = False
    element_id: int | None = None  # existing element (or, for a link, the requirement it starts from)
    column: int | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    confirm_key: str | None = None  # set when the name is new but close to catalog names
    confirmed: bool = False
    category: str | None = None  # new systems: the category they will get
    name_key: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        """New, look-alikes exist, and the consultant has not confirmed it as new yet."""
        return self.confirm_key is not None and not self.confirmed

    @property
    def kind_label(self) -> str:
        """Human name of the kind."""
        return KINDS[self.kind].label if self.kind in KINDS else "Trace link"

    @property
    def element_kind(self) -> str | None:
        """Kind of the element `element_id` points at (links point at their requirement)."""
        if self.element_id is None:
            return None
        return "requirement" if self.kind == "link" else self.kind


Builder = Callable[[Session, Engagement, "int | None"], list[Element]]


@dataclass
class Preview:
    """What a line would do: the parse error, or the items it refers to and creates."""

    line: str
    parsed: grammar.Line | None = None
    error: ParseError | None = None
    items: list[Item] = field(default_factory=list)
    build: Builder | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        """Nothing typed."""
        return not self.line.strip()

    @property
    def kind(self) -> str | None:
        """Kind of line: flow, ownership, requirement, decision, stakeholder."""
        return self.parsed.kind if self.parsed is not None else None

    @property
    def has_errors(self) -> bool:
        """The line cannot be applied as written."""
        return self.error is not None or any(item.error for item in self.items)

    @property
    def pending(self) -> list[Item]:
        """New names that look like catalog names and are not confirmed yet."""
        return [item for item in self.items if item.needs_confirmation and not item.error]

    @property
    def ready(self) -> bool:
        """Confirming would create what the preview shows."""
        return not self.empty and not self.has_errors and bool(self.items) and not self.pending

    @property
    def problems(self) -> list[str]:
        """Everything standing between the line and `ready`, as sentences."""
        if self.empty:
            return ["Type a line to capture."]
        if self.error is not None:
            return [f"Column {self.error.column}: {self.error.message}"]
        messages = [
            (f"Column {item.column}: " if item.column else "") + f"{item.label}: {item.error}"
            for item in self.items
            if item.error
        ]
        messages += [
            f"“{item.label}” would be a new {item.kind_label.lower()} but looks like "
            + " or ".join(f"“{s.name}”" for s in item.suggestions)
            + ": pick a suggestion or confirm it as new."
            for item in self.pending
        ]
        return messages

    @property
    def creates(self) -> str:
        """Summary of what would be created, e.g. "2 systems, 1 data flow"."""
        counts: dict[str, int] = {}
        for item in self.items:
            if item.new and not item.error:
                counts[item.kind] = counts.get(item.kind, 0) + 1
        parts = []
        for kind, count in counts.items():
            spec = KINDS.get(kind)
            singular, plural = (spec.label, spec.plural) if spec else ("trace link", "trace links")
            parts.append(f"{count} {(singular if count == 1 else plural).lower()}")
        return ", ".join(parts)
