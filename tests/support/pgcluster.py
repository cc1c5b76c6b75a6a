"""A throwaway PostgreSQL cluster for the test run: initdb into a temp dir, Unix socket only."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the server would not start."""


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise PostgresUnavailable(f"{name} not found (install PostgreSQL server binaries: apt-get install postgresql)")


class Cluster:
    """Start with start(), read .url, stop with stop()."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="throughline-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.url = ""
        self._runas: list[str] = []

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._runas, *args], capture_output=True, text=True, timeout=120)  # noqa: S603
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> str:
        """Create and start the cluster; return its SQLAlchemy URL."""
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        self.sock.mkdir(parents=True)
        if os.geteuid() == 0:
            # initdb refuses to run as root: hand the directory to an unprivileged system user.
            user = _unprivileged_user()
            for path in (self.root, self.sock):
                shutil.chown(path, user=user)
            self._runas = ["runuser", "-u", user, "--"]
        self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "throughline", "-E", "UTF8", "--no-sync")
        options = (
            f"-k {self.sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=60"
        )
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        self.url = f"postgresql+psycopg://throughline@/postgres?host={self.sock}"
        return self.url

    def stop(self) -> None:
        """Stop the server and delete its files."""
        try:
            if self.data.exists():
                self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except PostgresUnavailable:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("no unprivileged user to run PostgreSQL as (create a 'postgres' user)")
