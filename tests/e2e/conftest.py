"""Browser tests: the real app served on 127.0.0.1 in a thread, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
# A shared 2-core machine running the suite can take longer than Playwright's 5 s default to answer a keystroke;
# these waits are for a state that does arrive, so a generous limit costs nothing when things are quick.
WAIT_MS = 20_000


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's Chromium is missing: apt-get install chromium (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path):
    """The app on a fresh SQLite file with a consultant and the demo engagement, served on a free port."""
    from app import create_app
    from app.extensions import db
    from app.services.accounts import create_user
    from app.services.demo import load_demo
    from models import Base

    instance = str(tmp_path / "instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite'}",
            "SECRET_KEY": "e2e-secret",
            "SESSION_COOKIE_SECURE": False,
            "INSTANCE_PATH": instance,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        engine = db.engine
    with Session(engine) as session:
        ana = create_user(session, "ana@agency.example", "Ana Lima", PASSWORD)
        bo = create_user(session, "bo@agency.example", "Bo Chen", PASSWORD)
        engagement = load_demo(session, owner=ana)
        from app.services.accounts import set_membership

        set_membership(session, engagement, bo.email, "editor")
        engagement_id = engagement.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "engagement_id": engagement_id, "engine": engine}
    server.shutdown()


def login(context, base_url: str, email: str):
    """A logged-in page in a browser context of its own."""
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page
