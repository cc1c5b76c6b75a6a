"""The client report: the public names of this package's modules, importable from one place.

What each module holds:
- `options`: `ReportOptions` and `parse_options` (form and command-line values);
- `build`: `build_input` (an engagement's discovery as a `ReportInput`), `make_pdf`, `branding_of`;
- `sections`: the inventory sections (systems, integrations, ownership, freshness, requirements,
  traceability, decisions) and the appendix text;
- `summary`: the executive summary and the scenario ranking behind its recommendation;
- `diagrams`: the Graphviz figures (landscapes, category map, entity flows);
- `compare`: the comparison of two scenarios;
- `jobs`: report jobs (`start_job`, `execute_job`, `get_job`, `list_jobs`) and download names;
- `engines`: the engine runs a report can show (`available_runs`) and the picked runs as sections
  (`engine_results`), built by `engine_atp` (ATP and oversell replay), `engine_routing`, `engine_identity`
  and `engine_returns` with the number formatting and run labels of `engine_format`;
- `branding`: the report's branding per engagement (colours, logo, footer).
"""

from __future__ import annotations

from app.services.reports.build import PDF_TIMEOUT, STATIC_DIR, Progress, branding_of, build_input, make_pdf
from app.services.reports.compare import COMPARED_FINDINGS, DIFF_DIAGRAM_SYSTEMS_UP_TO, MAX_CHANGE_ROWS
from app.services.reports.diagrams import (
    CATEGORY_PAIRS,
    DETAILED_LANDSCAPE_UP_TO,
    DIAGRAM_TIMEOUT,
    ENTITY_DIAGRAM_FLOWS_UP_TO,
    MAX_ENTITY_DIAGRAMS,
    category_map,
)
from app.services.reports.jobs import execute_job, file_name, get_job, list_jobs, start_job
from app.services.reports.options import ReportOptions, parse_options
from app.services.reports.sections import (
    DETAILED_FINDINGS,
    DETAILED_REQUIREMENTS,
    GLOSSARY,
    LEVELS,
    MAX_FINDING_ROWS,
    MAX_FLOW_ROWS,
    MAX_NAMES,
    METHOD,
)
from app.services.reports.summary import KEY_FINDINGS

__all__ = [
    "CATEGORY_PAIRS",
    "COMPARED_FINDINGS",
    "DETAILED_FINDINGS",
    "DETAILED_LANDSCAPE_UP_TO",
    "DETAILED_REQUIREMENTS",
    "DIAGRAM_TIMEOUT",
    "DIFF_DIAGRAM_SYSTEMS_UP_TO",
    "ENTITY_DIAGRAM_FLOWS_UP_TO",
    "GLOSSARY",
    "KEY_FINDINGS",
    "LEVELS",
    "MAX_CHANGE_ROWS",
    "MAX_ENTITY_DIAGRAMS",
    "MAX_FINDING_ROWS",
    "MAX_FLOW_ROWS",
    "MAX_NAMES",
    "METHOD",
    "PDF_TIMEOUT",
    "STATIC_DIR",
    "Progress",
    "ReportOptions",
    "branding_of",
    "build_input",
    "category_map",
    "execute_job",
    "file_name",
    "get_job",
    "list_jobs",
    "make_pdf",
    "parse_options",
    "start_job",
]
