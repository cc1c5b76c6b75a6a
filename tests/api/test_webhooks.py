"""Webhooks: internal URLs refused (SSRF), deliveries signed so the receiver can verify them, retried with
back-off and logged, re-sent on demand; the API's writes queue their events; owners only."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket

import pytest
import requests

from app.jobs import jobs
from app.services import webhooks as svc
from app.services.errors import ValidationError

PUBLIC = "https://93.184.215.14/hooks/throughline"  # an IP literal: no DNS needed


def resolving_to(address: str):
    return lambda host, port, proto=0: [(socket.AF_INET, socket.SOCK_STREAM, proto, "", (address, port))]


class Receiver:
    """Stands in for requests.post: answers with the statuses given, remembers what it was sent."""

    def __init__(self, *statuses: int):
        self.statuses, self.calls = list(statuses), []

    def __call__(self, url, data, headers, **kw):
        self.calls.append((url, data, headers))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 0:
            raise requests.ConnectionError("connection refused")
        response = requests.Response()
        response.status_code = status
        return response


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254",
                                     "::1", "fe80::1", "fd00::1", "0.0.0.0", "100.64.0.1"])
def test_a_url_resolving_to_an_internal_address_is_refused_naming_the_url(session, engagement, address):
    with pytest.raises(ValidationError) as caught:
        svc.create_webhook(session, engagement, "https://hooks.example.com/x", ["object.created"],
                           resolve=resolving_to(address))
    assert "url" in caught.value.errors


def test_an_admin_may_allow_internal_urls_and_bad_schemes_are_refused_anyway(session, engagement):
    hook = svc.create_webhook(session, engagement, "http://127.0.0.1:9000/x", ["object.created"], allow_private=True)
    assert hook.secret.startswith("whsec_")
    with pytest.raises(ValidationError) as caught:
        svc.create_webhook(session, engagement, "file:///etc/passwd", ["nope"], allow_private=True)
    assert set(caught.value.errors) == {"url", "events"}


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(session, engagement):
    hook = svc.create_webhook(session, engagement, PUBLIC, ["object.created"])
    [delivery_id] = svc.queue_event(session, engagement.id, "object.created", {"id": 7})
    receiver = Receiver(204)
    delivery = svc.deliver(session, delivery_id, post=receiver)
    assert delivery.status == "delivered" and delivery.response_status == 204 and delivery.attempts == 1
    _url, body, headers = receiver.calls[0]
    expected = hmac.new(hook.secret.encode(), headers["X-Throughline-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Throughline-Signature"], f"sha256={expected}")
    assert json.loads(body)["data"] == {"id": 7} and headers["X-Throughline-Event"] == "object.created"


def test_a_failing_delivery_is_retried_with_back_off_then_logged_as_failed(session, engagement):
    svc.create_webhook(session, engagement, PUBLIC, ["run.finished"])
    [delivery_id] = svc.queue_event(session, engagement.id, "run.finished", {"id": 1})
    waits, receiver = [], Receiver(500, 0, 503, 500, 500)
    delivery = svc.deliver_with_retries(session, delivery_id, sleep=waits.append, post=receiver)
    assert waits == list(svc.BACKOFF_SECONDS) and len(receiver.calls) == 5
    assert delivery.status == "failed" and delivery.attempts == 5 and delivery.error == "HTTP 500"


def test_a_retry_that_succeeds_stops_the_back_off(session, engagement):
    svc.create_webhook(session, engagement, PUBLIC, ["run.finished"])
    [delivery_id] = svc.queue_event(session, engagement.id, "run.finished", {"id": 1})
    waits = []
    delivery = svc.deliver_with_retries(session, delivery_id, sleep=waits.append, post=Receiver(0, 200))
    assert delivery.status == "delivered" and waits == [svc.BACKOFF_SECONDS[0]]


def test_events_nobody_subscribed_to_queue_nothing(session, engagement):
    svc.create_webhook(session, engagement, PUBLIC, ["object.deleted"])
    assert svc.queue_event(session, engagement.id, "object.created", {}) == []


def test_an_api_write_sends_its_event_and_the_log_shows_it_and_it_can_be_resent(
        app, api, session, engagement, monkeypatch):
    receiver = Receiver()
    monkeypatch.setattr(svc.requests, "post", receiver)
    created = api.post(f"/api/v1/engagements/{engagement.id}/webhooks",
                       json={"url": PUBLIC, "events": ["object.created"]})
    assert created.status_code == 201 and created.get_json()["secret"].startswith("whsec_")
    hook_id = created.get_json()["id"]
    api.post(f"/api/v1/engagements/{engagement.id}/systems", json={"name": "Order hub", "category": "oms"})
    for future in list(jobs(app).futures.values()):
        future.result(timeout=30)
    log = api.get(f"/api/v1/engagements/{engagement.id}/webhooks/{hook_id}/deliveries").get_json()
    assert [(d["event"], d["status"]) for d in log] == [("object.created", "delivered")]
    assert json.loads(receiver.calls[0][1])["data"]["name"] == "Order hub"
    again = api.post(f"/api/v1/engagements/{engagement.id}/webhooks/deliveries/{log[0]['id']}/resend")
    assert again.status_code == 202
    for future in list(jobs(app).futures.values()):
        future.result(timeout=30)
    assert len(receiver.calls) == 2
    assert "secret" not in api.get(f"/api/v1/engagements/{engagement.id}/webhooks").get_json()[0]


def test_an_internal_url_is_a_problem_and_only_owners_manage_webhooks(api, session, make_user, make_api, engagement):
    from app.services.accounts import set_membership

    refused = api.post(f"/api/v1/engagements/{engagement.id}/webhooks",
                       json={"url": "http://169.254.169.254/latest", "events": ["object.created"]})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "url"
    editor = make_user("editor@example.com", "Eddie Editor")
    set_membership(session, engagement, editor.email, "editor")
    assert make_api(editor).get(f"/api/v1/engagements/{engagement.id}/webhooks").status_code == 403
