"""The versioned JSON bundle of a whole engagement (docs/bundle-format.md).

- `transfer`: export, parse and import (all or nothing);
- `checks`: envelope, JSON Schema (`schema.json`) and reference checks before anything is written;
- `quick_schema`: a fast "certainly valid" check compiled from the schema, before jsonschema;
- `importer`: writes a checked bundle through the ordinary services' rules, a collection at a time in bulk;
- `datasets`: the optional `datasets` and `atp_rules` sections;
- `extras`: the optional engagement-settings sections (rule settings, diagram layouts, routing cost models,
  report branding);
- `runs`: the optional `engine_runs` section;
- `coverage`: which tables the bundle carries and which it leaves behind, and why.
"""
