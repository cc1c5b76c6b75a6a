"""The spreadsheet workbook (docs/workbook.md): an engagement exported to XLSX or CSV, and imported back.

- `export`: the workbook of an engagement and the empty template;
- `importer`: a workbook into an existing engagement, all or nothing, with a dry run.
"""
