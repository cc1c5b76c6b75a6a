"""ArchiMate import test material shared by test_archimate_import.py and test_archimate_import_web.py."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models import Engagement

ARCHISURANCE = Path(__file__).resolve().parent.parent / "data" / "archisurance.xml"
MALFORMED = (b'<?xml version="1.0"?>\n<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/">\n'
             b'  <name>x</name\n</model>')


def engagement_count(session) -> int:
    """Engagements stored, after committing the session."""
    session.commit()
    return session.scalar(select(func.count()).select_from(Engagement))
