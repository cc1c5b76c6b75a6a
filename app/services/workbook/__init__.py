"""The spreadsheet workbook (docs/workbook.md): an engagement exported to XLSX or CSV, and imported back.

- `export`: the workbook of an engagement and the empty template;
- `importer`: a workbook into an existing engagement, all or nothing, with a dry run: `import_workbook` (the
  entry point) and the order of the work. The work itself:
  - `state`: one import run's shared state (`ImportRun`): the collaborators below, the rows awaiting links;
  - `report`: the import report (`ImportReport`, `SheetResult`, `RowResult`) and the row log that fills it;
  - `index`: every object of the engagement, loaded once and indexed by name, ref, title, flow key, link;
  - `resolve`: names and refs in cells resolved to objects, a row's cells -> a save_element payload;
  - `saving`: rows saved through save_element (flushed per sheet), or validated and planned in a dry run;
  - `sheets`: the scenarios, named (channels, entities, stakeholders, systems), flows and ownership sheets;
  - `scenario_rows`: rows naming a scenario (systems, flows, ownership): the values an object holds there;
  - `numbered`: the requirements and decisions sheets (REQ-n / ADR-n), supersession and the ref counters;
  - `links`: trace links named by the requirements and decisions sheets;
  - `mapping`: sheets -> element kinds, columns -> fields, link columns, message nouns, ref patterns;
  - `cells`: cell values as the importer reads them (text, lists with their escapes, yes/no, choice codes);
  - `vocab`: the choice fields' vocabularies read tolerantly, with the synonyms clients write.
"""
