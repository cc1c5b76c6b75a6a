"""The ownership line, `System owns | reads | writes | is … for  entity, …`; a line of words only is a new system's
name (element_lines), anything else gets a hint of what was meant."""

from __future__ import annotations

from app.capture.element_lines import _bare
from app.capture.results import ElementLine, Name, OwnershipLine
from app.capture.tokens import _fail, _name, _Tok
from app.capture.words import OWNERSHIP_PHRASES


def _ownership(line: str, tokens: list[_Tok]) -> OwnershipLine | ElementLine:
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
        return _not_understood(line, tokens)
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


def _not_understood(line: str, tokens: list[_Tok]) -> ElementLine:
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
    bare = _bare(line, tokens)
    if bare is not None:
        return bare
    first = tokens[0] if tokens else None
    _fail(
        "Not understood. Write a flow (“A -> B: order”), an ownership (“SAP S/4 owns product”), "
        "“System: Name (category)”, “Channel: Name”, “Entity: Name”, "
        "“REQ must: …”, “ADR: …” or “@Name, role, team”. Press ? for help.",
        first.start if first else 0,
        (first.end - first.start) if first else 1,
    )
