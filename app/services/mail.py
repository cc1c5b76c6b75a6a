"""Sending a one-time link by mail when a mail server is configured (MAIL_SERVER…); without one the caller shows
the link to the admin instead."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)


def send_mail(settings: dict[str, Any], to: str, subject: str, body: str) -> bool:
    """Send a plain-text mail; False (nothing sent) when no MAIL_SERVER is configured or the server refuses."""
    server = settings.get("MAIL_SERVER")
    if not server:
        return False
    message = EmailMessage()
    message["From"] = settings.get("MAIL_FROM") or "throughline@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(settings.get("MAIL_PORT") or 587), timeout=10) as smtp:
            if settings.get("MAIL_STARTTLS", True):
                smtp.starttls()
            if settings.get("MAIL_USERNAME"):
                smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("Could not send mail to %s: %s", to, exc)
        return False
    return True
