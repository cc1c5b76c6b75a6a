"""Plain records of an engagement's requirements, decisions and trace links: the input of the ReqIF and MADR
writers (`exports.reqif`, `exports.madr`). Built from the database by `app.services.interchange.documents`; tests build
them by hand. No Flask, no ORM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from app.graph.decision_status import EffectiveStatus, effective_statuses

# XML 1.0 cannot carry these at all (lxml refuses them); tabs and line breaks stay.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: object) -> str:
    """User text with the characters no XML or YAML file can carry removed and line ends made `\\n`."""
    value = "" if text is None else str(text)
    return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class SignOffRecord:
    """One reviewer's current verdict on a decision (their newest sign-off); stale once the decision changed."""

    author: str
    verdict: str  # approved | rejected
    signed_on: date
    version: int
    stale: bool = False
    note: str = ""


@dataclass(frozen=True)
class RequirementRecord:
    """One requirement (`REQ-n`) with the names of what it refers to already resolved."""

    id: int
    ref: str
    title: str
    text: str = ""
    type: str = "functional"
    priority: str = "should"
    status: str = "draft"
    channel_ids: tuple[int, ...] = ()
    source: str = ""  # the stakeholder who asked for it (name), or ""
    acceptance: str = ""
    tags: tuple[str, ...] = ()
    version: int = 1
    updated_at: datetime | None = None
    satisfied_by: tuple[str, ...] = ()  # names of the systems and flows that satisfy it


@dataclass(frozen=True)
class DecisionRecord:
    """One architecture decision (`ADR-n`) with participants by name and links by id. `status` is the stored one;
    the writers show `DocumentSnapshot.effective_status`."""

    id: int
    number: int
    ref: str
    title: str
    status: str = "proposed"
    context: str = ""
    options: str = ""
    outcome: str = ""
    consequences: str = ""
    decided_on: date | None = None
    supersedes_id: int | None = None
    deciders: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    scenario: str = ""
    version: int = 1
    updated_at: datetime | None = None
    affects: tuple[str, ...] = ()  # names of the systems and flows it affects
    signoffs: tuple[SignOffRecord, ...] = ()  # each reviewer's current verdict, oldest first


@dataclass(frozen=True)
class LinkRecord:
    """A trace link between two exported objects (`refines`: requirement → requirement, `addresses`:
    requirement → decision)."""

    id: int
    kind: str
    source_id: int
    target_id: int
    suspect: bool = False


@dataclass(frozen=True)
class DocumentSnapshot:
    """What the ReqIF and MADR writers need of one engagement, ordered by number."""

    engagement_id: int
    engagement_name: str
    client: str
    exported_at: datetime
    channels: Mapping[int, str] = field(default_factory=dict)
    requirement_types: Mapping[str, str] = field(default_factory=dict)
    priorities: Mapping[str, str] = field(default_factory=dict)
    requirement_statuses: Mapping[str, str] = field(default_factory=dict)
    decision_statuses: Mapping[str, str] = field(default_factory=dict)
    requirements: tuple[RequirementRecord, ...] = ()
    decisions: tuple[DecisionRecord, ...] = ()
    links: tuple[LinkRecord, ...] = ()

    @cached_property
    def requirement_by_id(self) -> dict[int, RequirementRecord]:
        """Requirements by element id."""
        return {r.id: r for r in self.requirements}

    @cached_property
    def decision_by_id(self) -> dict[int, DecisionRecord]:
        """Decisions by element id."""
        return {d.id: d for d in self.decisions}

    def addressed_by(self, decision_id: int) -> list[RequirementRecord]:
        """The requirements a decision addresses (an `addresses` link from each), in ref order."""
        found = [self.requirement_by_id[link.source_id] for link in self.links
                 if link.kind == "addresses" and link.target_id == decision_id
                 and link.source_id in self.requirement_by_id]
        return sorted(found, key=lambda r: (_number(r.ref), r.id))

    def superseded_by(self, decision_id: int) -> list[DecisionRecord]:
        """The decisions that supersede this one."""
        return [d for d in self.decisions if d.supersedes_id == decision_id]

    @cached_property
    def effective_status(self) -> dict[int, EffectiveStatus]:
        """Each decision's effective status by id: what the files say (the stored `status` is the user's)."""
        return effective_statuses(self.decisions)


def _number(ref: str) -> int:
    digits = re.sub(r"\D", "", ref)
    return int(digits) if digits else 0
