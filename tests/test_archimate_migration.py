"""Migration 0011: an imported model's unknown values and kept views survive upgrade, and a downgrade gives the
old defaults back to values nobody stated (the columns are NOT NULL again), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.support.archimate import ARCHISURANCE
from tests.test_migrations import MIGRATIONS, empty_db_url, migrating_app  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")


def test_downgrading_0011_fills_unknown_values_with_the_old_defaults_and_drops_the_kept_views(migrating_app):  # noqa: F811
    from app.extensions import db
    from app.services.interchange.archimate_import import import_archimate

    with migrating_app.app_context():
        upgrade(directory=MIGRATIONS)
        engagement_id = import_archimate(db.session, ARCHISURANCE.read_bytes()).engagement.id
        query = text("SELECT DISTINCT hosting, lifecycle, category FROM systems s JOIN elements e ON e.id = s.id "
                     "WHERE e.engagement_id = :e")
        assert db.session.execute(query, {"e": engagement_id}).all() == [(None, None, None)]
        assert db.session.execute(text("SELECT count(*) FROM archimate_views")).scalar() == 17
        db.session.commit()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0010_scenario_values")
        assert db.session.execute(query, {"e": engagement_id}).all() == [("saas", "active", "custom")]
        statuses = db.session.execute(text("SELECT DISTINCT status FROM decisions")).scalars().all()
        assert statuses == ["proposed"]
        db.session.remove()  # SQLite: the session's transaction holds the write lock inspect() would wait for
        assert "archimate_views" not in inspect(db.engine).get_table_names()
        upgrade(directory=MIGRATIONS)
        assert {"archimate_models", "archimate_views"} <= set(inspect(db.engine).get_table_names())
