"""A decision's effective status: superseded once a decision that took effect supersedes it, whatever was stored.

The one rule every page and export applies (`effective_status`; `effective_statuses` applies it to all the
decisions of an engagement at once). The stored status is never rewritten: bundles, workbooks and ArchiMate
files keep what the user recorded, so their round trips stay exact.

A superseding decision replaces the one it names once it took effect: when it is accepted, or when it is itself
superseded (it was in force before being replaced in turn, so the chain ADR-1 ← ADR-3 ← ADR-7 keeps ADR-1
superseded after ADR-3 is recorded as superseded). A proposed, rejected or deprecated one replaces nothing: the
decision it names keeps its own status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

SUPERSEDED = "superseded"
TOOK_EFFECT = frozenset({"accepted", SUPERSEDED})


@dataclass(frozen=True)
class EffectiveStatus:
    """The status a decision shows and exports, the one it has stored, and the ADR that supersedes it."""

    status: str
    stored: str
    by: str | None = None  # ref of the decision that superseded it (only when one took effect)

    @property
    def derived(self) -> bool:
        """True when what is shown differs from what is stored."""
        return self.status != self.stored

    def text(self, labels: Mapping[str, str] | None = None) -> str:
        """`superseded by ADR-3` (MADR's wording), or `Superseded by ADR-3` with the vocabulary's labels."""
        name = labels.get(self.status, self.status) if labels is not None else self.status
        return f"{name} by {self.by}" if self.by else name


class SupersedingDecision(Protocol):
    """What the rule reads of a decision: an ORM `Decision`, a query row or an export record all have it."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def ref(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def supersedes_id(self) -> int | None: ...


def effective_status(stored: str, superseders: Sequence[tuple[str, str]]) -> EffectiveStatus:
    """The status a decision shows: superseded by the first of `superseders` ((ref, stored status) of each
    decision superseding it, in ADR order) that took effect, else its stored status."""
    for ref, status in superseders:
        if status in TOOK_EFFECT:
            return EffectiveStatus(SUPERSEDED, stored, ref)
    return EffectiveStatus(stored, stored)


def effective_statuses(decisions: Iterable[SupersedingDecision]) -> dict[int, EffectiveStatus]:
    """Each decision's effective status by id; pass every decision of the engagement, so no superseder is missed."""
    everything = sorted(decisions, key=lambda d: (d.number, d.id))
    superseders: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for d in everything:
        if d.supersedes_id is not None:
            superseders[d.supersedes_id].append((d.ref or f"ADR-{d.number}", d.status))
    return {d.id: effective_status(d.status, superseders.get(d.id, ())) for d in everything}
