"""Captured datasets: the client's own extracts, validated, profiled and stored as versions.

- `kinds`: the dataset kinds and their columns;
- `files`: reading an uploaded CSV or XLSX into a header and rows;
- `validation`: row-by-row validation into typed columns;
- `profile`: counts, ranges and findings of a validated dataset;
- `store`: typed numpy columns stored as one compressed blob per version;
- `naming`: which dataset an upload versions (by default the system's own dataset of the kind);
- `uploads`: upload, list, load and templates (the use cases views and the CLI call);
"""
