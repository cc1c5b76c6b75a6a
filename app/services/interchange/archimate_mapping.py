"""The ArchiMate mapping shared by export and import: which Throughline field carries an element's name and
documentation, which fields the model's structure carries, and how list properties are written.

The element types and relationship types themselves are in exports.archimate; the mapping: docs/archimate.md.
"""

from __future__ import annotations

from exports.archimate import ELEMENT_TYPE

# The field holding each kind's ArchiMate documentation; the name (or title) field is the ArchiMate name.
DOC_FIELD = {
    "channel": "description",
    "entity": "description",
    "system": "notes",
    "flow": "notes",
    "requirement": "text",
    "decision": "context",
    "generic": "documentation",
}
NAME_FIELD = {"requirement": "title", "decision": "title"}
# Fields carried by the structure of the model rather than as properties.
STRUCTURAL = {
    "system": {"channel_ids", "scenario_ids"},
    "flow": {"source_id", "target_id", "scenario_ids"},
    "ownership": {"system_id", "entity_id", "scenario_ids"},
    "generic": {"archimate_type", "properties", "scenario_ids"},
}
REF_PROPERTY = "Ref"  # REQ-n / ADR-n
LIST_SEPARATOR = "; "  # items holding ";" or "\\" are escaped as in the workbook (exports/workbook/lists.py)
# ArchiMate element type -> the Throughline kind an imported element of that type may become.
KIND_OF_TYPE = {archimate_type: kind for kind, archimate_type in ELEMENT_TYPE.items()}
