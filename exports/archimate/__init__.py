"""The Open Group ArchiMate 3 Model Exchange File Format: an engagement model in, exchange XML bytes out.

Pure: the caller (app/services/interchange/archimate_export.py) turns the database into the dataclasses
below; this module decides the ArchiMate types, identifiers, relationships, plateaus and the generated view,
and writes the XML with lxml (which escapes every name and text). The mapping is documented in
docs/archimate.md; the import side (exports/archimate_import.py and the service) reads the same tables, so
export -> import -> export is stable.

The package: `model` (mapping tables, dataclasses, identifiers), `writer` (`export_model` and the generated
view), `layout` (the view's node positions) and `validation` (the exchange schema).
"""

# Every public name of the module this package replaced stays importable from here.
# ruff: noqa: F401

from __future__ import annotations

from exports.archimate.layout import (
    LAYOUT_MAX_EDGES,
    LAYOUT_MAX_NODES,
    LAYOUT_TIMEOUT_SECONDS,
    NODE_H,
    NODE_W,
    graphviz_positions,
    grid_positions,
    parse_plain,
)
from exports.archimate.model import (
    ACCESS_TYPE,
    ELEMENT_TYPE,
    LEGACY_TRACE_TYPE,
    NS,
    TRACE_TYPE,
    XSI,
    XSI_TYPE,
    Item,
    Link,
    Model,
    Plateau,
    clean_text,
    element_type,
    generated_id,
    serving_id,
)
from exports.archimate.validation import SCHEMA_DIR, holdings, schema, schema_errors
from exports.archimate.writer import SCHEMA_LOCATION, export_model
