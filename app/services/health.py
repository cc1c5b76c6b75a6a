"""What the health endpoint checks: the database answers, and its schema is at the migration this code expects."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@cache  # the migrations shipped with the code do not change while it runs; a monitor calls this every few seconds
def expected_revision() -> str | None:
    """The head revision of the migrations shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def check(session: Session) -> dict[str, str]:
    """{"status": "ok" | "fail", "database": …, "migration": …}: never raises, never shows engagement data."""
    report = {"status": "ok", "database": "ok"}
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        session.rollback()
        return {"status": "fail", "database": f"unreachable or not migrated ({type(exc).__name__})"}
    expected = expected_revision()
    report["migration"] = current or "none"
    if current != expected:
        report["status"] = "fail"
        report["migration"] = f"{current or 'none'}; this code expects {expected}: run `make migrate`"
    return report
