"""A fast yes-or-don't-know check of a document against the bundle's JSON Schema.

jsonschema walks a 1,000-system bundle in seconds; most bundles are valid, so checks.py first asks this
check, compiled once from the same schema into plain Python predicates. It answers True only when the
document is certainly valid; False means "let jsonschema look" (it finds the errors and words them).
Whatever it cannot judge exactly (a oneOf, a value whose JSON equality differs from Python's) it leaves to
jsonschema or answers False, so it never accepts what jsonschema would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator

Check = Callable[[Any], bool]

# Words that only describe: they constrain nothing.
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    # JSON's 1.0 is an integer to jsonschema; it is rare enough to leave to it (False here).
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def compile_schema(schema: dict[str, Any]) -> Check:
    """The predicate of `schema` (a root with local $defs): True only for documents jsonschema accepts."""
    exact = Draft202012Validator(schema)
    compiled: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        if pointer not in compiled:
            compiled[pointer] = lambda v: compiled[pointer + "#built"](v)  # a recursive $ref sees itself
            target: Any = schema
            for part in pointer.removeprefix("#/").split("/"):
                target = target[part]
            compiled[pointer + "#built"] = build(target)
        return compiled[pointer]

    def build(node: Any) -> Check:
        if node is True or node == {}:
            return lambda _v: True
        if node is False:
            return lambda _v: False
        checks = [_keyword(key, value, node, build, ref, exact) for key, value in node.items()
                  if key not in _ANNOTATIONS]
        checks = [c for c in checks if c is not None]
        return lambda v: all(c(v) for c in checks)

    return build(schema)


def _keyword(key: str, value: Any, node: dict, build, ref, exact: Draft202012Validator) -> Check | None:
    """One keyword as a predicate; None for one that other keywords of the node already judge."""
    if key == "$ref":
        if not value.startswith("#/"):
            raise ValueError(f"Only local references are supported, not {value!r}.")
        return ref(value)
    if key == "type":
        wanted = [_TYPES[t] for t in (value if isinstance(value, list) else [value])]
        return lambda v: any(t(v) for t in wanted)
    if key in ("enum", "const"):
        allowed = value if key == "enum" else [value]
        if not all(a is None or isinstance(a, str) for a in allowed):
            return lambda v: exact.evolve(schema={key: value}).is_valid(v)
        # Strings and null compare in Python as in JSON; anything else is left to jsonschema.
        return lambda v: (v is None or isinstance(v, str)) and v in allowed
    if key == "required":
        return lambda v: not isinstance(v, dict) or all(name in v for name in value)
    if key == "properties":
        props = {name: build(sub) for name, sub in value.items()}
        return lambda v: not isinstance(v, dict) or all(props[k](v[k]) for k in props.keys() & v.keys())
    if key == "additionalProperties":
        known = set(node.get("properties", {}))
        if "patternProperties" in node:
            raise ValueError("patternProperties is not supported.")
        extra = build(value)
        return lambda v: not isinstance(v, dict) or all(extra(item) for k, item in v.items() if k not in known)
    if key == "propertyNames":
        names = build(value)
        return lambda v: not isinstance(v, dict) or all(names(k) for k in v)
    if key == "items":
        each, skip = build(value), len(node.get("prefixItems", []))
        return lambda v: not isinstance(v, list) or all(each(item) for item in v[skip:])
    if key == "prefixItems":
        firsts = [build(sub) for sub in value]
        return lambda v: not isinstance(v, list) or all(c(item) for c, item in zip(firsts, v, strict=False))
    if key in ("minItems", "maxItems", "minLength", "maxLength"):
        kind = list if key.endswith("Items") else str
        low = key.startswith("min")
        return lambda v: not isinstance(v, kind) or (len(v) >= value if low else len(v) <= value)
    if key == "uniqueItems":
        # Only lists of text are judged here: JSON equality of other values (1 and true) differs from Python's.
        return lambda v: not value or not isinstance(v, list) or (
            all(isinstance(item, str) for item in v) and len(set(v)) == len(v)
        )
    if key == "pattern":
        search = re.compile(value).search  # jsonschema searches, it does not match from the start
        return lambda v: not isinstance(v, str) or search(v) is not None
    if key in ("minimum", "maximum"):
        low = key == "minimum"
        return lambda v: not _TYPES["number"](v) or (v >= value if low else v <= value)
    if key in ("oneOf", "anyOf", "allOf", "not", "if", "then", "else"):
        if key in ("then", "else"):
            return None  # judged with their "if"
        sub = {k: node[k] for k in ("if", "then", "else") if k in node} if key == "if" else {key: value}
        return lambda v: exact.evolve(schema=sub).is_valid(v)
    raise ValueError(f"The JSON Schema keyword {key!r} is not supported by the quick check.")
