"""Labels read tolerantly: a client's spelling of a choice, a sheet name or a column header matched to ours.

A label is compared by its loose key: case, spaces and punctuation left out (`event/stream`, `Event / Stream`
and `EVENT-STREAM` are all `eventstream`). A reading is, in this order:
1. exact: the text is a code or a label as written (nothing to report);
2. loose: its loose key is the loose key of exactly one code, label or synonym;
3. a beginning: at least three characters that begin exactly one label or synonym (`Batch` for
   `Batch file`, `Authoritative` for `Authoritative copy`).
Text that loosely matches several values is ambiguous (an error for the caller to report, with the values);
text matching nothing is unknown (None).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_MIN_BEGINNING = 3


def loose_key(text: str) -> str:
    """Text as loosely compared: NFKC, case-folded, `&` as `and`, letters and digits only."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold().replace("&", "and")
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True)
class Reading:
    """How a text was read: the value it names (None when none or several), exact or not, and the values
    an ambiguous text could name."""

    value: str | None
    exact: bool = False
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when the text loosely names several values."""
        return len(self.candidates) > 1


class Vocabulary:
    """A set of values (code -> label) with synonyms, read tolerantly."""

    def __init__(
        self,
        choices: Mapping[str, str],
        synonyms: Mapping[str, Iterable[str]] | None = None,
        *,
        beginnings: bool = True,
    ) -> None:
        self.choices = dict(choices)
        self.beginnings = beginnings
        self._spellings: dict[str, set[str]] = {}  # loose key -> codes
        for code, label in self.choices.items():
            for spelling in (code, label, *(synonyms or {}).get(code, ())):
                self._spellings.setdefault(loose_key(spelling), set()).add(code)
        self._spellings.pop("", None)

    def read(self, text: str) -> Reading:
        """The value `text` names (see the module docstring)."""
        stripped = str(text).strip()
        if stripped in self.choices:
            return Reading(stripped, exact=True)
        exact = [code for code, label in self.choices.items() if label == stripped]
        if exact:
            return Reading(exact[0], exact=True)
        key = loose_key(stripped)
        if not key:
            return Reading(None)
        found = self._spellings.get(key, set())
        if not found and self.beginnings and len(key) >= _MIN_BEGINNING:
            found = {code for spelling, codes in self._spellings.items() if spelling.startswith(key) for code in codes}
        if len(found) == 1:
            return Reading(next(iter(found)))
        ordered = tuple(code for code in self.choices if code in found)
        return Reading(None, candidates=ordered)

    def label(self, code: str) -> str:
        """The label of `code`."""
        return self.choices[code]
