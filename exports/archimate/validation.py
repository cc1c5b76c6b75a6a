"""Validation of exchange documents against the Open Group schema (vendored in exports/archimate_schema)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

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
