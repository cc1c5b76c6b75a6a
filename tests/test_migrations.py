"""The Alembic migrations build exactly the schema the models describe, on both databases, and undo cleanly."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from models import Base

# migrations/env.py is Flask-Migrate's stock template, which still calls db.get_engine().
pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


@pytest.fixture
def empty_db_url(db_backend, tmp_path, request):
    """A database with no tables at all (the shared `db_url` already has create_all's schema)."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"throughline_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.replace("/postgres?", f"/{name}?")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrating_app(empty_db_url, tmp_path):
    from app import create_app
    from app.extensions import db

    flask_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_db_url,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield flask_app
    with flask_app.app_context():
        db.engine.dispose()


def _differences(flask_app) -> list:
    from app.extensions import db

    with flask_app.app_context(), db.engine.connect() as conn:
        # Alembic's defaults (compare_type on); server defaults are not compared: on PostgreSQL Alembic
        # compares them with `SELECT a = b`, which JSON columns do not support.
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def _tables(flask_app) -> set[str]:
    from app.extensions import db

    with flask_app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_the_database_starts_empty(migrating_app):
    assert _tables(migrating_app) == set()


def test_upgrade_on_an_empty_database_matches_the_models_exactly(migrating_app):
    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
    assert _tables(migrating_app) == set(Base.metadata.tables)
    assert _differences(migrating_app) == []


def test_downgrade_to_base_drops_everything_and_upgrade_rebuilds_it(migrating_app):
    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
    assert _tables(migrating_app) == set()
    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
    assert _tables(migrating_app) == set(Base.metadata.tables)
    assert _differences(migrating_app) == []


def test_the_migrated_schema_enforces_check_constraints_and_foreign_keys(migrating_app):
    """Constraints exist in the migrated database, not only in create_all's."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.services.engagements import create_engagement
    from models import User

    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
        with Session(db.engine) as s:
            eng = create_engagement(s, "Migrated")
            user = User(email="m@example.com", name="M", password_hash="x")
            s.add(user)
            s.commit()
            insert = text("INSERT INTO memberships (user_id, engagement_id, role) VALUES (:u, :e, :r)")
            with pytest.raises(IntegrityError):
                s.execute(insert, {"u": user.id, "e": eng.id, "r": "superuser"})
            s.rollback()
            with pytest.raises(IntegrityError):
                s.execute(insert, {"u": user.id, "e": eng.id + 999, "r": "owner"})
            s.rollback()
            s.execute(insert, {"u": user.id, "e": eng.id, "r": "owner"})
            s.commit()


def _demo_results(session, engagement) -> dict:
    from app.services.analysis.scenario import analyse
    from app.services.scenarios import list_scenarios

    out = {}
    for scenario in list_scenarios(session, engagement.id):
        result = analyse(session, engagement, scenario)
        out[scenario.name] = (
            repr(result.findings()),
            repr(result.freshness()),
            repr(result.criteria()),
        )
    return out


def test_the_scenario_values_migration_leaves_every_analysis_of_the_demo_unchanged(migrating_app):
    """Findings, freshness and criteria of every scenario, before 0010 and after it, on the demo."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.services.demo import load_demo
    from models import Engagement

    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
        with Session(db.engine) as s:
            engagement = load_demo(s)
            before = _demo_results(s, engagement)
        downgrade(directory=MIGRATIONS, revision="0009_work_heartbeat")
        upgrade(directory=MIGRATIONS)
        with Session(db.engine) as s:
            after = _demo_results(s, s.get(Engagement, engagement.id))
    assert len(before) >= 2 and all(len(v[0]) > 100 for v in before.values())
    assert after == before
