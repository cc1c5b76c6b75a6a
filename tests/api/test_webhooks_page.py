"""The engagement's webhooks page: owners subscribe a URL (secret shown once), internal URLs are refused by
field, the delivery log is shown and a delivery re-sent; other roles get 403."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.services import webhooks as svc
from app.services.accounts import set_membership
from models import Webhook, WebhookDelivery

PUBLIC = "https://93.184.215.14/hooks/throughline"


def test_an_owner_subscribes_a_url_and_sees_its_secret_once(browser, session, engagement):
    page = browser.post(f"/e/{engagement.id}/webhooks", data={"url": PUBLIC, "events": ["object.created"],
                                                               "csrf_token": browser.csrf})
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert session.scalar(select(Webhook.secret)) == secret
    listing = browser.get(f"/e/{engagement.id}/webhooks").get_data(as_text=True)
    assert PUBLIC in listing and secret not in listing


def test_an_internal_url_is_refused_naming_the_field_and_nothing_is_saved(browser, session, engagement):
    page = browser.post(f"/e/{engagement.id}/webhooks", data={"url": "http://127.0.0.1:8080/", "events": [],
                                                               "csrf_token": browser.csrf})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "internal address" in text and "Choose events" in text
    assert session.scalar(select(Webhook)) is None


def test_a_delivery_is_logged_and_re_sent_from_the_page(browser, app, session, engagement, monkeypatch):
    monkeypatch.setattr(svc.requests, "post", lambda *a, **kw: type("R", (), {"status_code": 200})())
    svc.create_webhook(session, engagement, PUBLIC, ["run.finished"])
    [delivery_id] = svc.queue_event(session, engagement.id, "run.finished", {"id": 1})
    assert "run.finished" in browser.get(f"/e/{engagement.id}/webhooks").get_data(as_text=True)
    browser.post(f"/e/{engagement.id}/webhooks/deliveries/{delivery_id}/resend", data={"csrf_token": browser.csrf})
    from app.jobs import jobs

    for future in list(jobs(app).futures.values()):
        future.result(timeout=30)
    statuses = session.scalars(select(WebhookDelivery.status).order_by(WebhookDelivery.id)).all()
    assert statuses == ["pending", "delivered"]


def test_an_editor_may_not_manage_webhooks(app, session, make_user, make_browser, engagement):
    editor = make_user("editor@example.com", "Eddie Editor")
    set_membership(session, engagement, editor.email, "editor")
    assert make_browser(editor).get(f"/e/{engagement.id}/webhooks").status_code == 403
