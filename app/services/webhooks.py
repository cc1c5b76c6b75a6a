"""Webhooks: subscribe a URL to an engagement's events, record a delivery per event, and send it signed.

`queue_event` records a pending delivery of an event for each webhook of the engagement that wants it (the
API queues `object.created`/`updated`/`deleted` after each write it makes, and `run.finished`). `deliver`
sends one delivery: the JSON body, signed with HMAC-SHA256 over "<timestamp>.<body>" in
`X-Throughline-Signature: sha256=<hex>`; `deliver_with_retries` (a job) retries it with back-off. URLs
resolving to loopback, link-local, private or otherwise reserved addresses are refused (at creation and at
each delivery, against DNS rebinding) unless allowed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import NotFound, ValidationError
from models import Engagement
from models.webhooks import Webhook, WebhookDelivery

EVENTS = ("object.created", "object.updated", "object.deleted", "run.finished", "report.ready", "comment.added",
          "signoff.added")
ACTIONS = {"create": "object.created", "update": "object.updated", "delete": "object.deleted"}
BACKOFF_SECONDS = (10, 60, 300, 1800)  # waits before the 2nd … 5th attempt
TIMEOUT_SECONDS = 10


def check_url(url: str, *, allow_private: bool = False, resolve=socket.getaddrinfo) -> None:
    """Refuse (ValidationError naming `url`) a URL that is not http(s) or whose host resolves to a loopback,
    link-local, private, multicast or reserved address, unless `allow_private`."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ValidationError({"url": "Give an http:// or https:// URL."})
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in resolve(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise ValidationError({"url": f"The host {parts.hostname!r} does not resolve."}) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise ValidationError({"url": f"{parts.hostname} resolves to {ip}, an internal address; an admin may "
                                          "allow internal webhooks (WEBHOOK_ALLOW_PRIVATE)."})


def create_webhook(session: Session, engagement: Engagement, url: str, events: Sequence[str], *,
                   user_id: int | None = None, allow_private: bool = False, resolve=socket.getaddrinfo) -> Webhook:
    """Subscribe `url` to `events`; its signing secret is generated here (returned on the row)."""
    errors = {}
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        errors["events"] = f"Choose events among {', '.join(EVENTS)}." + (f" Unknown: {', '.join(unknown)}."
                                                                          if unknown else "")
    try:
        check_url(url, allow_private=allow_private, resolve=resolve)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    hook = Webhook(engagement_id=engagement.id, url=url, events=sorted(set(events)), created_by_id=user_id,
                   secret="whsec_" + secrets.token_urlsafe(32))
    session.add(hook)
    session.commit()
    return hook


def webhooks_of(session: Session, engagement_id: int) -> list[Webhook]:
    """The engagement's webhooks, oldest first."""
    return list(session.scalars(select(Webhook).where(Webhook.engagement_id == engagement_id).order_by(Webhook.id)))


def get_webhook(session: Session, engagement_id: int, webhook_id: int) -> Webhook:
    """One webhook of the engagement, or NotFound."""
    hook = session.scalar(select(Webhook).where(Webhook.id == webhook_id, Webhook.engagement_id == engagement_id))
    if hook is None:
        raise NotFound("No such webhook in this engagement.")
    return hook


def delete_webhook(session: Session, engagement_id: int, webhook_id: int) -> None:
    """Remove a webhook and its delivery log."""
    session.delete(get_webhook(session, engagement_id, webhook_id))
    session.commit()


def deliveries_of(session: Session, engagement_id: int, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """A webhook's latest deliveries, newest first."""
    get_webhook(session, engagement_id, webhook_id)
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def queue_event(session: Session, engagement_id: int, name: str, data: dict[str, Any]) -> list[int]:
    """Record (and commit) a pending delivery of event `name` for each active webhook of the engagement that
    wants it; return their ids, for the caller to send on the job queue."""
    hooks = [h for h in session.scalars(select(Webhook).where(Webhook.engagement_id == engagement_id,
                                                             Webhook.active.is_(True))) if name in h.events]
    if not hooks:
        return []
    body = _plain({"event": name, "engagement_id": engagement_id, "occurred_at": _now().isoformat(), "data": data})
    rows = [WebhookDelivery(webhook_id=h.id, event=name, payload=body) for h in hooks]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def resend(session: Session, engagement_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue the same event again to the same webhook, as a new delivery."""
    old = session.scalar(select(WebhookDelivery).join(Webhook).where(WebhookDelivery.id == delivery_id,
                                                                      Webhook.engagement_id == engagement_id))
    if old is None:
        raise NotFound("No such delivery in this engagement.")
    again = WebhookDelivery(webhook_id=old.webhook_id, event=old.event, payload=old.payload)
    session.add(again)
    session.commit()
    return again


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Throughline-Signature: HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver(session: Session, delivery_id: int, *, allow_private: bool = False, post: Callable | None = None,
            resolve=socket.getaddrinfo) -> WebhookDelivery | None:
    """Make one attempt at a delivery and log it (status delivered on a 2xx answer); None if it is gone."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    delivery.attempts += 1
    delivery.last_attempt_at = _now()
    try:
        check_url(hook.url, allow_private=allow_private, resolve=resolve)
        send = post or requests.post
        response = send(hook.url, data=body, timeout=TIMEOUT_SECONDS, allow_redirects=False, headers={
            "Content-Type": "application/json", "User-Agent": "Throughline-Webhooks/1",
            "X-Throughline-Event": delivery.event, "X-Throughline-Delivery": str(delivery.id),
            "X-Throughline-Timestamp": timestamp, "X-Throughline-Signature": signature(hook.secret, timestamp, body)})
        delivery.response_status = response.status_code
        delivery.error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except (requests.RequestException, ValidationError) as exc:
        delivery.response_status, delivery.error = None, str(exc)[:2000]
    delivery.status = "delivered" if not delivery.error else (
        "failed" if delivery.attempts > len(BACKOFF_SECONDS) else "pending")
    session.commit()
    return delivery


def deliver_with_retries(session: Session, delivery_id: int, *, backoff: Sequence[float] = BACKOFF_SECONDS,
                         sleep: Callable[[float], None] = time.sleep, **kw) -> WebhookDelivery | None:
    """Attempt a delivery until it succeeds or its attempts run out, waiting `backoff` between them (a job)."""
    delivery = deliver(session, delivery_id, **kw)
    for wait in backoff:
        if delivery is None or delivery.status != "pending":
            break
        sleep(wait)
        delivery = deliver(session, delivery_id, **kw)
    if delivery is not None and delivery.status == "pending":
        delivery.status = "failed"
        session.commit()
    return delivery


def deliver_job(session: Session, delivery_id: int, allow_private: bool = False) -> WebhookDelivery | None:
    """The job queue's entry point (plain arguments): deliver with retries and back-off."""
    return deliver_with_retries(session, delivery_id, allow_private=allow_private)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _now() -> datetime:
    return datetime.now(UTC)
