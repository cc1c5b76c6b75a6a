"""A small DOT writer whose every string is quoted and escaped, so user text can only ever be text.

Graphviz reads a label as markup in two ways, both closed here: `<…>` unquoted is an HTML-like label (we
always quote), and inside a quoted label `\\N`, `\\G`, `\\l`, `\\n`, … are escape sequences (we double each
backslash the user typed, so `\\G` stays the two characters). `&` is written as `&amp;`: Graphviz passes
entity-like text (`&lt;`, `&#0;`) through to SVG, where a user's `&#0;` would make the file invalid XML.
Control characters are dropped (XML cannot carry them). A line break is only ever our own `\\n`. Node labels
are wrapped (`lines(…, width=…)`) before they are escaped, so a long name makes a taller box, never a wider one.

The `graphviz` package is not used to write DOT: its `quote()` passes `<…>` through as an HTML-like label
and leaves backslash sequences live, which is exactly what user text must not do.
"""

from __future__ import annotations

import re

from exports.text import wrap

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Attribute names and node ids are ours (built from constants and integer ids); this guards the rule.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Escaped(str):
    """Text already escaped for a DOT quoted string (our own `\\n` line breaks included)."""


def escape(text: object) -> Escaped:
    """User text as the inside of a DOT quoted string: inert, displayed exactly as typed (newlines kept)."""
    value = _CONTROL.sub("", str(text))
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return Escaped(_NEWLINES.sub("\\\\n", value))


def lines(*parts: object, width: int | None = None) -> Escaped:
    """Several lines of user text as one label (empty parts left out); with `width`, each part is wrapped to
    lines of at most that many columns (a node label), after which each line is escaped."""
    kept = [str(p) for p in parts if p not in (None, "")]
    if width is not None:
        kept = [row for part in kept for line in _NEWLINES.split(part) for row in (wrap(line, width) or [""])]
    return Escaped("\\n".join(escape(p) for p in kept))


def quoted(value: object) -> str:
    """A DOT quoted string; plain values are escaped, `Escaped` ones used as they are."""
    inner = value if isinstance(value, Escaped) else escape(value)
    return f'"{inner}"'


def attributes(attrs: dict[str, object]) -> str:
    """`[name="value", …]` with names sorted (stable output); None values are left out."""
    parts = []
    for name in sorted(attrs):
        value = attrs[name]
        if value is None:
            continue
        parts.append(f"{_checked(name)}={quoted(value)}")
    return f" [{', '.join(parts)}]" if parts else ""


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"bad DOT name {name!r}")
    return name


def node_id(prefix: str, element_id: int) -> str:
    """A node id built from a constant prefix and an integer id (never from user text)."""
    return f"{_checked(prefix)}{int(element_id)}"


class Dot:
    """Collects statements in call order; callers iterate sorted ids, so the output is deterministic."""

    def __init__(self, name: str, graph: dict[str, object] | None = None, node: dict[str, object] | None = None,
                 edge: dict[str, object] | None = None):
        self._lines = [f"digraph {_checked(name)} {{"]
        for keyword, attrs in (("graph", graph), ("node", node), ("edge", edge)):
            if attrs:
                self._lines.append(f"  {keyword}{attributes(attrs)};")
        self._depth = 1

    def node(self, ident: str, /, **attrs: object) -> None:
        """A node statement."""
        self._line(f"{self._id(ident)}{attributes(attrs)};")

    def edge(self, source: str, target: str, /, **attrs: object) -> None:
        """An edge statement."""
        self._line(f"{self._id(source)} -> {self._id(target)}{attributes(attrs)};")

    def open_cluster(self, ident: str, /, **attrs: object) -> None:
        """Start a `cluster_…` subgraph; close it with `close()`."""
        self._line(f"subgraph cluster_{self._id(ident)} {{")
        self._depth += 1
        for name in sorted(attrs):
            if attrs[name] is not None:
                self._line(f"{_checked(name)}={quoted(attrs[name])};")

    def open_group(self) -> None:
        """Start an anonymous subgraph (for `rank=same` and the like)."""
        self._line("{")
        self._depth += 1

    def close(self) -> None:
        """End the innermost subgraph."""
        self._depth -= 1
        self._line("}")

    def source(self) -> str:
        """The DOT text."""
        if self._depth != 1:
            raise ValueError("unclosed subgraph")
        return "\n".join([*self._lines, "}", ""])

    def _line(self, text: str) -> None:
        self._lines.append("  " * self._depth + text)

    @staticmethod
    def _id(ident: str) -> str:
        return _checked(ident)
