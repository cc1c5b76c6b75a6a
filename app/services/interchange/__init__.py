"""Files exchanged with other tools: ArchiMate exchange XML, ReqIF and MADR.

- `archimate_export`, `archimate_import` (elements; relationships in `archimate_import_relationships`),
  `archimate_mapping`: ArchiMate exchange files (docs/archimate.md);
- `documents`: requirements as ReqIF and decisions as MADR records (docs/interchange.md).
"""
