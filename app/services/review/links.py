"""Review links: create (the raw token is returned once), list, revoke, resolve a token, check a passphrase,
log each use.

A token is 32 random bytes from `secrets` (43 URL-safe characters); only its SHA-256 is stored. An unknown,
expired or revoked token raises the same NotFound, so a link holder learns nothing about what was there.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.accounts import hash_password
from app.services.errors import NotFound, ValidationError
from app.services.review.author import Author
from models import ReportJob, Scenario, User
from models.engagement import Engagement
from models.review_links import LINK_ROLES, ShareLink, ShareLinkUse

MAX_DAYS = 90
DEFAULT_DAYS = 14
MIN_PASSPHRASE = 8
GONE = "There is nothing here, or you do not have access to it."


@dataclass(frozen=True)
class LinkRow:
    """A link as the management page lists it: the link, how often and when it was last used, its state."""

    link: ShareLink
    uses: int
    last_use: datetime | None
    state: str


def create_link(session: Session, engagement: Engagement, *, scenario_ids: list, role: str, label: str,
                days: object = DEFAULT_DAYS, passphrase: str = "", report_job_id: object = None,
                by: User | None = None) -> tuple[ShareLink, str]:
    """Make a link; return it and its raw token, which is shown once and never stored."""
    errors: dict[str, str] = {}
    scenarios = _scenarios(session, engagement, scenario_ids, errors)
    if role not in LINK_ROLES:
        errors["role"] = f"Choose one of {', '.join(LINK_ROLES)}."
    label = (label or "").strip()
    if not label or len(label) > 120 or any(not ch.isprintable() for ch in label):
        errors["label"] = "Give the link a name of 1 to 120 printable characters (e.g. who it is for)."
    lifetime = parse_days(days, errors)
    passphrase = passphrase or ""
    if passphrase and not MIN_PASSPHRASE <= len(passphrase) <= 200:
        errors["passphrase"] = f"A passphrase has {MIN_PASSPHRASE} to 200 characters, or leave it empty."
    report = _report(session, engagement, report_job_id, errors)
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    link = ShareLink(engagement_id=engagement.id, token_hash=token_hash(token), role=role, label=label,
                     passphrase_hash=hash_password(passphrase) if passphrase else None,
                     report_job_id=report.id if report is not None else None,
                     created_by_id=by.id if by is not None else None, expires_at=now() + lifetime,
                     scenarios=scenarios)
    session.add(link)
    session.commit()
    return link, token


def list_links(session: Session, engagement_id: int) -> list[LinkRow]:
    """The engagement's links, newest first, with their use counts, last use and state."""
    uses = (select(ShareLinkUse.link_id, func.count().label("n"), func.max(ShareLinkUse.at).label("last"))
            .group_by(ShareLinkUse.link_id).subquery())
    rows = session.execute(
        select(ShareLink, uses.c.n, uses.c.last).outerjoin(uses, uses.c.link_id == ShareLink.id)
        .where(ShareLink.engagement_id == engagement_id).order_by(ShareLink.id.desc())
    ).all()
    return [LinkRow(link, n or 0, last, state_of(link)) for link, n, last in rows]


def get_link(session: Session, engagement_id: int, link_id: int) -> ShareLink:
    """One link of the engagement; NotFound for another engagement's."""
    link = session.get(ShareLink, link_id)
    if link is None or link.engagement_id != engagement_id:
        raise NotFound("No such review link in this engagement.")
    return link


def revoke_link(session: Session, engagement_id: int, link_id: int) -> ShareLink:
    """End a link now (revoking twice keeps the first time)."""
    link = get_link(session, engagement_id, link_id)
    if link.revoked_at is None:
        link.revoked_at = now()
    session.commit()
    return link


def resolve(session: Session, token: str) -> ShareLink:
    """The live link behind a raw token; NotFound, always with the same message, for anything else."""
    link = _by_token(session, token)
    if link is None or state_of(link) != "active":
        raise NotFound(GONE)
    return link


def passphrase_matches(link: ShareLink, passphrase: str) -> bool:
    """True when the link has no passphrase or this is it (Argon2, like passwords)."""
    if link.passphrase_hash is None:
        return True
    try:
        return PasswordHasher().verify(link.passphrase_hash, passphrase or "")
    except (VerificationError, InvalidHashError):
        return False


def log_use(session: Session, token: str, *, address: str, path: str, outcome: str) -> None:
    """Record a request made with a token (of a known link, even an expired or revoked one), in its own commit."""
    session.rollback()  # a read (or a failed view) may have left a transaction open: the log is written alone
    link = _by_token(session, token)
    if link is None:
        return
    session.add(ShareLinkUse(link_id=link.id, client_address=(address or "")[:64], path=path[:300],
                             outcome=outcome[:20]))
    session.commit()


def uses_of(session: Session, link_id: int) -> list[ShareLinkUse]:
    """A link's uses, oldest first."""
    return list(session.scalars(select(ShareLinkUse).where(ShareLinkUse.link_id == link_id).order_by(ShareLinkUse.id)))


def author_for(link: ShareLink, name: str | None = None) -> Author:
    """The link holder as the writer of a comment or sign-off: the typed name, else the link's label."""
    return Author(name=(name or "").strip()[:120] or link.label, link_id=link.id,
                  can_comment=link.role in ("comment", "signoff"), can_sign_off=link.role == "signoff")


def state_of(link: ShareLink) -> str:
    """active, expired or revoked."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if aware(link.expires_at) <= now() else "active"


def token_hash(token: str) -> str:
    """The SHA-256 of a raw token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _by_token(session: Session, token: str) -> ShareLink | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))


def _scenarios(session: Session, engagement: Engagement, ids: list, errors: dict) -> list[Scenario]:
    wanted = {int(i) for i in ids if str(i).strip().isdigit()}
    if not wanted or len(wanted) != len(ids):
        errors["scenarios"] = "Tick at least one scenario of this engagement."
        return []
    found = list(session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id,
                                                        Scenario.id.in_(wanted)).order_by(Scenario.id)))
    if len(found) != len(wanted):
        errors["scenarios"] = "Tick only scenarios of this engagement."
    return found


def parse_days(days: object, errors: dict) -> timedelta:
    """A link's lifetime from a form's whole number of days (1 to MAX_DAYS); an error under "days" otherwise."""
    text = str(days if days is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        errors["days"] = f"A link lasts 1 to {MAX_DAYS} days; give a whole number."
        return timedelta(days=DEFAULT_DAYS)
    return timedelta(days=int(text))


def _report(session: Session, engagement: Engagement, job_id: object, errors: dict) -> ReportJob | None:
    text = str(job_id if job_id is not None else "").strip()
    if not text:
        return None
    job = session.get(ReportJob, int(text)) if text.isdigit() else None
    if job is None or job.engagement_id != engagement.id or job.status != "done":
        errors["report"] = "Choose a finished report of this engagement, or none."
        return None
    return job


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC datetimes
