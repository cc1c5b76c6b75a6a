"""`flask workbook import/export/template`, run through the app's CLI runner on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.demo import load_demo
from app.services.engagements import create_engagement
from exports import workbook as wb
from exports.workbook import read_cells
from models import Change, System
from tests.support.bundles import row_counts
from tests.support.workbooks import SYSTEMS, csv_zip, inventory, xlsx


def run(app, session, *args):
    """Invoke a command as `flask` would; the test session first ends its transaction to see what it commits."""
    session.commit()
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("suffix", ["xlsx", "zip"])
def test_export_then_import_into_an_empty_engagement_then_export_gives_the_same_cells(app, session, tmp_path, suffix):
    demo = load_demo(session)
    create_engagement(session, "Copy", seed=False)
    first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"

    exported = run(app, session, "workbook", "export", str(demo.id), "-o", str(first))
    assert exported.exit_code == 0, exported.output
    assert exported.stdout.strip() == f"Exported engagement {demo.id} to {first}"
    imported = run(app, session, "workbook", "import", "Copy", str(first))
    assert imported.exit_code == 0, imported.output
    assert "Imported into engagement" in imported.stdout and "0 unchanged." in imported.stdout
    assert run(app, session, "workbook", "export", "Copy", "-o", str(second)).exit_code == 0
    assert read_cells(second.read_bytes()) == read_cells(first.read_bytes())


def test_a_dry_run_prints_the_report_and_saves_nothing(app, session, engagement, tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(inventory())
    before = row_counts(session)
    result = run(app, session, "workbook", "import", str(engagement.id), str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "systems: 3 to create, 0 to update, 0 unchanged" in lines
    assert "  create: row 2: SAP ECC" in lines
    assert lines[-1] == "Dry run: 7 created, 0 updated, 0 unchanged; nothing was saved."
    assert row_counts(session) == before


def test_import_applies_records_the_user_and_a_second_import_changes_nothing(app, session, engagement, user, tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(inventory())
    result = run(app, session, "workbook", "import", "Acme Retail discovery", str(path), "--user", user.email)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[-1]
        == f"Imported into engagement {engagement.id}: 7 created, 0 updated, 0 unchanged."
    )
    assert {c.user_id for c in session.scalars(select(Change))} == {user.id}
    again = run(app, session, "workbook", "import", str(engagement.id), str(path), "-v")
    assert again.stdout.splitlines()[-1].endswith("0 created, 0 updated, 7 unchanged.")
    assert "  unchanged: row 2: SAP ECC" in again.stdout


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"not a workbook", "not an .xlsx workbook", id="not-a-workbook"),
        pytest.param(csv_zip({"systems.csv": b"0" * (wb.MAX_UNCOMPRESSED_BYTES + 1)}), "unpacks to", id="zip-bomb"),
        pytest.param(xlsx({"Sheet1": [["a"]]}), "None of the known sheets", id="no-known-sheet"),
        pytest.param(
            inventory(systems=[SYSTEMS[0], ["=A1", "erp"]]),
            "error: systems, row 2, column name: Holds a formula",
            id="formula",
        ),
        pytest.param(
            xlsx({"systems": [["name", "category", "notes"], ["A", "erp", "x" * 10_000_000]]}),
            "error: systems, row 2, column notes: Longer than 20000",
            id="10-MB-cell",
        ),
        pytest.param(
            csv_zip({"systems.csv": b"name,category\n\xff,erp\n"}),
            "error: systems, row 2: systems.csv is not valid UTF-8",
            id="invalid-utf8",
        ),
        pytest.param(
            xlsx({"systems": [["name", "vendor"]]}), "required column category is missing", id="missing-column"
        ),
    ],
)
def test_bad_input_exits_non_zero_with_the_problem_and_saves_nothing(app, session, engagement, tmp_path, data, message):
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    before = row_counts(session)
    result = run(app, session, "workbook", "import", str(engagement.id), str(path))
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.splitlines()[-1].endswith("nothing was saved.")
    assert row_counts(session) == before


def test_warnings_are_printed_but_do_not_fail_the_import(app, session, engagement, tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(xlsx({"systems": [["name", "category", "Comments"], ["SAP", "erp", "x"]], "Budget": [["a"]]}))
    result = run(app, session, "workbook", "import", str(engagement.id), str(path))
    assert result.exit_code == 0
    assert "warning: systems, row 1: Unknown column “Comments”" in result.stderr
    assert "warning: workbook: The sheet “Budget” is not part of the template" in result.stderr
    assert session.scalar(select(System.name)) == "SAP"


def test_export_needs_a_known_extension_and_an_existing_engagement(app, session, engagement, tmp_path):
    wrong = run(app, session, "workbook", "export", str(engagement.id), "-o", str(tmp_path / "x.csv"))
    assert wrong.exit_code == 2 and "Name the file .xlsx" in wrong.output
    missing = run(app, session, "workbook", "export", "Nobody", "-o", str(tmp_path / "x.xlsx"))
    assert missing.exit_code == 1 and "No engagement with id or name 'Nobody'" in missing.stderr


def test_the_template_command_writes_the_empty_template(app, session, tmp_path):
    path = tmp_path / "template.xlsx"
    result = run(app, session, "workbook", "template", "-o", str(path))
    assert result.exit_code == 0
    assert list(read_cells(path.read_bytes()))[:2] == ["Instructions", "systems"]


def test_the_dry_run_prints_a_note_for_every_loose_reading(app, session, engagement, tmp_path):
    path = tmp_path / "client.xlsx"
    path.write_bytes(xlsx({"systems": [["name", "category", "hosting"], ["ESB", "iPaaS/ESB", "on prem"]]}))
    result = run(app, session, "workbook", "import", str(engagement.id), str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "note: systems, column category: read 'iPaaS/ESB' as iPaaS / ESB (row 2)" in result.stdout.splitlines()
    assert "note: systems, column hosting: read 'on prem' as On-premises (row 2)" in result.stdout.splitlines()
