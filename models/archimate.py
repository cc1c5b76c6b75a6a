"""ArchiMate concepts the core model has no kind for: generic elements and generic relationships.

An imported ArchiMate model keeps everything: elements whose type Throughline does not model (BusinessActor,
Node, Goal…) become `GenericElement`s with their ArchiMate type, and relationships that are not flows,
ownerships, channel links or trace links become `ArchimateRelationship` rows. What the file holds beyond
elements and relationships (the model's identifier, metadata, property definitions, folders) is one
`ArchimateModel` row per engagement and its views `ArchimateView` rows. See docs/archimate.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps
from models.elements import Element


def properties_to_text(pairs: list[list[str]] | None) -> str:
    """[[name, value], …] -> one `name: value` line each (a JSON pair when a plain line would be ambiguous)."""
    out = []
    for name, value in pairs or []:
        plain = ":" not in name and "\n" not in name and "\r" not in name and "\n" not in value and "\r" not in value
        plain = plain and not name.startswith("[") and name == name.strip() and value == value.strip() and name != ""
        out.append(f"{name}: {value}" if plain else json.dumps([name, value], ensure_ascii=False))
    return "\n".join(out)


def properties_from_text(text: str | None) -> list[list[str]]:
    """The inverse of properties_to_text. Lenient (a form may hold anything): a line without `:` is a name."""
    pairs: list[list[str]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            try:
                pair = json.loads(line)
            except ValueError:
                pair = None
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                pairs.append(pair)
                continue
        name, _sep, value = line.partition(":")
        pairs.append([name.strip(), value.strip()])
    return pairs


class GenericElement(Element):
    """An ArchiMate element of a type Throughline does not model, kept with its type, text and properties."""

    __tablename__ = "generic_elements"
    __mapper_args__ = {"polymorphic_identity": "generic"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    archimate_type: Mapped[str] = mapped_column(String(40))
    documentation: Mapped[str] = mapped_column(Text, default="")
    # [[name, value], …]: a list, not an object, so order and repeated names survive a round trip.
    properties: Mapped[list[Any]] = mapped_column(JSON, default=list)

    @property
    def properties_text(self) -> str:
        """Properties as editable text, one `name: value` per line."""
        return properties_to_text(self.properties)

    @properties_text.setter
    def properties_text(self, text: str) -> None:
        self.properties = properties_from_text(text)


class ArchimateRelationship(Timestamps, Base):
    """An ArchiMate relationship kept as it was imported (type, name, documentation, properties, attributes)."""

    __tablename__ = "archimate_relationships"
    __table_args__ = (
        UniqueConstraint("engagement_id", "identifier"),
        Index("ix_archimate_relationships_engagement_type", "engagement_id", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    identifier: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300), default="")
    documentation: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Type-specific XML attributes as found (accessType of Access, modifier of Influence).
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), index=True)

    source: Mapped[Element] = relationship(foreign_keys=[source_id])
    target: Mapped[Element] = relationship(foreign_keys=[target_id])


class ArchimateModel(Base):
    """The parts of an imported exchange file the core model has no place for, written back on export.

    XML fragments are stored as found; views and folders refer to elements and relationships by their
    ArchiMate identifiers (the `external_id` of the objects they became), so a deleted object simply drops
    out of them on export."""

    __tablename__ = "archimate_models"

    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(35))
    # [[name, value], …]: the model element's attributes other than its identifier (e.g. version).
    attributes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # XML fragments in file order: the model's name*, documentation*, properties?, metadata?.
    head: Mapped[list[Any]] = mapped_column(JSON, default=list)
    organizations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # [[identifier, name, type], …]
    property_definitions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Identifiers of requirements and principles the file gave no Ref (Throughline numbered them).
    unstated_refs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Concept identifier -> [[name|documentation, xml:lang or None, text], …] for texts in other languages.
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ArchimateView(Base):
    """One view (diagram) of an imported exchange file, as its XML."""

    __tablename__ = "archimate_views"
    __table_args__ = (UniqueConstraint("engagement_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    identifier: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text, default="")
    xml: Mapped[str] = mapped_column(Text)


# The element types of the Open Group exchange format (ElementTypeEnum), in the specification's order.
ELEMENT_TYPES = (
    "BusinessActor", "BusinessRole", "BusinessCollaboration", "BusinessInterface", "BusinessProcess",
    "BusinessFunction", "BusinessInteraction", "BusinessEvent", "BusinessService", "BusinessObject", "Contract",
    "Representation", "Product", "ApplicationComponent", "ApplicationCollaboration", "ApplicationInterface",
    "ApplicationFunction", "ApplicationInteraction", "ApplicationProcess", "ApplicationEvent", "ApplicationService",
    "DataObject", "Node", "Device", "SystemSoftware", "TechnologyCollaboration", "TechnologyInterface", "Path",
    "CommunicationNetwork", "TechnologyFunction", "TechnologyProcess", "TechnologyInteraction", "TechnologyEvent",
    "TechnologyService", "Artifact", "Equipment", "Facility", "DistributionNetwork", "Material", "Stakeholder",
    "Driver", "Assessment", "Goal", "Outcome", "Principle", "Requirement", "Constraint", "Meaning", "Value",
    "Resource", "Capability", "CourseOfAction", "WorkPackage", "Deliverable", "ImplementationEvent", "Plateau",
    "Gap", "Grouping", "Location", "AndJunction", "OrJunction",
)
RELATIONSHIP_TYPES = (
    "Composition", "Aggregation", "Assignment", "Realization", "Serving", "Access", "Influence", "Triggering",
    "Flow", "Specialization", "Association",
)


def type_label(archimate_type: str) -> str:
    """BusinessActor -> Business actor."""
    words = re.findall(r"[A-Z][a-z]*", archimate_type)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else archimate_type


ELEMENT_TYPE_LABELS = {t: type_label(t) for t in ELEMENT_TYPES}
