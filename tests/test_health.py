"""`/healthz` tells a load balancer whether this server can answer, without a login and without client data."""

from __future__ import annotations

from sqlalchemy import text

from app.services.health import expected_revision


def test_a_database_without_the_migrations_applied_is_reported_unhealthy(anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "fail"


def test_a_database_at_the_codes_migration_is_healthy_and_nothing_else_is_shown(anonymous, session):
    session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": expected_revision()})
    session.commit()
    try:
        response = anonymous.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "database": "ok", "migration": expected_revision()}
    finally:
        session.execute(text("DROP TABLE alembic_version"))
        session.commit()


def test_a_database_behind_the_code_names_the_command_that_fixes_it(anonymous, session):
    session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    session.execute(text("INSERT INTO alembic_version VALUES ('0001_old')"))
    session.commit()
    try:
        body = anonymous.get("/healthz").get_json()
        assert body["status"] == "fail" and "make migrate" in body["migration"]
    finally:
        session.execute(text("DROP TABLE alembic_version"))
        session.commit()
