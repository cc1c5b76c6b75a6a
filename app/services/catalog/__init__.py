"""The catalogue: elements, their fields, history, trace links, matrices and quick capture.

- `fields`: declarative field specs per element kind (apply, snapshot; `clean` re-exported);
- `field_cleaning`: cleaning input per field type (`clean`, one checker per type of field);
- `elements`: create, update and delete any element kind, with versioning and the change log;
- `bulk_insert`: many new elements (built by `elements.save_element`) inserted with one INSERT per table;
- `listing`: one page of a kind's list (filtered, sorted, relationships loaded at once) and its filter choices;
- `fuzzy`: names close to a typed text (typos, partial words), for the lists' search and the jump-to search;
- `history_view`: the change log filtered, paged and in words (names for ids, labels for codes);
- `browse`: what pages show around an element (related objects, link candidates, ArchiMate relationships,
  reference-field options, channel names);
- `scenario_values`: the values an element holds in one scenario only, editing in one or all scenarios;
  `scenario_refs`: those values around a delete and its undo;
- `scenario_view`: elements as the scenario in view sees them (rows and detail pages with its own values marked,
  edits from such a page saved into it through `scenario_values`);
- `value_text`: per-scenario values in words and the fields that differ; `scenario_set`: set per-scenario values
  from text (the `scenario set` command);
- `history`: the change log, undoing deletes, reverting to a version;
- `decision_status`: each decision's effective status (superseded once a decision that took effect supersedes
  it; the rule is `app.graph.decision_status`), and the list's status filter and sort on it;
- `trace`, `traceability`: trace links, the requirements × decisions matrix and suspect links;
- `ownership_matrix`: entities × systems of one scenario;
- `capture`: quick capture (preview a typed line, apply it all or nothing), built from `capture_preview` (the
  preview's dataclasses), `capture_resolve` (names looked up in the catalog), `capture_lines` (one builder
  per kind of line), `capture_elements` (`System:`/`Channel:`/`Entity:` lines and a bare name) and
  `capture_flow_update` (a line naming a flow the scenario in view has changes it there).
"""
