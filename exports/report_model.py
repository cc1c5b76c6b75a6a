"""Plain data the report renderer consumes: branding, tables, figures and engine results (no Flask, no ORM).

Services build these from the database; `exports.report` turns them into HTML and PDF. Every string here is
user or computed text and is escaped by the templates; only `Figure.svg` is markup, and it must come from our
own generators (Graphviz output of escaped DOT, `exports.charts`), never from user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Branding:
    """The consultant firm's look for one engagement's reports."""

    firm_name: str = "Throughline"
    primary_colour: str = "#1f3a5f"  # "#rrggbb", validated by the service that stores it
    accent_colour: str = "#d9822b"
    logo: bytes | None = None  # PNG, JPEG or SVG bytes, embedded as a data: URI
    logo_media_type: str | None = None  # "image/png" | "image/jpeg" | "image/svg+xml"
    footer_text: str = ""  # e.g. "Confidential — prepared for Northwind Living"


@dataclass(frozen=True)
class Table:
    """A table of already-formatted cells; `numeric` lists the column indexes to right-align."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A vector figure (SVG markup from our own generators) with its caption."""

    svg: str
    caption: str = ""


@dataclass(frozen=True)
class EngineResult:
    """One stored engine run as the report shows it: key figures, a plain-words summary, charts, tables."""

    kind: str  # "atp" | "replay" | "routing" | "identity" | "returns"
    title: str
    run_label: str  # e.g. "Run 12 · Target A — central OMS · 2026-11-20 14:02"
    scenario: str
    summary: str
    headline: tuple[tuple[str, str], ...] = ()  # (label, formatted value)
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = field(default=())
