"""The lines a marker opens — requirement `REQ must data: … AC: …`, decision `ADR accepted: …`, stakeholder
`@Name, role, team`.

They are read character by character (titles are free text), not tokenised like flows and ownerships.
"""

from __future__ import annotations

import re

from app.capture.results import DecisionLine, Name, RequirementLine, RequirementRef, StakeholderLine
from app.capture.tokens import _fail, _quoted
from app.capture.words import DECISION_STATUS_WORDS, PRIORITY_WORDS, TYPE_WORDS


def _is_marker(line: str, i: int, body_start: int) -> bool:
    return (
        line[i] in "@#"
        and (i == body_start or line[i - 1].isspace())
        and i + 1 < len(line)
        and not line[i + 1].isspace()
    )


def _head_words(head: re.Match) -> list[tuple[str, int]]:
    """The words between REQ/ADR and the colon, with their 0-based start."""
    base = head.start("words")
    return [(m.group(), base + m.start()) for m in re.finditer(r"[^\s]+", head.group("words") or "")]


def _requirement(line: str, head: re.Match) -> RequirementLine:
    priority, kind, raw_priority, raw_type = "should", "functional", "", ""
    for word, start in _head_words(head):
        key = word.casefold().replace("’", "'")
        if key in PRIORITY_WORDS and not raw_priority:
            priority, raw_priority = PRIORITY_WORDS[key], word
        elif key in TYPE_WORDS and not raw_type:
            kind, raw_type = TYPE_WORDS[key], word
        elif key in PRIORITY_WORDS or key in TYPE_WORDS:
            _fail(f"“{word}”: one priority and one type at most.", start, len(word))
        else:
            _fail(
                f"Unknown priority “{word}”: use must, should, could or won’t (and, if you like, a type: "
                "business, functional, non-functional, data or integration).",
                start,
                len(word),
            )
    body = head.end()
    ac = _AC.search(line, body)
    acceptance = _criteria(line, ac) if ac else ()
    n = ac.start() if ac else len(line)
    markers = [i for i in range(body, n) if _is_marker(line, i, body)]
    title_end = markers[0] if markers else n
    title = " ".join(line[body:title_end].split())
    title_start = body + (len(line[body:title_end]) - len(line[body:title_end].lstrip()))
    if not title:
        _fail("Write the requirement’s title after the colon (then @source and #channels).", title_start)

    source: Name | None = None
    channels: list[Name] = []
    i = title_end
    while i < n:
        ch = line[i]
        if ch.isspace() or ch in ",;":
            i += 1
        elif ch == "@" and i + 1 < n and not line[i + 1].isspace():
            if source is not None:
                _fail("Only one @source stakeholder per requirement.", i)
            if line[i + 1] in '"“':
                value, end = _quoted(line, i + 1)
                source = Name(value, i + 1, end, quoted=True)
                i = end
            else:
                end = next((j for j in range(i + 1, n) if _is_marker(line, j, body)), n)
                raw = line[i + 1 : end].rstrip().rstrip(",;").rstrip()
                source = Name(" ".join(raw.split()), i + 1, i + 1 + len(raw))
                i = end
        elif ch == "#" and i + 1 < n and not line[i + 1].isspace():
            if line[i + 1] in '"“':
                value, end = _quoted(line, i + 1)
                channels.append(Name(value, i + 1, end, quoted=True))
            else:
                end = i + 1
                while end < n and not line[end].isspace() and line[end] not in ",;#@":
                    end += 1
                if end == i + 1:
                    _fail("Write a channel name after #.", i)
                channels.append(Name(line[i + 1 : end], i + 1, end, hyphens_are_spaces=True))
            i = end
        else:
            end = i
            while end < n and not line[end].isspace():
                end += 1
            _fail(
                f"Unexpected “{line[i:end]}” after the @source/#channels: write the title first, and a multi-word "
                'channel as #mobile-app or #"mobile app".',
                i,
                end - i,
            )
    unique: list[Name] = []
    for channel in channels:
        if all(c.keys[-1] != channel.keys[-1] for c in unique):
            unique.append(channel)
    return RequirementLine(
        title=title,
        title_column=title_start + 1,
        priority=priority,
        priority_given=bool(raw_priority),
        source=source,
        channels=tuple(unique),
        type=kind,
        type_given=bool(raw_type),
        acceptance=acceptance,
    )


# `AC:` (or `acceptance:`) after a space opens the acceptance criteria, one per `;`, to the end of the line.
_AC = re.compile(r"(?<=\s)(?:AC|acceptance)[ \t]*:", re.IGNORECASE)


def _criteria(line: str, ac: re.Match) -> tuple[str, ...]:
    criteria = tuple(c for c in (" ".join(part.split()) for part in line[ac.end():].split(";")) if c)
    if not criteria:
        _fail("Write the acceptance criteria after “AC:”, separated by “;”.", ac.end())
    return criteria


_REF = re.compile(r"REQ-?(\d+)", re.IGNORECASE)


def _decision(line: str, head: re.Match) -> DecisionLine:
    status, given = "proposed", False
    for word, start in _head_words(head):
        status = DECISION_STATUS_WORDS.get(word.casefold(), "")
        given = True
        if not status:
            _fail(
                f"Unknown status “{word}”: use proposed, accepted, rejected or deprecated "
                "(a superseding decision is set on its page).",
                start,
                len(word),
            )
    body = head.end()
    arrow = max(line.rfind("->", body), line.rfind("→", body))
    title_end = arrow if arrow >= 0 else len(line)
    raw_title = line[body:title_end]
    title = " ".join(raw_title.split())
    title_start = body + (len(raw_title) - len(raw_title.lstrip()))
    if not title:
        _fail("Write the decision’s title after “ADR:”.", title_start)
    refs: list[RequirementRef] = []
    if arrow >= 0:
        refs_start = arrow + (2 if line.startswith("->", arrow) else 1)
        for match in re.finditer(r"[^\s,]+", line[refs_start:]):
            text, start = match.group(), refs_start + match.start()
            ref = _REF.fullmatch(text)
            if ref is None:
                _fail(
                    f"After “->” list requirement refs like REQ-3, REQ-5; “{text}” is not one "
                    "(a title cannot end with “-> …”; write “to”).",
                    start,
                    len(text),
                )
            number = int(ref.group(1))
            if all(r.number != number for r in refs):
                refs.append(RequirementRef(number, text, start, start + len(text)))
        if not refs:
            _fail("List requirement refs after “->”, e.g. REQ-3, REQ-5.", arrow, refs_start - arrow)
    return DecisionLine(
        title=title, title_column=title_start + 1, requirements=tuple(refs), status=status, status_given=given
    )


def _stakeholder(line: str, at: int) -> StakeholderLine:
    parts: list[tuple[str, int, int, bool]] = []  # text, start, end, quoted
    i, n = at + 1, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i < n and line[i] in '"“':
            value, end = _quoted(line, i)
            parts.append((value, i, end, True))
            i = end
            while i < n and line[i].isspace():
                i += 1
            if i < n and line[i] != ",":
                _fail("Put a comma after the quoted part.", i)
        else:
            end = line.find(",", i)
            end = n if end < 0 else end
            raw = line[i:end].rstrip()
            parts.append((" ".join(raw.split()), i, i + len(raw), False))
            i = end
        if i >= n:
            break
        if len(parts) == 3:
            _fail("Too many commas: write @Name, role, team (quote a part that contains a comma).", i)
        i += 1  # the comma
    text, start, end, quoted = parts[0]
    if not text:
        _fail("Write the stakeholder’s name after @.", at + 1)
    role = parts[1][0] if len(parts) > 1 else ""
    team = parts[2][0] if len(parts) > 2 else ""
    return StakeholderLine(name=Name(text, start, end, quoted=quoted), role=role, team=team)
