"""`flask backup` / `flask restore`: a whole installation into an archive and back into a fresh database."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from sqlalchemy import create_engine, select, text

from app.services.backup import BackupError, backup, read_archive, restore, row_counts
from app.services.bundle.transfer import export_bundle
from app.services.demo import load_demo
from models import Engagement
from tests.support.bundles import without_timestamp


@pytest.fixture
def fresh_url(db_backend, tmp_path, request):
    """A second, empty database on the same backend (no tables at all)."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    server = request.getfixturevalue("pg_server")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS throughline_restored"))
        conn.execute(text("CREATE DATABASE throughline_restored"))
    yield server.replace("/postgres?", "/throughline_restored?")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS throughline_restored WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def installed(app, session, user):
    """An installation holding the demo engagement with its datasets; the session's work committed."""
    demo = load_demo(session, owner=user)
    session.commit()
    return app, demo


def _exports(url: str) -> list[dict]:
    from sqlalchemy.orm import Session

    engine = create_engine(url)
    try:
        with Session(engine) as s:
            engagements = s.scalars(select(Engagement).order_by(Engagement.id))
            return [without_timestamp(export_bundle(s, e)) for e in engagements]
    finally:
        engine.dispose()


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_the_same_engagements(installed, fresh_url,
                                                                                           tmp_path):
    app, _demo = installed
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    archive = tmp_path / "site.tar.gz"
    manifest = backup(url, tmp_path / "instance", archive)
    assert manifest["rows"] == row_counts(url) and manifest["rows"]["engagements"] == 1
    assert manifest["secret_key"]["included"] is False
    assert (archive.stat().st_mode & 0o777) == 0o600

    done = restore(archive, fresh_url, tmp_path / "elsewhere")
    assert done["rows"] == row_counts(url)
    assert done["replaced"] == {} and done["secret_key"] == "not in the backup"
    assert _exports(fresh_url) == _exports(url)


def test_a_restore_refuses_a_database_that_holds_data_unless_forced(installed, tmp_path):
    app, demo = installed
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    archive = tmp_path / "site.tar.gz"
    backup(url, tmp_path / "instance", archive)
    before = row_counts(url)
    with pytest.raises(BackupError, match=r"not empty \(.*engagements: 1.*--force"):
        restore(archive, url, tmp_path / "instance")
    assert row_counts(url) == before

    done = restore(archive, url, tmp_path / "instance", force=True)
    assert done["replaced"] == {k: v for k, v in before.items() if v}
    assert row_counts(url) == before


def test_the_secret_key_travels_only_when_asked_and_never_overwrites_another_unforced(installed, fresh_url, tmp_path):
    app, _demo = installed
    source = tmp_path / "instance"
    source.mkdir()
    (source / "secret_key").write_text("k" * 64)
    plain = backup(app.config["SQLALCHEMY_DATABASE_URI"], source, tmp_path / "plain.tar.gz")
    assert plain["secret_key"] == {"location": str(source / "secret_key"), "included": False}
    keyed = backup(app.config["SQLALCHEMY_DATABASE_URI"], source, tmp_path / "keyed.tar.gz", include_secret_key=True)
    assert keyed["secret_key"]["included"] is True

    target = tmp_path / "target-instance"
    target.mkdir()
    (target / "secret_key").write_text("other")
    done = restore(tmp_path / "keyed.tar.gz", fresh_url, target)
    assert "already holds another key" in done["secret_key"] and (target / "secret_key").read_text() == "other"
    (target / "secret_key").unlink()
    done = restore(tmp_path / "keyed.tar.gz", fresh_url, target, force=True)
    assert (target / "secret_key").read_text() == "k" * 64 and done["secret_key"].startswith("restored to")


def test_a_damaged_or_foreign_archive_is_refused_with_the_reason(installed, tmp_path, fresh_url):
    app, _demo = installed
    archive = tmp_path / "site.tar.gz"
    backup(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, archive)
    manifest, files = read_archive(archive)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as out:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *files.items()]:
            info = tarfile.TarInfo(name)
            data = data if name == "manifest.json" else data[:-1] + bytes([data[-1] ^ 0xFF])
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(tampered, fresh_url, tmp_path)
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="not a readable Throughline backup"):
        restore(tmp_path / "junk.tar.gz", fresh_url, tmp_path)
    other = "postgresql+psycopg://nobody@/x" if manifest["backend"] == "sqlite" else f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(BackupError, match="this installation uses"):
        restore(archive, other, tmp_path)


def test_flask_backup_and_restore_say_what_they_did(installed, fresh_url, tmp_path):
    from app import create_app

    app, _demo = installed
    archive = tmp_path / "cli.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert made.exit_code == 0, made.output
    assert f"(1 engagements, 1 users) to {archive}" in made.output and "not included" in made.output

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x",
                        "SQLALCHEMY_ENGINE_OPTIONS": {}, "INSTANCE_PATH": str(tmp_path / "other")})
    done = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert done.exit_code == 0, done.output
    assert "Restored the" in done.output and "1 engagements, 1 users" in done.output
    again = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output and "--force" in again.output
    from app.extensions import db

    with other.app_context():
        db.engine.dispose()
