"""User administration: invite, disable, enable and reset users (admins), and a user's own password and logins.

Invitations and resets are one-time links: the token goes to the person (by mail when a mail server is
configured, else shown to the admin and printed by the CLI); only its SHA-256 is stored. Disabling a user or
resetting their password ends every login they have at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.services import accounts
from app.services.errors import NotFound, ValidationError
from models import AccountToken, LoginSession, User

LINK_LIFETIME = timedelta(hours=72)
# An invited user's password hash until they choose one: no password verifies against it (not an argon2 hash).
UNUSABLE_PREFIX = "!"


def list_users(session: Session) -> list[tuple[User, str]]:
    """Every user, by email, with their state: active, invited (no password chosen yet) or disabled."""
    return [(u, "active" if u.is_active else "invited" if u.password_hash.startswith(UNUSABLE_PREFIX) else
             "disabled") for u in session.scalars(select(User).order_by(User.email))]


def get_user(session: Session, user_id: int) -> User:
    """A user by id; NotFound otherwise."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def invite_user(session: Session, email: str, name: str, *, is_admin: bool = False, by: User | None = None,
                lifetime: timedelta = LINK_LIFETIME) -> tuple[User, str]:
    """Create an inactive user and a one-time link to choose a password; return the user and the token."""
    email = accounts.normalise_email(email)
    if errors := accounts.new_user_errors(session, email, name):
        raise ValidationError(errors)
    user = User(email=email, name=name.strip(), password_hash=UNUSABLE_PREFIX + secrets.token_hex(16),
                is_admin=is_admin, is_active=False)
    session.add(user)
    session.flush()
    token = _issue(session, user, "invite", by, lifetime)
    session.commit()
    return user, token


def issue_reset(session: Session, user: User, *, by: User | None = None, lifetime: timedelta = LINK_LIFETIME) -> str:
    """A one-time password-reset link for `user`; their logins end now and earlier links stop working."""
    _end_logins(session, user.id)
    token = _issue(session, user, "reset", by, lifetime)
    session.commit()
    return token


def set_active(session: Session, user: User, active: bool, *, by: User | None = None) -> None:
    """Enable or disable a user; disabling ends their logins at once. Admins cannot disable themselves."""
    if not active and by is not None and by.id == user.id:
        raise ValidationError({"user": "You cannot disable your own account."})
    user.is_active = active
    if not active:
        _end_logins(session, user.id)
    session.commit()


def token_user(session: Session, token: str) -> AccountToken:
    """The unused, unexpired link behind a token; NotFound (saying why in general terms) otherwise."""
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or _aware(row.expires_at) < _now():
        raise NotFound("This link is not valid: it was used already, it expired, or it was replaced by a newer one.")
    return row


def redeem(session: Session, token: str, password: str) -> User:
    """Set the password through a one-time link, mark the link used and activate the user."""
    row = token_user(session, token)
    user = row.user
    if problem := accounts.password_problem(password, user.email, user.name):
        raise ValidationError({"password": problem})
    user.password_hash = accounts.hash_password(password)
    user.is_active = True
    row.used_at = _now()
    session.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
                    .values(used_at=_now()))
    _end_logins(session, user.id)
    session.commit()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change one's own password (the current one is required); every other login of the user ends."""
    if accounts.authenticate(session, user.email, current) is None:
        raise ValidationError({"current_password": "This is not your current password."})
    if problem := accounts.password_problem(new, user.email, user.name):
        raise ValidationError({"new_password": problem})
    user.password_hash = accounts.hash_password(new)
    end_other_logins(session, user, commit=False)
    session.commit()


def end_other_logins(session: Session, user: User, *, commit: bool = True) -> int:
    """End every login of `user` but the one this request came with; return how many ended."""
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                        LoginSession.id != (user.login_token or "")))
    if commit:
        session.commit()
    return result.rowcount or 0


def _issue(session: Session, user: User, purpose: str, by: User | None, lifetime: timedelta) -> str:
    # A newer link replaces the older ones: only the latest one handed out works.
    session.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
                    .values(used_at=_now()))
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(token_hash=_hash(token), user_id=user.id, purpose=purpose,
                             created_by_id=by.id if by is not None else None, expires_at=_now() + lifetime))
    return token


def _end_logins(session: Session, user_id: int) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC datetimes
