"""Fixtures: the app on SQLite and on PostgreSQL, sessions, users, engagements, logged-in clients.

Every test that asks for `app`, `session` or a client runs once per database backend.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.support.pgcluster import Cluster, PostgresUnavailable

# config.py reads THROUGHLINE_INSTANCE once, when first imported, and may keep a generated secret key there:
# one folder for the whole run (never a developer's own instance/), removed when the run ends. Each app
# fixture's own instance folder is under the test's tmp_path.
_RUN_INSTANCE = tempfile.TemporaryDirectory(prefix="throughline-instance-")
os.environ["THROUGHLINE_INSTANCE"] = _RUN_INSTANCE.name

BACKENDS = ("sqlite", "postgresql")
_BACKEND_ID = re.compile(r"\[(?:.*-)?(sqlite|postgresql)(?:-.*)?\]$")
_ran = Counter()


def pytest_unconfigure(config):
    _RUN_INSTANCE.cleanup()


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        wanted = os.environ.get("THROUGHLINE_TEST_BACKENDS", ",".join(BACKENDS)).split(",")
        metafunc.parametrize("db_backend", [b for b in BACKENDS if b in wanted], indirect=True, scope="session")


@pytest.fixture(scope="session")
def db_backend(request):
    return request.param


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole run: THROUGHLINE_TEST_PG_URL, or a throwaway cluster."""
    url = os.environ.get("THROUGHLINE_TEST_PG_URL")
    if url:
        yield url
        return
    cluster = Cluster()
    try:
        yield cluster.start()
    except PostgresUnavailable as exc:
        pytest.exit(f"\n\n*** PostgreSQL could not start: {exc}\n*** The suite must run on both databases.\n", 3)
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def _schema_template(db_backend, tmp_path_factory, request):
    """Create the schema once per backend; tests get a copy (SQLite) or a truncated database (PostgreSQL)."""
    from models import Base

    if db_backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
        engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        engine.dispose()
        return str(path)
    url = request.getfixturevalue("pg_server")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS throughline_test"))
        conn.execute(text("CREATE DATABASE throughline_test"))
    engine.dispose()
    test_url = url.replace("/postgres?", "/throughline_test?")
    engine = create_engine(test_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return test_url


@pytest.fixture
def db_url(db_backend, _schema_template, tmp_path):
    """A clean database with the schema, for one test."""
    if db_backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(_schema_template, path)
        yield f"sqlite:///{path}"
        return
    yield _schema_template
    from models import Base

    engine = create_engine(_schema_template)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(db_url, tmp_path):
    from app import create_app

    flask_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": db_url,
            "SECRET_KEY": "test-secret",
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "INSTANCE_PATH": str(tmp_path / "instance"),
            # Cheap hashes keep the suite fast; production cost is the library default.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
    )
    # No app context stays pushed: each request (and each CLI call) gets its own, with its own
    # database session, exactly as in production.
    yield flask_app
    from app.extensions import db

    with flask_app.app_context():
        db.engine.dispose()


@pytest.fixture
def engine(app):
    from app.extensions import db

    with app.app_context():
        return db.engine


@pytest.fixture
def session(engine):
    """The test's own database session. Its transactions are deferred on SQLite, so it never holds
    the write lock that a request of the test client needs; the Browser commits it before each request."""
    from sqlalchemy.orm import Session

    from app.database import DEFERRED

    s = Session(engine.execution_options(**{DEFERRED: True}))
    yield s
    s.close()


@pytest.fixture
def make_user(session):
    from app.services.accounts import create_user

    def make(email="consultant@example.com", name="Casey Consultant", password="correct horse", **kw):
        return create_user(session, email, name, password, **kw)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def engagement(session, user):
    from app.services.engagements import create_engagement

    return create_engagement(session, "Acme Retail discovery", client="Acme Retail", owner=user)


class Browser:
    """A test client that logs in like a person and sends the CSRF token on unsafe requests, as htmx does."""

    def __init__(self, client, session=None):
        self.client = client
        self.csrf = None
        self.session = session

    def _fresh(self):
        # End the test session's transaction so it sees what the request commits (and holds no snapshot).
        if self.session is not None:
            self.session.commit()

    def login(self, email, password="correct horse"):
        self._fresh()
        page = self.client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        resp = self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        home = self.client.get("/")
        self.csrf = _csrf_from(home.get_data(as_text=True))
        return resp

    def get(self, url, htmx=False, **kw):
        self._fresh()
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(url, headers=headers, **kw)

    def _unsafe(self, method, url, htmx=False, csrf=True, **kw):
        self._fresh()
        headers = kw.pop("headers", {})
        if csrf and self.csrf:
            headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        return getattr(self.client, method)(url, headers=headers, **kw)

    def post(self, url, **kw):
        return self._unsafe("post", url, **kw)

    def put(self, url, **kw):
        return self._unsafe("put", url, **kw)

    def delete(self, url, **kw):
        return self._unsafe("delete", url, **kw)


def _csrf_from(html: str) -> str | None:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    return match.group(1) if match else None


@pytest.fixture
def browser(app, user, session):
    b = Browser(app.test_client(), session)
    b.login(user.email)
    return b


@pytest.fixture
def make_browser(app, session):
    """Log another user in, in a browser of their own."""

    def make(user):
        b = Browser(app.test_client(), session)
        b.login(user.email)
        return b

    return make


@pytest.fixture
def anonymous(app, session):
    return Browser(app.test_client(), session)


def pytest_runtest_logreport(report):
    # Counted from the reports (not in the db fixture): with pytest-xdist the tests run in worker processes and
    # only their reports reach the process that prints the summary.
    found = _BACKEND_ID.search(report.nodeid) if report.when == "call" else None
    if found:
        _ran[found.group(1)] += 1


def pytest_terminal_summary(terminalreporter):
    if _ran:
        parts = ", ".join(f"{name}: {_ran[name]} tests" for name in BACKENDS if _ran[name])
        terminalreporter.write_line(f"databases exercised — {parts}")
        missing = [b for b in BACKENDS if not _ran[b]]
        if missing and not os.environ.get("THROUGHLINE_TEST_BACKENDS"):
            terminalreporter.write_line(f"*** NOT RUN ON: {', '.join(missing)} ***", red=True, bold=True)


