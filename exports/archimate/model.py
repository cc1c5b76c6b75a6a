"""The exchange model: the ArchiMate mapping tables, the dataclasses the caller fills, identifiers and text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exports.archimate.kept import Kept

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"

# Throughline kind -> ArchiMate element type. Middleware / iPaaS stays an ApplicationComponent: flows run
# through it at the application layer, and a Flow between an application component and system software is
# not a relationship ArchiMate permits (docs/archimate.md explains the choice).
ELEMENT_TYPE = {
    "system": "ApplicationComponent",
    "channel": "BusinessInterface",
    "entity": "DataObject",
    "stakeholder": "Stakeholder",
    "requirement": "Requirement",
    "decision": "Principle",
}
# Ownership role -> accessType of the Access relationship from the system to the data object.
ACCESS_TYPE = {"sor": "ReadWrite", "authoritative": "ReadWrite", "writes": "Write", "replica": "Read", "reads": "Read"}
# Trace link kind (Throughline direction source -> target) -> (ArchiMate type, reversed?) per target kind.
# `addresses` (requirement -> decision) becomes the decision influencing the requirement; `satisfied_by`
# (requirement -> system) the system realizing the requirement; a flow is a relationship in ArchiMate, and
# only an association may end at a relationship, so links to flows are associations. `refines` (a requirement
# refining another) is a Specialization: ArchiMate 3.2 allows no Realization between two requirements.
TRACE_TYPE = {
    ("addresses", "decision"): ("Influence", True),
    ("affects", "system"): ("Association", False),
    ("affects", "flow"): ("Association", False),
    ("satisfied_by", "system"): ("Realization", True),
    ("satisfied_by", "flow"): ("Association", False),
    ("refines", "requirement"): ("Specialization", False),
}
# Read on import only: what earlier exports wrote (a Realization between requirements is not allowed).
LEGACY_TRACE_TYPE = {("refines", "requirement"): ("Realization", False)}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Item:
    """An element of the model: a catalogued object, or a generic element kept from an import."""

    key: str  # unique in the model, e.g. "system:12" (database kind and id)
    kind: str  # system, channel, entity, stakeholder, requirement, decision, generic
    name: str
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    external_id: str | None = None  # identifier from an imported model, reused
    archimate_type: str | None = None  # generic elements only


@dataclass(frozen=True)
class Link:
    """A relationship: a flow, an ownership, a channel served, a trace link, or a generic relationship."""

    key: str  # unique in the model, e.g. "flow:7", "link:3", "serves:12:4", "rel:9"
    kind: str  # flow, ownership, serves, trace, generic
    source: str  # Item key (or a flow's Link key, for trace links to flows)
    target: str
    name: str = ""
    documentation: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    external_id: str | None = None
    archimate_type: str | None = None  # generic relationships only
    attributes: tuple[tuple[str, str], ...] = ()  # generic: accessType, modifier as imported
    role: str = ""  # ownership role
    trace_kind: str = ""  # trace links: addresses, affects, satisfied_by, refines


@dataclass(frozen=True)
class Plateau:
    """A scenario, exported as a Plateau aggregating its members (only when exporting all scenarios).

    The baseline comes first: an import takes the first plateau as the current state."""

    key: str  # "scenario:3"
    name: str
    documentation: str
    members: tuple[str, ...]  # Item and Link keys
    external_id: str | None = None  # identifier of the Plateau it was imported from, reused


@dataclass(frozen=True)
class Model:
    """What is exported: one scenario's content (plateaus empty) or all scenarios (one plateau each)."""

    name: str
    documentation: str = ""
    items: tuple[Item, ...] = ()
    links: tuple[Link, ...] = ()
    plateaus: tuple[Plateau, ...] = ()
    view_name: str = "Landscape"
    language: str = "en"
    # What an imported file held beyond elements and relationships (exports.archimate.kept), or None.
    kept: Kept | None = None


def generated_id(key: str) -> str:
    """`system:12` -> `id-system-12`: the identifier of an object that has none from an import."""
    return "id-" + key.replace(":", "-")


def serving_id(system_xid: str, channel_xid: str) -> str:
    """The identifier of the Serving relationship of a system to a channel it serves (derived, so stable)."""
    return f"{system_xid}.serves.{channel_xid}"


def element_type(item: Item) -> str:
    """The ArchiMate element type of an item."""
    return item.archimate_type if item.kind == "generic" else ELEMENT_TYPE[item.kind]


def clean_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return _ILLEGAL_XML.sub("", text or "")
