"""The catalogue: elements, their fields, history, trace links, matrices and quick capture.

- `fields`: declarative field specs per element kind (clean, apply, snapshot);
- `elements`: create, update and delete any element kind, with versioning and the change log;
- `listing`: one page of a kind's list (filtered, sorted, relationships loaded at once) and its filter choices;
- `browse`: what pages show around an element (related objects, link candidates, ArchiMate relationships,
  reference-field options, channel names);
- `history`: the change log, undoing deletes, reverting to a version;
- `trace`, `traceability`: trace links, the requirements × decisions matrix and suspect links;
- `ownership_matrix`: entities × systems of one scenario;
- `capture`: quick capture (preview a typed line, apply it all or nothing).
"""
