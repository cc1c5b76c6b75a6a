"""List cells and flow references with their separators escaped, and read back honouring the escapes.

A list cell holds items separated by `;`. An item that itself holds a `;` (or a backslash) is written with a
backslash before it: `Acme\\; Retail` is the one name `Acme; Retail`, and `C:\\\\tmp` is `C:\\tmp`. A flow
reference (`Source -> Target [Entity, Entity | Pattern | via System]`) escapes the same way the characters
that structure it: `,`, `|`, `[`, `]` and the `>` of an arrow. Reading removes a backslash only before one
of these characters, so a client's `C:\\temp` (a backslash before an ordinary letter) is read as typed.
We chose the backslash over quoting because a quoted item inside a CSV cell that is itself quoted is hard to
type and to read, and because a backslash before `;` is what people already write in such sheets.
"""

from __future__ import annotations

from collections.abc import Iterable

LIST_SEPARATOR = ";"
ESCAPE = "\\"
# Characters a backslash escapes (everything the list and flow-reference syntax uses).
ESCAPABLE = frozenset("\\;,|[]>→")
_ARROWS = ("->", "→")


def escape(text: str, specials: str = "\\;") -> str:
    """`text` with a backslash before each of `specials` (the backslash itself always included)."""
    chars = set(specials) | {ESCAPE}
    return "".join(ESCAPE + ch if ch in chars else ch for ch in text)


def unescape(text: str) -> str:
    """`text` with each backslash before an escapable character removed (other backslashes kept)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == ESCAPE and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_escaped(text: str, separator: str) -> list[str]:
    """`text` cut at each unescaped `separator`; the pieces keep their escapes."""
    pieces, current, i = [], [], 0
    while i < len(text):
        if text[i] == ESCAPE and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            current.append(text[i : i + 2])
            i += 2
            continue
        if text.startswith(separator, i):
            pieces.append("".join(current))
            current = []
            i += len(separator)
            continue
        current.append(text[i])
        i += 1
    pieces.append("".join(current))
    return pieces


def join_list(items: Iterable[str]) -> str:
    """Items as one list cell: `a; b\\; c` (blank items left out)."""
    return "; ".join(escape(i) for i in items if i)


def split_list(text: str) -> list[str]:
    """A list cell -> its items, unescaped and stripped, blanks and repeats left out (order kept)."""
    items = (unescape(piece).strip() for piece in split_escaped(text, LIST_SEPARATOR))
    return list(dict.fromkeys(i for i in items if i))


def split_list_raw(text: str) -> list[str]:
    """A list cell -> its items with their escapes kept (for items that have a structure of their own)."""
    items = (piece.strip() for piece in split_escaped(text, LIST_SEPARATOR))
    return list(dict.fromkeys(i for i in items if i))


# --- flow references ------------------------------------------------------------------------------

_REF_SPECIALS = "\\;,|[]>→"


def flow_ref_text(source: str, target: str, detail: tuple[list[str], str, str | None] | None = None) -> str:
    """`Source -> Target`, or with `[Entity, Entity | Pattern | via System]` (or `direct`) when `detail`
    (entity names, pattern label, via name or None) is given; every name escaped."""
    text = f"{escape(source, _REF_SPECIALS)} -> {escape(target, _REF_SPECIALS)}"
    if detail is None:
        return text
    entities, pattern, via = detail
    names = ", ".join(escape(e, _REF_SPECIALS) for e in entities)
    via_text = f"via {escape(via, _REF_SPECIALS)}" if via is not None else "direct"
    return f"{text} [{names} | {escape(pattern, _REF_SPECIALS)} | {via_text}]"


def parse_flow_ref(item: str) -> tuple[str, str, list[str] | None] | None:
    """An item (escapes kept) -> (source, target, detail parts with escapes kept, or None); None when it holds
    no unescaped arrow (then it names a system)."""
    for arrow in _ARROWS:
        parts = split_escaped(item, arrow)
        if len(parts) == 2:
            break
    else:
        return None
    source, rest = parts[0].strip(), parts[1].strip()
    detail = None
    opened = split_escaped(rest, "[")
    if len(opened) == 2:
        closed = split_escaped(opened[1], "]")
        if len(closed) == 2 and not closed[1].strip():
            rest, detail = opened[0].strip(), closed[0]
    if not source or not rest:
        return None
    return unescape(source), unescape(rest), None if detail is None else split_escaped(detail, "|")


def split_entities(part: str) -> list[str]:
    """The entities part of a flow reference (escapes kept) -> entity names."""
    names = (unescape(p).strip() for p in split_escaped(part, ","))
    return list(dict.fromkeys(n for n in names if n))
