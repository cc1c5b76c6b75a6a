"""Fuzzy name search: typos and partial words find the object ("brightperl" finds *BrightPearl*, "servce cloud"
*Salesforce Service Cloud*), with RapidFuzz's WRatio on case- and punctuation-folded names.

Used by the jump-to search (`app.services.engagements.search`) and the lists' `q` filter (`listing`), after the
exact matches (name or ref containing the text), which always come first.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Element

SCORE_CUTOFF = 75.0  # "shopfy" ~ "Shopify Plus" scores 75; "sap" ~ "Salesforce Service Cloud" 72 is noise
MIN_LENGTH = 3  # shorter texts match too much to be worth guessing
# Relations are named after their ends ("A → B: order"): a fuzzy hit on them only repeats a system's.
SKIPPED_KINDS = ("flow", "ownership")


def closest_ids(
    session: Session, engagement_id: int, q: str, kinds: Iterable[str] | None = None, limit: int = 50
) -> list[int]:
    """Ids of the engagement's elements (of `kinds`, else every named kind) whose name is close to `q`, best first."""
    text = " ".join(q.split())
    if len(text) < MIN_LENGTH:
        return []
    stmt = select(Element.id, Element.name).where(Element.engagement_id == engagement_id)
    stmt = stmt.where(Element.kind.in_(list(kinds))) if kinds is not None else stmt.where(
        Element.kind.not_in(SKIPPED_KINDS))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    found = process.extract(text, [row.name or "" for row in rows], scorer=fuzz.WRatio,
                            processor=utils.default_process, limit=limit, score_cutoff=SCORE_CUTOFF)
    return [ids[index] for _name, _score, index in found]
