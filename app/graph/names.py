"""Loose name matching for criteria and the command line: "app" finds "Mobile app", "store" finds "Stores"."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from app.graph.snapshot import ScenarioSnapshot

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class NameMatch:
    """The outcome of looking a name up: the key found, or why none was (unknown or ambiguous)."""

    query: str
    key: Hashable | None
    candidates: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when exactly one option matched."""
        return self.key is not None

    def message(self, what: str) -> str:
        """A sentence a person can act on, e.g. `no channel matches 'webb'`."""
        if self.ok:
            return ""
        if self.candidates:
            return f"{what} {self.query!r} is ambiguous: {', '.join(self.candidates)}"
        return f"no {what} matches {self.query!r}"


def words(name: str) -> tuple[str, ...]:
    """Case-folded words of a name, punctuation dropped."""
    return tuple(_WORD.findall(name.casefold()))


def _fold(word: str) -> str:
    # Plural-insensitive: "Stores" and "store", "Marketplaces" and "marketplace".
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def match_name(query: str, options: Iterable[tuple[Hashable, str]], *, closest: bool = True) -> NameMatch:
    """Find the option a loosely typed name means.

    Tiers, first hit wins: the same words; the same words ignoring plurals; every typed word starts a
    different word of the name, where the name with the fewest extra words wins (with `closest`; without,
    any second partial match is ambiguous) and a tie is ambiguous. Several names of one key (a category's
    code and its label) count as one option.
    """
    wanted = words(query)
    if not wanted:
        return NameMatch(query, None)
    folded = tuple(_fold(w) for w in wanted)
    exact: dict[Hashable, str] = {}
    plural: dict[Hashable, str] = {}
    partial: dict[Hashable, tuple[int, str]] = {}
    for key, name in options:
        have = words(name)
        if have == wanted:
            exact.setdefault(key, name)
            continue
        have_folded = tuple(_fold(w) for w in have)
        if have_folded == folded:
            plural.setdefault(key, name)
        elif _covers(folded, have_folded):
            extra = len(have) - len(wanted)
            if key not in partial or extra < partial[key][0]:
                partial[key] = (extra, name)
    for tier in (exact, plural):
        if len(tier) == 1:
            return NameMatch(query, next(iter(tier)))
        if len(tier) > 1:
            return NameMatch(query, None, tuple(sorted(tier.values())))
    if not partial:
        return NameMatch(query, None)
    fewest = min(extra for extra, _ in partial.values())
    best = {key: name for key, (extra, name) in partial.items() if extra == fewest or not closest}
    if len(best) == 1:
        return NameMatch(query, next(iter(best)))
    return NameMatch(query, None, tuple(sorted(best.values())))


def _covers(wanted: tuple[str, ...], have: tuple[str, ...]) -> bool:
    # Each typed word must start a distinct word of the name; names are short, so greedy is enough.
    free = list(have)
    for w in wanted:
        hit = next((i for i, h in enumerate(free) if h.startswith(w)), None)
        if hit is None:
            return False
        free.pop(hit)
    return True


def entity_named(snapshot: ScenarioSnapshot, name: str) -> int | None:
    """The id of the entity a name means (loosely), or None."""
    return match_name(name, ((e.id, e.name) for e in snapshot.entities)).key


def channel_named(snapshot: ScenarioSnapshot, name: str) -> int | None:
    """The id of the channel a name means (loosely), or None."""
    return match_name(name, ((c.id, c.name) for c in snapshot.channels)).key
