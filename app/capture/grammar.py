"""The quick-capture grammar: one line -> a typed, frozen description, or a ParseError with its column.

The grammar is documented for people in docs/quick-capture.md and in the in-app help panel
(templates/capture/_help.html); keep the three in step. In short:

    flow         Source -> Target: entity, entity [via Middleware] [via API | as event] [every 5s | nightly]
                 [worst 1h | <= 1h] [latency 200ms]          (<-> or <> for two-way)
    ownership    System owns entity | is system of record for | is authoritative copy for | is replica for
                 | reads | writes  entity, entity
    requirement  REQ [must|should|could|won't]: Title [@Source stakeholder] [#channel …]
    decision     ADR: Title [-> REQ-3, REQ-5]
    stakeholder  @Name[, role[, team]]

Names with commas, colons, arrows or keywords go in double quotes. This module knows nothing of the
database: codes (patterns, roles, priorities) are plain strings that the tests check against models.vocab.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

MAX_LINE = 1000

# Pattern words and phrases (case-insensitive) -> FLOW_PATTERNS code.
PATTERN_WORDS: dict[str, str] = {
    "api": "api",
    "apis": "api",
    "rest": "api",
    "rest api": "api",
    "event": "event",
    "events": "event",
    "stream": "event",
    "streaming": "event",
    "webhook": "webhook",
    "webhooks": "webhook",
    "batch": "batch",
    "batch file": "batch",
    "file": "batch",
    "files": "batch",
    "sftp": "batch",
    "db link": "db_link",
    "db-link": "db_link",
    "dblink": "db_link",
    "database link": "db_link",
    "manual": "manual",
    "manually": "manual",
}
PATTERN_HELP = "API, event, webhook, batch, file, db link or manual"

# Priority words after REQ -> PRIORITIES code.
PRIORITY_WORDS = {"must": "must", "should": "should", "could": "could", "won't": "wont", "wont": "wont"}

# Ownership verb phrases -> OWNERSHIP_ROLES code. "for" and "of" are both accepted at the end of "is …" phrases.
_IS_PHRASES = {
    "system of record": "sor",
    "the system of record": "sor",
    "sor": "sor",
    "the sor": "sor",
    "authoritative copy": "authoritative",
    "the authoritative copy": "authoritative",
    "an authoritative copy": "authoritative",
    "authoritative": "authoritative",
    "replica": "replica",
    "a replica": "replica",
    "the replica": "replica",
}
OWNERSHIP_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        [(("owns",), "sor"), (("reads",), "reads"), (("writes",), "writes"), (("replicates",), "replica")]
        + [(("is", *phrase.split(), end), role) for phrase, role in _IS_PHRASES.items() for end in ("for", "of")],
        key=lambda item: -len(item[0]),
    )
)

# Frequency words -> (frequency text, seconds used as the typical latency).
FREQUENCY_WORDS = {
    "hourly": ("hourly", 3600.0),
    "daily": ("daily", 86400.0),
    "nightly": ("nightly", 86400.0),
    "weekly": ("weekly", 604800.0),
}
# Units -> (seconds, short form).
UNITS: dict[str, tuple[float, str]] = {}
for _short, _size, _words in (
    ("ms", 0.001, ("ms", "msec", "millisecond", "milliseconds")),
    ("s", 1.0, ("s", "sec", "secs", "second", "seconds")),
    ("min", 60.0, ("m", "min", "mins", "minute", "minutes")),
    ("h", 3600.0, ("h", "hr", "hrs", "hour", "hours")),
    ("d", 86400.0, ("d", "day", "days")),
    ("w", 604800.0, ("w", "wk", "week", "weeks")),
):
    for _word in _words:
        UNITS[_word] = (_size, _short)
# "every hour", "every night": a unit alone means one of it.
BARE_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0, "night": 86400.0, "week": 604800.0}

FLOW_KEYWORDS = frozenset({"via", "as", "every", "worst", "latency", *FREQUENCY_WORDS})

# Examples shown in the help panel and docs; the tests parse every one of them.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Shopify Plus -> Fluent OMS: order, customer via API every 5s", "a data flow; missing systems are created"),
    ("Fluent OMS <-> SAP S/4: inventory via MuleSoft as event worst 1h", "two-way, through middleware"),
    ("SAP S/4 -> Fluent OMS: product, price as batch nightly", "a nightly batch file"),
    ("SAP S/4 owns product", "system of record"),
    ("Fluent OMS is system of record for inventory", "system of record, long form"),
    ("POS reads price, promotion", "one ownership per entity"),
    ("Shopify Plus writes order", "writes"),
    ("Data Hub is replica for inventory", "replica"),
    ("Salesforce is authoritative copy for customer", "authoritative copy"),
    ("REQ must: Store stock visible on web within 60s @Dana Ruiz #web #mobile-app", "a requirement"),
    ("ADR: Centralise ATP in the OMS -> REQ-3, REQ-5", "a proposed decision addressing two requirements"),
    ("@Dana Ruiz, Head of E-commerce, Digital", "a stakeholder: name, role, team"),
)


def fold(text: str) -> str:
    """Case- and space-insensitive key; the same rule as models.base.name_key."""
    return " ".join(text.split()).casefold()


def describe_seconds(value: float) -> str:
    """5 s, 15 min, 2 h, 1 d — as the rest of the app shows latencies."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:g} s"


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A name as typed in the line, with its place (0-based, end exclusive) so it can be pointed at or replaced."""

    text: str
    start: int
    end: int
    quoted: bool = False
    hyphens_are_spaces: bool = False  # #mobile-app may mean the channel "Mobile app"

    @property
    def column(self) -> int:
        """1-based column where the name starts."""
        return self.start + 1

    @property
    def key(self) -> str:
        """Lookup key of the name as written."""
        return fold(self.text)

    @property
    def keys(self) -> tuple[str, ...]:
        """Lookup keys to try, in order."""
        keys = [self.key]
        if self.hyphens_are_spaces and not self.quoted:
            spaced = fold(self.text.replace("-", " ").replace("_", " "))
            if spaced not in keys:
                keys.append(spaced)
        return tuple(keys)


@dataclass(frozen=True)
class RequirementRef:
    """A REQ-n written in a decision line."""

    number: int
    text: str
    start: int
    end: int

    @property
    def ref(self) -> str:
        """Canonical ref, REQ-n."""
        return f"REQ-{self.number}"

    @property
    def column(self) -> int:
        """1-based column where the ref starts."""
        return self.start + 1


@dataclass(frozen=True)
class FlowLine:
    """`Source -> Target: entities …`: a data flow."""

    kind: ClassVar[str] = "flow"
    source: Name
    target: Name
    entities: tuple[Name, ...]
    two_way: bool = False
    pattern: str | None = None  # None: not said (the service uses its default and says so)
    via: Name | None = None
    frequency: str = ""
    latency_seconds: float | None = None
    worst_latency_seconds: float | None = None

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.source, self.target, *((self.via,) if self.via else ()), *self.entities)


@dataclass(frozen=True)
class OwnershipLine:
    """`System owns entity`: one ownership per entity."""

    kind: ClassVar[str] = "ownership"
    system: Name
    role: str
    entities: tuple[Name, ...]

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.system, *self.entities)


@dataclass(frozen=True)
class RequirementLine:
    """`REQ must: Title @Source #channel`: a requirement."""

    kind: ClassVar[str] = "requirement"
    title: str
    title_column: int
    priority: str = "should"
    priority_given: bool = False
    source: Name | None = None
    channels: tuple[Name, ...] = ()

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (*((self.source,) if self.source else ()), *self.channels)


@dataclass(frozen=True)
class DecisionLine:
    """`ADR: Title -> REQ-3, REQ-5`: a proposed decision addressing requirements."""

    kind: ClassVar[str] = "decision"
    title: str
    title_column: int
    requirements: tuple[RequirementRef, ...] = ()

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line (refs are not names)."""
        return ()


@dataclass(frozen=True)
class StakeholderLine:
    """`@Name, role, team`: a stakeholder."""

    kind: ClassVar[str] = "stakeholder"
    name: Name
    role: str = ""
    team: str = ""

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name in the line."""
        return (self.name,)


@dataclass(frozen=True)
class ParseError:
    """Why a line does not parse, and where: `column` is 1-based, `length` the characters to underline."""

    message: str
    column: int
    length: int = 1


Line = FlowLine | OwnershipLine | RequirementLine | DecisionLine | StakeholderLine


class _Fail(Exception):
    def __init__(self, message: str, start: int, length: int = 1):
        super().__init__(message)
        self.message, self.start, self.length = message, start, length


def _fail(message: str, start: int, length: int = 1):
    raise _Fail(message, start, length)


# --- entry points ---------------------------------------------------------------------------------


def parse(line: str) -> Line | ParseError:
    """Parse one capture line."""
    try:
        return _parse(line)
    except _Fail as exc:
        column = max(1, min(exc.start + 1, len(line) + 1))
        return ParseError(exc.message, column, max(1, exc.length))


def rewrite(line: str, name: Name, replacement: str) -> str:
    """The line with `name` replaced by `replacement` — hyphenated or quoted when that is needed for the
    new line to read the replacement back as that one name."""
    want = fold(replacement)
    candidates = [replacement]
    if name.hyphens_are_spaces and "-" not in replacement:
        candidates.append("-".join(replacement.split()))
    if '"' not in replacement:
        candidates.append(f'"{replacement}"')
    for candidate in candidates:
        new = line[: name.start] + candidate + line[name.end :]
        parsed = parse(new)
        if not isinstance(parsed, ParseError) and any(n.start == name.start and want in n.keys for n in parsed.names):
            return new
    return line[: name.start] + candidates[-1] + line[name.end :]


# --- dispatch -------------------------------------------------------------------------------------

_REQ_HEAD = re.compile(r"\s*REQ(?![\w-])[ \t]*(?P<prio>[^\s:]+)?[ \t]*:", re.IGNORECASE)
_REQ_WORD = re.compile(r"\s*REQ(?![\w-])", re.IGNORECASE)
_ADR_HEAD = re.compile(r"\s*ADR(?![\w-])[ \t]*:", re.IGNORECASE)
_ADR_WORD = re.compile(r"\s*ADR(?![\w-])", re.IGNORECASE)
_ARROW_ANYWHERE = re.compile(r"->|<>|→|↔")
_SYMBOLS = (("<->", "both"), ("<>", "both"), ("↔", "both"), ("->", "arrow"), ("→", "arrow"), ("<=", "le"), ("≤", "le"))


def _parse(line: str) -> Line:
    if not line.strip():
        _fail("Type a line to capture; press ? for the grammar.", 0)
    if len(line) > MAX_LINE:
        _fail(f"A capture line has at most {MAX_LINE} characters.", MAX_LINE, len(line) - MAX_LINE)
    for i, ch in enumerate(line):
        if (ord(ch) < 32 and ch != "\t") or ord(ch) == 127:
            _fail("The line contains a control character.", i)
    first = len(line) - len(line.lstrip())
    if line[first] == "@":
        return _stakeholder(line, first)
    head = _REQ_HEAD.match(line)
    if head:
        return _requirement(line, head)
    word = _REQ_WORD.match(line)
    if word and not _ARROW_ANYWHERE.search(line):
        _fail("Write “REQ:” or “REQ must:” (must, should, could or won’t), then the title.", word.end())
    head = _ADR_HEAD.match(line)
    if head:
        return _decision(line, head.end())
    word = _ADR_WORD.match(line)
    if word and not _ARROW_ANYWHERE.search(line):
        _fail("Write “ADR:” then the decision’s title.", word.end())
    tokens = _tokenize(line)
    if any(t.kind in ("arrow", "both") for t in tokens):
        return _flow(line, tokens)
    return _ownership(line, tokens)


# --- tokens ---------------------------------------------------------------------------------------


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


# --- flows ----------------------------------------------------------------------------------------


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


# --- ownership ------------------------------------------------------------------------------------


def _ownership(line: str, tokens: list[_Tok]) -> OwnershipLine:
    found = None
    for i in range(1, len(tokens)):
        for words, role in OWNERSHIP_PHRASES:
            window = tokens[i : i + len(words)]
            if len(window) == len(words) and all(t.word == w for t, w in zip(window, words, strict=True)):
                found = (i, len(words), role)
                break
        if found:
            break
    if found is None:
        _not_understood(line, tokens)
    i, width, role = found
    verb_end = tokens[i + width - 1].end
    system = _name(tokens[:i], "the system", 0)
    entities: list[Name] = []
    k = i + width
    while True:
        j = k
        while j < len(tokens) and tokens[j].kind in ("word", "quoted"):
            j += 1
        where = tokens[k].start if k < len(tokens) else len(line)
        if j == k:
            if k < len(tokens) and tokens[k].kind != "comma":
                t = tokens[k]
                _fail(f"Unexpected “{t.text}”: list the entities, separated by commas.", t.start, t.end - t.start)
            if not entities:
                _fail("Name the data entity, e.g. “SAP S/4 owns product”.", verb_end if k >= len(tokens) else where)
            _fail("Expected an entity name after “,”.", where)
        entity = _name(tokens[k:j], "an entity name", where)
        if all(e.key != entity.key for e in entities):
            entities.append(entity)
        if j < len(tokens) and tokens[j].kind == "comma":
            k = j + 1
            continue
        if j < len(tokens):
            t = tokens[j]
            _fail(f"Unexpected “{t.text}”: list the entities, separated by commas.", t.start, t.end - t.start)
        break
    return OwnershipLine(system=system, role=role, entities=tuple(entities))


def _not_understood(line: str, tokens: list[_Tok]):
    verbs = {"owns", "reads", "writes", "replicates"}
    for index, t in enumerate(tokens):
        word = t.word
        if index == 0 and word in verbs:
            _fail("Start with the system, e.g. “SAP S/4 owns product”.", t.start, t.end - t.start)
        if word in ("own", "read", "write", "owned"):
            _fail(f"Did you mean “{word.removesuffix('ed')}s”? e.g. “POS reads price”.", t.start, t.end - t.start)
        if word == "is" and index > 0:
            _fail(
                "After “is”, write “system of record for”, “authoritative copy for” or “replica for”.",
                t.start,
                2,
            )
    first = tokens[0] if tokens else None
    _fail(
        "Not understood. Write a flow (“A -> B: order”), an ownership (“SAP S/4 owns product”), "
        "“REQ must: …”, “ADR: …” or “@Name, role, team”. Press ? for help.",
        first.start if first else 0,
        (first.end - first.start) if first else 1,
    )


# --- requirements, decisions, stakeholders -------------------------------------------------------


def _is_marker(line: str, i: int, body_start: int) -> bool:
    return (
        line[i] in "@#"
        and (i == body_start or line[i - 1].isspace())
        and i + 1 < len(line)
        and not line[i + 1].isspace()
    )


def _requirement(line: str, head: re.Match) -> RequirementLine:
    raw_priority = head.group("prio")
    priority = "should"
    if raw_priority:
        priority = PRIORITY_WORDS.get(raw_priority.casefold().replace("’", "'"), "")
        if not priority:
            _fail(
                f"Unknown priority “{raw_priority}”: use must, should, could or won’t.",
                head.start("prio"),
                len(raw_priority),
            )
    body = head.end()
    n = len(line)
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
    )


_REF = re.compile(r"REQ-?(\d+)", re.IGNORECASE)


def _decision(line: str, body: int) -> DecisionLine:
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
    return DecisionLine(title=title, title_column=title_start + 1, requirements=tuple(refs))


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
