"""What a capture line parses into: a frozen *Line with its Names and refs, or a ParseError with its column.

FlowLine, OwnershipLine, RequirementLine, DecisionLine, StakeholderLine, ElementLine (`Line` is their union); Name and
RequirementRef keep their place in the line so the preview can point at them and `rewrite` can replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from app.capture.words import fold


@dataclass(frozen=True)
class Name:
    """A name as typed in the line, with its place (0-based, end exclusive) so it can be pointed at or replaced."""

    text: str
    start: int
    end: int
    quoted: bool = False
    hyphens_are_spaces: bool = False  # #mobile-app may mean the channel "Mobile app"

    @property
    def column(self) -> int:
        """1-based column where the name starts."""
        return self.start + 1

    @property
    def key(self) -> str:
        """Lookup key of the name as written."""
        return fold(self.text)

    @property
    def keys(self) -> tuple[str, ...]:
        """Lookup keys to try, in order."""
        keys = [self.key]
        if self.hyphens_are_spaces and not self.quoted:
            spaced = fold(self.text.replace("-", " ").replace("_", " "))
            if spaced not in keys:
                keys.append(spaced)
        return tuple(keys)


@dataclass(frozen=True)
class RequirementRef:
    """A REQ-n written in a decision line."""

    number: int
    text: str
    start: int
    end: int

    @property
    def ref(self) -> str:
        """Canonical ref, REQ-n."""
        return f"REQ-{self.number}"

    @property
    def column(self) -> int:
        """1-based column where the ref starts."""
        return self.start + 1


@dataclass(frozen=True)
class FlowLine:
    """`Source -> Target: entities …`: a data flow."""

    kind: ClassVar[str] = "flow"
    source: Name
    target: Name
    entities: tuple[Name, ...]
    two_way: bool = False
    pattern: str | None = None  # None: not said (the service uses its default and says so)
    via: Name | None = None
    frequency: str = ""
    latency_seconds: float | None = None
    worst_latency_seconds: float | None = None

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.source, self.target, *((self.via,) if self.via else ()), *self.entities)


@dataclass(frozen=True)
class OwnershipLine:
    """`System owns entity`: one ownership per entity."""

    kind: ClassVar[str] = "ownership"
    system: Name
    role: str
    entities: tuple[Name, ...]

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.system, *self.entities)


@dataclass(frozen=True)
class RequirementLine:
    """`REQ must data: Title @Source #channel AC: criterion; criterion`: a requirement."""

    kind: ClassVar[str] = "requirement"
    title: str
    title_column: int
    priority: str = "should"
    priority_given: bool = False
    source: Name | None = None
    channels: tuple[Name, ...] = ()
    type: str = "functional"
    type_given: bool = False
    acceptance: tuple[str, ...] = ()  # one criterion (or line of prose) each

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (*((self.source,) if self.source else ()), *self.channels)


@dataclass(frozen=True)
class DecisionLine:
    """`ADR [status]: Title -> REQ-3, REQ-5`: a decision (proposed unless a status is given) addressing
    requirements."""

    kind: ClassVar[str] = "decision"
    title: str
    title_column: int
    requirements: tuple[RequirementRef, ...] = ()
    status: str = "proposed"
    status_given: bool = False

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line (refs are not names)."""
        return ()


@dataclass(frozen=True)
class StakeholderLine:
    """`@Name, role, team`: a stakeholder."""

    kind: ClassVar[str] = "stakeholder"
    name: Name
    role: str = ""
    team: str = ""

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.name,)


@dataclass(frozen=True)
class ParseError:
    """Why a line does not parse, and where: `column` is 1-based, `length` the characters to underline."""

    message: str
    column: int
    length: int = 1




@dataclass(frozen=True)
class ElementLine:
    """`System: Zendesk (CRM)`, `Channel: Showroom`, `Entity: Delivery slot`, or a bare name (a system): one or more
    new catalog elements of one kind; `category` is the category as typed for a system (the service reads it)."""

    kind: str  # "system", "channel" or "entity"
    elements: tuple[Name, ...]
    category: Name | None = None
    bare: bool = False  # just a name, no `System:` head

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return self.elements


Line = FlowLine | OwnershipLine | RequirementLine | DecisionLine | StakeholderLine | ElementLine
