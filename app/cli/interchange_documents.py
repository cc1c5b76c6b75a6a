"""`export reqif`, `export adr` and `export mermaid`: requirements, decision records and diagrams as files."""

from __future__ import annotations
