"""Engine set-up: SQLite pragmas and immediate write transactions; nothing else touches the engine."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Execution option a caller sets to open a read-only (deferred) transaction on SQLite.
DEFERRED = "throughline_deferred"


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Apply the SQLite settings the workshop needs: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see the "begin" hook).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that later writes cannot wait for the lock (SQLITE_BUSY at once);
        # an immediate one queues on busy_timeout. Reads ask for deferred explicitly.
        if conn.get_execution_options().get(DEFERRED):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
