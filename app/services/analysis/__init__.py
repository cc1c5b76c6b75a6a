"""Analysis of a scenario from the database.

- `scenario`: snapshot loading, rule settings, every analysis of `app.graph`, scenario comparison;
- `value_diff`: what differs between scenarios value by value (field by field, in words, a fixed number of queries);
- `compare_several`: two or more scenarios side by side, each against the first;
- `diagrams`: resolve what a diagram asks for (names, ids, scenarios) and build the figure;
- `diagram_layout`: remembered layouts of the landscape and entity diagrams (stored in the engagement's
  settings), pins and re-layout.
"""
