"""The fonts the PDF report and the diagrams draw with, and which characters no installed font can draw.

One family list serves WeasyPrint (CSS `font-family`), Graphviz (`fontname`, which Pango reads as a list) and
the SVG charts: Latin faces first, then Noto Sans CJK JP and Noto Sans Arabic; Pango and fontconfig fall back
per character along the list and then to any installed font that has the character — Noto Sans Hebrew,
Devanagari, Thai, Noto Color Emoji… (Debian's `fonts-noto-core`, `fonts-noto-cjk`, `fonts-noto-color-emoji`;
`make system-deps` installs them).

`missing_characters` asks fontconfig (`fc-list`) which characters the installed fonts cover, so the report can
say on its appendix page which characters it could not draw instead of dropping them silently.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

# Named: the Latin faces, then CJK (so Han characters take their Japanese forms, not whichever CJK face
# fontconfig meets first) and Arabic. Every other script and emoji (Noto Sans Hebrew, Devanagari, Thai, Noto
# Color Emoji, …) comes from fontconfig's per-character fallback, which Pango applies after the list. Naming
# them costs: with Noto Color Emoji in the list WeasyPrint took twice the CPU and a page more on Latin-only
# text (it draws digits from it), Hebrew/Indic/Thai/Symbols added 60 %, measured on an 18-page document.
FAMILIES = ("Liberation Sans", "Noto Sans", "DejaVu Sans", "Noto Sans CJK JP", "Noto Sans Arabic")
CSS_STACK = ", ".join(f'"{family}"' for family in FAMILIES) + ", sans-serif"
GRAPHVIZ_FONT = ",".join(FAMILIES)  # Pango's family list; Graphviz writes it as the SVG font-family too
# Characters nothing needs to draw: controls, format characters (joiners, marks of direction), variation
# selectors, line and paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


@lru_cache(maxsize=1)
def _coverage() -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Start and end code points of the ranges some installed font covers; None when fontconfig is absent."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        done = subprocess.run([fc_list, "--format", "%{charset}\\n"], capture_output=True,  # noqa: S603
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    ranges: list[tuple[int, int]] = []
    for token in done.stdout.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(r[0] for r in merged), tuple(r[1] for r in merged)


def can_check() -> bool:
    """True when fontconfig can tell which characters the installed fonts cover."""
    return _coverage() is not None


def drawable(char: str) -> bool:
    """True when some installed font has a glyph for `char` (or it needs none); True when unknown."""
    if _needs_no_glyph(char):
        return True
    coverage = _coverage()
    if coverage is None:
        return True
    starts, ends = coverage
    index = bisect_right(starts, ord(char)) - 1
    return index >= 0 and ord(char) <= ends[index]


def missing_characters(texts: Iterable[str]) -> list[str]:
    """The distinct characters of `texts` no installed font can draw, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for char in dict.fromkeys(text):  # each distinct character once: a long report repeats most of them
            if char not in seen and not drawable(char):
                seen[char] = None
    return list(seen)


def describe(char: str) -> str:
    """`U+E000 (private use)` / `U+1FAE8 SHAKING FACE`: a character named for a reader who cannot see it."""
    name = unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Co":
        return f"U+{ord(char):04X} (private use)"
    return f"U+{ord(char):04X} {name}".rstrip() if name else f"U+{ord(char):04X} (no name in this Unicode version)"


def _needs_no_glyph(char: str) -> bool:
    return (char.isspace() or unicodedata.category(char) in _INVISIBLE
            or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF)


__all__ = ["CSS_STACK", "FAMILIES", "GRAPHVIZ_FONT", "can_check", "describe", "drawable", "missing_characters"]
