"""Backup and restore of a whole installation (docs/backup.md): the database, and the secret key on request.

A backup is a gzip-compressed tar archive holding `manifest.json`, the database (`database.sqlite`, copied
with SQLite's online backup API, or `database.pgdump`, written by `pg_dump -Fc`) and, only when asked,
`instance/secret_key`. Everything users upload (datasets, logos, reports) lives in the database; the only
files under instance/ are that key and form uploads kept for an hour between two steps, which are not kept.
Both work while the app is running: SQLite's backup API copies a consistent snapshot page by page, and
pg_dump reads one snapshot. A restore refuses a database that holds any row unless forced.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from app.services.errors import ServiceError
from models import Base

FORMAT = "throughline-backup"
VERSION = 1
# The file under the instance folder that config.py writes when SECRET_KEY is not set (a name, not a key).
SECRET_KEY_FILE = "secret_key"  # noqa: S105
MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(ServiceError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def backup(database_url: str, instance_path: Path, output: Path, *, include_secret_key: bool = False) -> dict:
    """Write the installation to `output` (a .tar.gz); return its manifest."""
    url = make_url(database_url)
    backend = _backend(url)
    key_path = Path(instance_path) / SECRET_KEY_FILE
    with tempfile.TemporaryDirectory(prefix="throughline-backup-") as tmp:
        dump = Path(tmp) / MEMBERS[backend]
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(url), dump)
        else:
            _run([_pg_bin("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), "-d", _libpq(url)],
                 url)
        files = {MEMBERS[backend]: dump.read_bytes()}
        rows = row_counts(f"sqlite:///{dump}") if backend == "sqlite" else row_counts(database_url)
        if include_secret_key and key_path.is_file():
            files[f"instance/{SECRET_KEY_FILE}"] = key_path.read_bytes()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "database": url.render_as_string(hide_password=True),
        "migration": _revision(database_url),
        "rows": rows,
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in files.items()},
        "secret_key": {
            "location": str(key_path) if not os.environ.get("SECRET_KEY") else "the SECRET_KEY environment variable",
            "included": f"instance/{SECRET_KEY_FILE}" in files,
        },
        "not_included": "form uploads kept for an hour between two steps (instance/<area>/)",
    }
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        _add(archive, "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        for name, data in files.items():
            _add(archive, name, data, mode=0o600)
    partial.chmod(0o600)  # it holds every password hash, and maybe the secret key
    partial.replace(output)  # never leave a half-written archive under the real name
    return manifest


def restore(archive_path: Path, database_url: str, instance_path: Path, *, force: bool = False) -> dict:
    """Restore an archive into the database (and the secret key, when it holds one); return what was restored."""
    url = make_url(database_url)
    backend = _backend(url)
    manifest, files = read_archive(Path(archive_path))
    if manifest["backend"] != backend:
        raise BackupError(f"The backup is of a {manifest['backend']} database; this installation uses {backend}. "
                          "Move data between the two with `flask engagement export/import`.")
    held = {name: n for name, n in row_counts(database_url).items() if n}
    if held and not force:
        listed = ", ".join(f"{name}: {n}" for name, n in sorted(held.items()))
        raise BackupError(f"The database is not empty ({listed}); restore with --force to replace everything in it.")
    with tempfile.TemporaryDirectory(prefix="throughline-restore-") as tmp:
        dump = Path(tmp) / MEMBERS[backend]
        dump.write_bytes(files[MEMBERS[backend]])
        if backend == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(dump, target)
        else:
            _run([_pg_bin("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", "--exit-on-error", "-d", _libpq(url), str(dump)], url)
    key = files.get(f"instance/{SECRET_KEY_FILE}")
    key_note = "not in the backup"
    if key is not None:
        key_path = Path(instance_path) / SECRET_KEY_FILE
        if key_path.exists() and key_path.read_bytes() != key and not force:
            key_note = f"in the backup, but {key_path} already holds another key: kept it (use --force to replace)"
        else:
            key_path.parent.mkdir(parents=True, exist_ok=True)
            key_path.write_bytes(key)
            key_path.chmod(0o600)
            key_note = f"restored to {key_path}"
    return {"created_at": manifest["created_at"], "backend": backend, "migration": _revision(database_url),
            "rows": row_counts(database_url), "secret_key": key_note, "replaced": held}


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files of a backup archive, checked against the manifest's sizes and checksums."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = json.loads(_member(archive, "manifest.json"))
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise BackupError(f"{path} is not a Throughline backup (version {VERSION}).")
            files = {name: _member(archive, name) for name in manifest["files"]}
    except (OSError, tarfile.TarError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is not a readable Throughline backup: {exc}.") from None
    for name, data in files.items():
        if hashlib.sha256(data).hexdigest() != manifest["files"][name]["sha256"]:
            raise BackupError(f"{path}: {name} does not match its checksum; the archive is damaged.")
    if MEMBERS.get(manifest.get("backend")) not in files:
        raise BackupError(f"{path} holds no database.")
    return manifest, files


def row_counts(database_url: str) -> dict[str, int]:
    """Rows of each table the app knows that exists in the database (a fresh database: none)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {t.name: conn.scalar(select(func.count()).select_from(t))
                    for t in Base.metadata.sorted_tables if t.name in present}
    finally:
        engine.dispose()


def _revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    # The backup API copies a consistent snapshot even while the app writes, and restores the same way into a
    # file the app may have open (it takes the write lock for the copy).
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)  # as_uri escapes ? and # in names
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def _pg_bin(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest /usr/lib/postgresql/*/bin (like tests/support/pgcluster)."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (apt-get install postgresql-client).")
    return found


def _libpq(url: URL) -> str:
    # libpq reads the same URL without the SQLAlchemy driver; the password goes in the environment instead.
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


def _add(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    # Read by exact name only: nothing in the archive is ever extracted to a path it chooses.
    handle = archive.extractfile(name)
    if handle is None:
        raise BackupError(f"{name} is not a file in the archive.")
    return handle.read()
