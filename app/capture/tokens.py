"""Tokens of flow and ownership lines, quoted names, names made of tokens, and the parser's internal failure."""

from __future__ import annotations

from dataclasses import dataclass

from app.capture.results import Name


class _Fail(Exception):
    def __init__(self, message: str, start: int, length: int = 1):
        super().__init__(message)
        self.message, self.start, self.length = message, start, length


def _fail(message: str, start: int, length: int = 1):
    raise _Fail(message, start, length)


_SYMBOLS = (("<->", "both"), ("<>", "both"), ("↔", "both"), ("->", "arrow"), ("→", "arrow"), ("<=", "le"), ("≤", "le"))


@dataclass(frozen=True)
class _Tok:
    kind: str  # word | quoted | arrow | both | le | colon | comma
    text: str
    value: str
    start: int
    end: int

    @property
    def word(self) -> str | None:
        return self.value.casefold() if self.kind == "word" else None


_WORD_STOP = frozenset('",:“”→↔≤')
_WORD_STOP_PAIRS = ("->", "<-", "<=", "<>")


def _tokenize(line: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        symbol = next(((s, k) for s, k in _SYMBOLS if line.startswith(s, i)), None)
        if symbol:
            text, kind = symbol
            tokens.append(_Tok(kind, text, text, i, i + len(text)))
            i += len(text)
        elif line.startswith("<-", i):
            _fail("Write flows from left to right: “source -> target”.", i, 2)
        elif ch in ":,":
            tokens.append(_Tok("colon" if ch == ":" else "comma", ch, ch, i, i + 1))
            i += 1
        elif ch in '"“':
            value, end = _quoted(line, i)
            tokens.append(_Tok("quoted", line[i:end], value, i, end))
            i = end
        elif ch == "”":
            _fail("A closing quote without an opening one.", i)
        else:
            j = i
            while (
                j < n
                and not line[j].isspace()
                and line[j] not in _WORD_STOP
                and not line.startswith(_WORD_STOP_PAIRS, j)
            ):
                j += 1
            tokens.append(_Tok("word", line[i:j], line[i:j], i, j))
            i = j
    return tokens


def _quoted(line: str, i: int) -> tuple[str, int]:
    """The text of a quoted name opening at i, and the index after its closing quote."""
    j = i + 1
    while j < len(line) and line[j] not in '"”':
        j += 1
    if j >= len(line):
        _fail("This quote is never closed.", i)
    value = " ".join(line[i + 1 : j].split())
    if not value:
        _fail("Empty quotes: put a name between them.", i, j - i + 1)
    return value, j + 1


def _name(tokens: list[_Tok], what: str, at: int) -> Name:
    if not tokens:
        _fail(f"Missing {what}.", at)
    if len(tokens) == 1 and tokens[0].kind == "quoted":
        t = tokens[0]
        return Name(t.value, t.start, t.end, quoted=True)
    for t in tokens:
        if t.kind == "quoted":
            _fail("Quote the whole name, or none of it.", t.start, t.end - t.start)
        if t.kind != "word":
            _fail(f"Unexpected “{t.text}” in {what}.", t.start, t.end - t.start)
    return Name(" ".join(t.value for t in tokens), tokens[0].start, tokens[-1].end)


def _span(tokens: list[_Tok]) -> tuple[int, int]:
    return tokens[0].start, tokens[-1].end - tokens[0].start
