"""`flask engagement export/import` and `flask demo load/setup`, run through the app's CLI runner."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.services.bundle.transfer import export_bundle
from models import Engagement, Membership
from tests.support.bundles import demo_document, row_counts, small_bundle, without_timestamp


def run(app, session, *args, input=None):
    """Invoke a command the way `flask` would; the test session first ends its transaction so it
    holds no snapshot and sees what the command commits."""
    session.commit()
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_export_writes_the_bundle_to_a_file_and_import_makes_a_copy_owned_by_the_given_user(
    app, session, engagement, user, tmp_path
):
    path = tmp_path / "acme.json"
    exported = run(app, session, "engagement", "export", "Acme Retail discovery", "-o", str(path))
    assert exported.exit_code == 0, exported.output
    assert f"Exported engagement {engagement.id} to {path}" in exported.stdout

    imported = run(app, session, "engagement", "import", str(path), "--owner", user.email.upper())
    assert imported.exit_code == 0, imported.output
    copy = session.scalars(select(Engagement).order_by(Engagement.id.desc())).first()
    assert imported.stdout.strip() == f"Imported engagement {copy.id}: Acme Retail discovery"
    assert session.scalar(select(Membership.role).where(Membership.engagement_id == copy.id)) == "owner"
    assert without_timestamp(export_bundle(session, copy)) == without_timestamp(json.loads(path.read_text()))


def test_export_to_a_dash_prints_the_json_on_stdout(app, session, engagement):
    result = run(app, session, "engagement", "export", str(engagement.id), "-o", "-")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["format"] == "throughline-bundle" and document["engagement"]["name"] == "Acme Retail discovery"


def test_export_without_a_file_names_it_after_the_engagement(app, session, engagement, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(app, session, "engagement", "export", str(engagement.id))
    assert result.exit_code == 0
    assert (tmp_path / "acme-retail-discovery.throughline.json").is_file()


def test_exporting_an_unknown_engagement_fails_cleanly(app, session):
    result = run(app, session, "engagement", "export", "Nobody", "-o", "-")
    assert result.exit_code == 1
    assert "No engagement with id or name 'Nobody'" in result.stderr


def test_an_invalid_bundle_prints_each_json_path_and_saves_nothing(app, session, engagement, tmp_path):
    document = small_bundle()
    document["flows"][0]["source_id"] = "nowhere"
    document["systems"][0]["category"] = "mainframe"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    before = row_counts(session)
    result = run(app, session, "engagement", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: $.systems[0].category: Must be one of: ecommerce, oms") for line in lines)
    assert row_counts(session) == before


def test_a_file_that_is_not_json_is_reported_with_its_position(app, session, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("format: bundle\n")
    result = run(app, session, "engagement", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: $: Invalid JSON at line 1, column 1: Expecting value."


def test_import_reads_standard_input_and_refuses_an_unknown_owner(app, session):
    text = json.dumps(small_bundle())
    refused = run(app, session, "engagement", "import", "-", "--owner", "ghost@example.com", input=text)
    assert refused.exit_code == 1 and "No user with email ghost@example.com" in refused.stderr
    assert session.scalar(select(Engagement.id)) is None
    accepted = run(app, session, "engagement", "import", "-", "--json", input=text)
    assert accepted.exit_code == 0
    assert json.loads(accepted.stdout)["name"] == "Small Co discovery"


def test_demo_load_imports_another_copy_each_time(app, session, user):
    for _ in range(2):
        result = run(app, session, "demo", "load", "--owner", user.email)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Loaded demo engagement ")
    names = session.scalars(select(Engagement.name)).all()
    assert names == [demo_document()["engagement"]["name"]] * 2


def test_demo_setup_prints_the_login_once_then_says_it_is_already_set_up(app, session):
    first = run(app, session, "demo", "setup")
    assert first.exit_code == 0
    assert "Log in as demo@throughline.local with password: " in first.stdout
    second = run(app, session, "demo", "setup")
    assert second.exit_code == 0
    assert "already set up" in second.stdout and "password" not in second.stdout
