"""The characters of a rendered report that no installed font can draw, and where they are.

WeasyPrint silently leaves out a character no font has; the report instead lists them on its appendix page
("Characters that could not be drawn"), each with the sections it appears in, so a reader knows text is
missing and where. Coverage comes from fontconfig (`exports.fonts`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from exports.fonts import describe, missing_characters

_SECTION = re.compile(r'<section class="(?:cover|toc|major)"(?: id="([a-z]+)")?[^>]*>(.*?)</section>', re.S)
_TAG = re.compile(r"<[^>]+>")
_HEAD = re.compile(r"<title>(.*?)</title>", re.S)


@dataclass(frozen=True)
class MissingGlyph:
    """A character no installed font covers, named for a reader, and the report sections it appears in."""

    char: str
    name: str
    where: tuple[str, ...]


def missing_glyphs(document: str, titles: Mapping[str, str]) -> tuple[MissingGlyph, ...]:
    """Every character of the HTML report's visible text (SVG labels included) that cannot be drawn."""
    # Fast path: the report's distinct characters, counted once in C; autoescaping only writes ASCII characters
    # as entities, so every other character stands in the HTML as itself.
    if not missing_characters(["".join(char for char in set(document) if ord(char) > 0x7E)]):
        return ()
    places: dict[str, list[str]] = {}
    chunks = [("Page header", m.group(1)) for m in _HEAD.finditer(document)]
    for m in _SECTION.finditer(document):
        key = m.group(1) or ("cover" if m.group(0).startswith('<section class="cover"') else "toc")
        chunks.append((titles.get(key, key.capitalize()), m.group(2)))
    for where, chunk in chunks:
        text = html.unescape(_TAG.sub(" ", chunk))
        for char in missing_characters([text]):
            if where not in places.setdefault(char, []):
                places[char].append(where)
    return tuple(MissingGlyph(char, describe(char), tuple(where)) for char, where in places.items())


__all__ = ["MissingGlyph", "missing_glyphs"]
