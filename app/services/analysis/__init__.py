"""Analysis of a scenario from the database.

- `scenario`: snapshot loading, rule settings, every analysis of `app.graph`, scenario comparison;
- `diagrams`: resolve what a diagram asks for (names, ids, scenarios) and build the figure;
- `diagram_layout`: remembered layouts of the landscape and entity diagrams (stored in the engagement's
  settings), pins and re-layout.
"""
