"""Lines that add catalog elements by name: `System: Zendesk (CRM)`, `Channel: Showroom`, `Entity: Delivery slot`,
`Stakeholder: Dana Ruiz, role, team`, and a bare name (`Salesforce Service Cloud`), which is a new system.

Several names of one kind may follow the head, separated by commas (`Entity: Delivery slot, Return label`).
A system's category goes in brackets at the end; the grammar keeps it as typed and the service reads it.
"""

from __future__ import annotations

import re

from app.capture.marked_lines import _stakeholder
from app.capture.results import ElementLine, Name, StakeholderLine
from app.capture.tokens import _fail, _name, _Tok, _tokenize

# Head words (before the colon) -> element kind.
ELEMENT_HEADS = {
    "system": "system",
    "systems": "system",
    "app": "system",
    "application": "system",
    "channel": "channel",
    "channels": "channel",
    "entity": "entity",
    "entities": "entity",
    "data entity": "entity",
    "data entities": "entity",
    "stakeholder": "stakeholder",
    "stakeholders": "stakeholder",
}
_HEAD = re.compile(
    r"\s*(?P<head>" + "|".join(sorted((re.escape(h) for h in ELEMENT_HEADS), key=len, reverse=True)) + r")[ \t]*:",
    re.IGNORECASE,
)
_CATEGORY = re.compile(r"\((?P<text>[^()]*)\)\s*$")


def element_head(line: str) -> re.Match | None:
    """The `System:` / `Channel:` / `Entity:` / `Stakeholder:` head a line starts with, if any."""
    return _HEAD.match(line)


def _element(line: str, head: re.Match) -> ElementLine | StakeholderLine:
    kind = ELEMENT_HEADS[" ".join(head.group("head").casefold().split())]
    if kind == "stakeholder":
        return _stakeholder(line, head.end() - 1)  # reads from just after the colon, as after an @
    body, category = _split_category(line, head.end(), kind)
    tokens = [t for t in _tokenize(body) if t.start >= head.end()]
    names = _names(tokens, kind, head.end())
    return ElementLine(kind=kind, elements=tuple(names), category=category)


def _bare(line: str, tokens: list[_Tok]) -> ElementLine | None:
    """A line of words only (and an optional `(Category)`) is a new system's name; None when it is not one."""
    body, category = _split_category(line, 0, "system")
    tokens = _tokenize(body)
    if not tokens or any(t.kind not in ("word", "quoted") for t in tokens):
        return None
    name = _name(tokens, "the system’s name", 0)
    return ElementLine(kind="system", elements=(name,), category=category, bare=True)


def _split_category(line: str, start: int, kind: str) -> tuple[str, Name | None]:
    """The line with a trailing `(Category)` blanked out (columns stay put), and that category's Name."""
    match = _CATEGORY.search(line, start)
    if match is None:
        return line, None
    if kind != "system":
        _fail("Only a system takes a (category); write the name alone.", match.start(), match.end() - match.start())
    text = " ".join(match.group("text").split())
    if not text:
        _fail("Write the category between the brackets, e.g. “(CRM)”.", match.start(), match.end() - match.start())
    inner = match.start("text")
    category = Name(text, inner, match.end("text"))
    return line[: match.start()] + " " * (len(line) - match.start()), category


def _names(tokens: list[_Tok], kind: str, at: int) -> list[Name]:
    names: list[Name] = []
    group: list[_Tok] = []
    for t in [*tokens, None]:
        if t is not None and t.kind != "comma":
            group.append(t)
            continue
        where = t.start if t is not None else (tokens[-1].end if tokens else at)
        if not group:
            _fail(f"Write the {kind}’s name after the colon." if not names else "Expected a name after “,”.", where)
        name = _name(group, f"the {kind}’s name", group[0].start)
        if all(n.key != name.key for n in names):
            names.append(name)
        group = []
    return names
