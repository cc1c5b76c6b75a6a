"""The flow line, `Source -> Target: entities [via …] [as …] [every …] [worst …] [latency …]`, and its durations."""

from __future__ import annotations

import re

from app.capture.results import FlowLine, Name
from app.capture.tokens import _Fail, _fail, _name, _span, _Tok, _tokenize
from app.capture.words import (
    BARE_UNITS,
    FLOW_KEYWORDS,
    FREQUENCY_WORDS,
    PATTERN_HELP,
    PATTERN_WORDS,
    UNITS,
    describe_seconds,
)


def _is_keyword(t: _Tok) -> bool:
    return t.kind == "le" or (t.word in FLOW_KEYWORDS)


def _name_run(tokens: list[_Tok], i: int) -> int:
    """End of the run of name tokens (words, quoted) starting at i, stopping at keywords and punctuation."""
    j = i
    while j < len(tokens) and tokens[j].kind in ("word", "quoted") and not _is_keyword(tokens[j]):
        j += 1
    return j


def _pattern_of(tokens: list[_Tok]) -> str | None:
    if not tokens or any(t.kind != "word" for t in tokens):
        return None
    return PATTERN_WORDS.get(" ".join(t.word or "" for t in tokens))


def _flow(line: str, tokens: list[_Tok]) -> FlowLine:
    a = next(i for i, t in enumerate(tokens) if t.kind in ("arrow", "both"))
    arrow = tokens[a]
    source = _name(tokens[:a], "the source system before the arrow", arrow.start)
    colon = next((i for i in range(a + 1, len(tokens)) if tokens[i].kind == "colon"), None)
    for t in tokens[a + 1 : colon]:
        if t.kind in ("arrow", "both"):
            _fail("Only one arrow per line: one flow at a time.", t.start, t.end - t.start)
    if colon is None:
        _fail("Add “:” and the entities the flow carries, e.g. “A -> B: order, customer”.", len(line))
    target_tokens = tokens[a + 1 : colon]
    for t in target_tokens:
        if t.word == "via":
            _fail("Write “via …” after the entities, e.g. “A -> B: order via MuleSoft”.", t.start, 3)
    target = _name(target_tokens, "the target system after the arrow", tokens[colon].start)
    if target.key == source.key:
        _fail("Source and target are the same system.", target.start, target.end - target.start)

    tail = tokens[colon + 1 :]
    entities: list[Name] = []
    i = 0
    while True:
        j = _name_run(tail, i)
        where = tail[i].start if i < len(tail) else len(line)
        if j == i:
            if not entities:
                _fail("List the entities the flow carries after “:”, e.g. order, customer.", where)
            _fail("Expected an entity name after “,”.", where)
        entity = _name(tail[i:j], "an entity name", where)
        if all(e.key != entity.key for e in entities):
            entities.append(entity)
        if j < len(tail) and tail[j].kind == "comma":
            i = j + 1
            continue
        i = j
        break

    pattern: str | None = None
    via: Name | None = None
    frequency = ""
    every_seconds: float | None = None
    latency: float | None = None
    worst: float | None = None
    worst_at: tuple[int, int] = (0, 1)

    def once(current, t: _Tok, what: str):
        if current:
            _fail(f"{what} is already given earlier in the line.", t.start, t.end - t.start)

    while i < len(tail):
        t = tail[i]
        word = t.word
        if word == "via":
            j = _name_run(tail, i + 1)
            if j == i + 1:
                _fail(f"Name the middleware system or the pattern ({PATTERN_HELP}) after “via”.", t.end)
            code = _pattern_of(tail[i + 1 : j])
            if code:
                once(pattern, t, "The pattern")
                pattern = code
            else:
                once(via, t, "The middleware")
                via = _name(tail[i + 1 : j], "the middleware system", t.end)
            i = j
        elif word == "as":
            k = i + 1
            if k < len(tail) and tail[k].word in ("a", "an"):
                k += 1
            j = _name_run(tail, k)
            if j == k:
                _fail(f"Name the pattern after “as”: {PATTERN_HELP}.", t.end)
            code = _pattern_of(tail[k:j])
            if not code:
                start, length = _span(tail[k:j])
                _fail(f"Unknown pattern “{line[start : start + length]}”: use {PATTERN_HELP}.", start, length)
            once(pattern, t, "The pattern")
            pattern = code
            i = j
        elif word == "every":
            once(frequency, t, "The frequency")
            seconds, text, i = _duration(line, tail, i + 1, t, bare_unit=True)
            frequency, every_seconds = f"every {text}", seconds
        elif word in FREQUENCY_WORDS:
            once(frequency, t, "The frequency")
            frequency, every_seconds = FREQUENCY_WORDS[word]
            i += 1
        elif word == "worst" or t.kind == "le":
            once(worst is not None, t, "The worst latency")
            k = i + 1
            if word == "worst" and k < len(tail) and tail[k].word == "case":
                k += 1
            worst, _text, i = _duration(line, tail, k, t)
            worst_at = (t.start, tail[i - 1].end - t.start)
        elif word == "latency":
            once(latency is not None, t, "The latency")
            latency, _text, i = _duration(line, tail, i + 1, t)
        elif t.kind == "comma":
            _fail("List all the entities first, then via, as, every…", t.start)
        else:
            _fail(
                f"Unexpected “{t.text}”: expected via, as, every, nightly, daily, hourly, weekly, worst or latency "
                "(quote a name that contains one of these words).",
                t.start,
                t.end - t.start,
            )

    if via is not None and via.key in (source.key, target.key):
        _fail("The middleware must differ from the source and the target.", via.start, via.end - via.start)
    typical = latency if latency is not None else every_seconds
    if worst is not None and typical is not None and worst < typical:
        _fail(
            f"The worst latency ({describe_seconds(worst)}) is below the typical one ({describe_seconds(typical)}).",
            *worst_at,
        )
    return FlowLine(
        source=source,
        target=target,
        entities=tuple(entities),
        two_way=arrow.kind == "both",
        pattern=pattern,
        via=via,
        frequency=frequency,
        latency_seconds=typical,
        worst_latency_seconds=worst,
    )


def duration_seconds(text: str) -> float:
    """A duration written on its own (`30s`, `1 h`, `1.5 d`, `15 minutes`) -> seconds, by the flow line's rules;
    ValueError with the grammar's message when it is not one."""
    head = _Tok("word", "duration", "duration", 0, 0)
    try:
        tokens = _tokenize(text)
        seconds, _text, end = _duration(text, tokens, 0, head)
    except _Fail as exc:
        raise ValueError(exc.message) from None
    if end != len(tokens):
        raise ValueError(f"“{text.strip()}” is not one duration: e.g. 5s, 15 min, 2h.")
    return seconds


_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)([^\d.]*)")


def _duration(line: str, tokens: list[_Tok], k: int, after: _Tok, bare_unit: bool = False):
    """Read a duration at tokens[k]: `5s`, `5 s`, `15 min`, `1.5h` (or, with bare_unit, `hour`).
    Return (seconds, text, index after it)."""
    example = "e.g. 5s, 15 min, 2h"
    if k >= len(tokens):
        _fail(f"Expected a duration after “{after.text}”, {example}.", len(line))
    t = tokens[k]
    word = t.word
    if word is None:
        _fail(f"Expected a duration after “{after.text}”, {example}.", t.start, t.end - t.start)
    match = _NUMBER_UNIT.fullmatch(word)
    if match is None:
        if bare_unit and word in BARE_UNITS:
            return BARE_UNITS[word], word, k + 1
        _fail(f"“{t.text}” is not a duration: {example}.", t.start, t.end - t.start)
    number, unit = float(match.group(1)), match.group(2)
    end = k + 1
    if not unit:
        if end < len(tokens) and tokens[end].word in UNITS:
            unit, end = tokens[end].word or "", end + 1
        else:
            _fail(f"Add a unit to “{t.text}”: ms, s, min, h, d or w ({example}).", t.start, t.end - t.start)
    if unit not in UNITS:
        _fail(f"Unknown unit “{unit}”: use ms, s, min, h, d or w.", t.start, t.end - t.start)
    if number <= 0:
        _fail("A duration must be more than zero.", t.start, t.end - t.start)
    size, short = UNITS[unit]
    return number * size, f"{number:g} {short}", end
