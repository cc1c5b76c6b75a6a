"""ArchiMate 3.2's relationship table: which relationship types may join a source type to a target type.

The table is data (relationships.json beside this module), derived from Archi's
com.archimatetool.model/model/relationships.xml and relationships-keys.xml (MIT; relationships-LICENSE.txt).
Junctions are listed there as `Junction`, and a relationship used as an end as `Relationship`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("relationships.json")
_JUNCTIONS = {"AndJunction", "OrJunction"}


@cache
def _table() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return data["letters"], data["allowed"]


def _concept(archimate_type: str) -> str:
    return "Junction" if archimate_type in _JUNCTIONS else archimate_type


def allowed_types(source_type: str, target_type: str) -> set[str]:
    """The relationship types ArchiMate 3.2 allows from `source_type` to `target_type` ("Relationship" for a
    relationship used as an end)."""
    letters, allowed = _table()
    found = allowed.get(_concept(source_type), {}).get(_concept(target_type), "")
    return {letters[c] for c in found}


def is_allowed(relationship_type: str, source_type: str, target_type: str) -> bool:
    """Whether ArchiMate 3.2 allows this relationship between these types."""
    return relationship_type in allowed_types(source_type, target_type)


def disallowed(triples: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """(identifier, type, source type, target type) rows the table does not allow, as sentences."""
    return [
        f"relationship {ident}: {rtype} from {source} to {target} is not allowed by ArchiMate 3.2"
        for ident, rtype, source, target in triples
        if not is_allowed(rtype, source, target)
    ]
