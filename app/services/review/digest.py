"""The per-user digest of review events in the user's engagements since they last looked (and since the last
mail): mentions of the user first, then everything else, newest first. A user never sees the events of an
engagement they are not a member of, nor their own doing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.mail import send_mail
from models import DigestMark, Engagement, Membership, ReviewEvent, User

LIMIT = 200


@dataclass(frozen=True)
class DigestItem:
    """One event as the digest shows it."""

    event: ReviewEvent
    engagement: Engagement
    mentions_me: bool


@dataclass(frozen=True)
class Digest:
    """A user's unread events: mentions first; `last_id` is what marking them read moves the mark to."""

    items: list[DigestItem]
    last_id: int


def _mark(session: Session, user_id: int) -> DigestMark:
    mark = session.get(DigestMark, user_id)
    if mark is None:
        mark = DigestMark(user_id=user_id, seen_event_id=0, mailed_event_id=0)
        session.add(mark)
    return mark


def _events_query(user_id: int, after: int):
    return (select(ReviewEvent)
            .join(Membership, (Membership.engagement_id == ReviewEvent.engagement_id)
                  & (Membership.user_id == user_id))
            .where(ReviewEvent.id > after,
                   (ReviewEvent.actor_user_id.is_(None)) | (ReviewEvent.actor_user_id != user_id)))


def unread_count(session: Session, user_id: int) -> int:
    """How many review events in the user's engagements they have not looked at (the navigation badge)."""
    mark = session.get(DigestMark, user_id)
    after = mark.seen_event_id if mark else 0
    return session.scalar(select(func.count()).select_from(_events_query(user_id, after).subquery())) or 0


def digest(session: Session, user_id: int, *, for_mail: bool = False) -> Digest:
    """The user's events since they last looked (or, for the mail, since the last mail): mentions first."""
    mark = session.get(DigestMark, user_id)
    after = (mark.mailed_event_id if for_mail else mark.seen_event_id) if mark else 0
    events = session.scalars(_events_query(user_id, after).order_by(ReviewEvent.id.desc()).limit(LIMIT)).all()
    engagements = {e.id: e for e in session.scalars(
        select(Engagement).where(Engagement.id.in_({ev.engagement_id for ev in events})))} if events else {}
    items = [DigestItem(ev, engagements[ev.engagement_id], user_id in (ev.mentioned_user_ids or ()))
             for ev in events]
    items.sort(key=lambda item: not item.mentions_me)  # stable: newest first within each group
    return Digest(items, max((ev.id for ev in events), default=after))


def mark_seen(session: Session, user_id: int, upto: int) -> None:
    """Everything up to event `upto` has been looked at; commits."""
    mark = _mark(session, user_id)
    mark.seen_event_id = max(mark.seen_event_id or 0, upto)
    session.commit()


def digest_text(user: User, found: Digest, base_url: str = "") -> str:
    """The plain-text mail of a digest."""
    lines = [f"Hello {user.name},", "", "What happened in your engagements since the last digest:", ""]
    for item in found.items:
        marker = "[mentions you] " if item.mentions_me else ""
        lines.append(f"- {item.engagement.name}: {marker}{item.event.summary}")
    if base_url:
        lines += ["", f"Open them: {base_url.rstrip('/')}/notifications"]
    return "\n".join(lines) + "\n"


def send_digests(session: Session, settings: dict[str, Any], out: Callable[[str], None],
                 base_url: str = "") -> list[tuple[str, int, bool]]:
    """Mail each active user their digest when MAIL_SERVER is set, else print what would be sent; commits the
    mail marks of the digests sent. Returns (email, events, sent) per user with something to tell."""
    results = []
    for user in session.scalars(select(User).where(User.is_active).order_by(User.id)):
        found = digest(session, user.id, for_mail=True)
        if not found.items:
            continue
        subject = f"Throughline: {len(found.items)} review update(s)"
        body = digest_text(user, found, base_url)
        sent = send_mail(settings, user.email, subject, body)
        if not sent:
            out(f"Would send to {user.email}: {subject}\n{body}")
        if sent or not settings.get("MAIL_SERVER"):
            # Printed digests count as delivered too, so a run without a mail server does not repeat them;
            # a refused mail stays pending for the next run.
            _mark(session, user.id).mailed_event_id = found.last_id
        results.append((user.email, len(found.items), sent))
    session.commit()
    return results
