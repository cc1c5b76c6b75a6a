"""Validation of exchange documents against the Open Group schema (vendored in exports/archimate_schema), and
what a document holds by kind of thing (for round-trip checks)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from exports.archimate.model import NS

SCHEMA_DIR = Path(__file__).parent.with_name("archimate_schema")


@cache
def schema() -> etree.XMLSchema:
    """The exchange-format schema (vendored with its imports in exports/archimate_schema; offline)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "exchange.xsd")))


def schema_errors(document) -> list[str]:
    """Validation messages (`line N: …`) of a parsed document against exchange.xsd; empty when valid."""
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]


def holdings(document: bytes | etree._Element) -> dict[str, int]:
    """What an exchange document holds, by kind of thing: elements, relationships, views, nodes, connections…"""
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    a, dc = f"{{{NS}}}", "{http://purl.org/dc/elements/1.1/}"
    return {
        "elements": len(root.findall(f"{a}elements/{a}element")),
        "relationships": len(root.findall(f"{a}relationships/{a}relationship")),
        "views": len(root.findall(f"{a}views/{a}diagrams/{a}view")),
        "nodes": sum(1 for _ in root.iter(f"{a}node")),
        "connections": sum(1 for _ in root.iter(f"{a}connection")),
        "bendpoints": sum(1 for _ in root.iter(f"{a}bendpoint")),
        "styles": sum(1 for _ in root.iter(f"{a}style")),
        "organisation items": sum(1 for _ in root.iter(f"{a}item")),
        "properties": sum(1 for _ in root.iter(f"{a}property")),
        "property definitions": len(root.findall(f"{a}propertyDefinitions/{a}propertyDefinition")),
        "metadata": sum(1 for _ in root.iter(f"{dc}*")),
    }
