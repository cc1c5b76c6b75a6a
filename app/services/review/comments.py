"""Comments anchored to anything in an engagement: add, reply, resolve, reopen, threads, the inbox and counts.

Every write checks the anchor exists in this engagement (a key from another engagement is NotFound), records a
history entry and a review event, and commits; bad input raises ValidationError naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.services.errors import Forbidden, NotFound, ValidationError
from app.services.review.anchors import Anchor, anchor_labels, resolve_anchor
from app.services.review.author import Author
from app.services.review.events import record_event
from models import ANCHOR_KINDS, Change, Comment, Engagement, Membership, Stakeholder, User
from models.base import utcnow
from models.comments import BODY_MAX

INBOX_FILTERS = ("open", "resolved", "all", "mine", "mentions")
PER_PAGE = 25
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class InboxThread:
    """One thread in the inbox: its first comment (with replies) and its anchor's label."""

    comment: Comment
    label: str


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox; `page` counts from 1."""

    threads: list[InboxThread]
    page: int
    pages: int
    total: int
    show: str


def add_comment(session: Session, engagement: Engagement, author: Author, anchor_kind: str, anchor_key: str,
                body: str, *, scenario_id: int | None = None, include_in_report: bool = False) -> Comment:
    """Start a thread on an anchor of this engagement; returns the saved comment."""
    _may_comment(author)
    anchor = resolve_anchor(session, engagement, anchor_kind, anchor_key, scenario_id)
    text = _clean_body(body)
    comment = Comment(engagement_id=engagement.id, scenario_id=anchor.scenario_id or scenario_id,
                      anchor_kind=anchor.kind, anchor_key=anchor.key, include_in_report=include_in_report,
                      **_authored(author), body=text, mentions=find_mentions(session, engagement.id, text))
    session.add(comment)
    _log(session, engagement, author, comment, "comment", f"on {anchor.kind_label.lower()} {anchor.label}", anchor)
    session.commit()
    return comment


def reply(session: Session, engagement: Engagement, author: Author, parent_id: int, body: str) -> Comment:
    """Answer a thread; a reply to a reply joins the same thread (one level of replies)."""
    _may_comment(author)
    parent = get_comment(session, engagement, parent_id)
    root = get_comment(session, engagement, parent.parent_id) if parent.parent_id else parent
    text = _clean_body(body)
    comment = Comment(engagement_id=engagement.id, scenario_id=root.scenario_id, anchor_kind=root.anchor_kind,
                      anchor_key=root.anchor_key, parent_id=root.id, **_authored(author), body=text,
                      mentions=find_mentions(session, engagement.id, text))
    session.add(comment)
    _log(session, engagement, author, comment, "reply", "", _anchor_of(session, engagement, root))
    session.commit()
    return comment


def resolve(session: Session, engagement: Engagement, author: Author, comment_id: int) -> Comment:
    """Mark a thread resolved (a reply resolves its thread)."""
    _may_comment(author)
    root = _root(session, engagement, comment_id)
    if root.resolved_at is None:
        root.resolved_at = utcnow()
        root.resolved_by_name = author.label[:200]
        _log(session, engagement, author, root, "resolve", "", _anchor_of(session, engagement, root))
    session.commit()
    return root


def reopen(session: Session, engagement: Engagement, author: Author, comment_id: int) -> Comment:
    """Open a resolved thread again."""
    _may_comment(author)
    root = _root(session, engagement, comment_id)
    if root.resolved_at is not None:
        root.resolved_at = None
        root.resolved_by_name = ""
        _log(session, engagement, author, root, "reopen", "", _anchor_of(session, engagement, root))
    session.commit()
    return root


def set_in_report(session: Session, engagement: Engagement, comment_id: int, include: bool) -> Comment:
    """Choose whether a thread is printed in the client report (threads are left out unless chosen)."""
    root = _root(session, engagement, comment_id)
    root.include_in_report = include
    session.commit()
    return root


def get_comment(session: Session, engagement: Engagement, comment_id: int | None) -> Comment:
    """One comment of this engagement, else NotFound."""
    comment = session.get(Comment, comment_id) if comment_id is not None else None
    if comment is None or comment.engagement_id != engagement.id:
        raise NotFound("No such comment in this engagement.")
    return comment


def thread(session: Session, engagement: Engagement, anchor_kind: str, anchor_key: str,
           scenario_id: int | None = None) -> tuple[Anchor, list[Comment]]:
    """The checked anchor and its threads (first comments with their replies), open ones first, oldest first."""
    anchor = resolve_anchor(session, engagement, anchor_kind, anchor_key, scenario_id)
    rows = session.scalars(
        select(Comment).options(selectinload(Comment.replies))
        .where(Comment.engagement_id == engagement.id, Comment.anchor_kind == anchor.kind,
               Comment.anchor_key == anchor.key, Comment.parent_id.is_(None))
        .order_by(Comment.id)
    ).all()
    return anchor, sorted(rows, key=lambda c: c.resolved_at is not None)


def inbox(session: Session, engagement: Engagement, user_id: int | None, show: str = "open",
          page: int = 1, per_page: int = PER_PAGE) -> InboxPage:
    """Every thread of the engagement, open ones first and newest first, filtered and paged in the database."""
    if show not in INBOX_FILTERS:
        raise ValidationError({"show": f"Unknown filter {show!r}; choose from {', '.join(INBOX_FILTERS)}."})
    where = [Comment.engagement_id == engagement.id, Comment.parent_id.is_(None)]
    if show == "open":
        where.append(Comment.resolved_at.is_(None))
    elif show == "resolved":
        where.append(Comment.resolved_at.is_not(None))
    elif show == "mine":
        answered = select(Comment.parent_id).where(Comment.engagement_id == engagement.id,
                                                   Comment.author_user_id == user_id, Comment.parent_id.is_not(None))
        where.append((Comment.author_user_id == user_id) | Comment.id.in_(answered))
    elif show == "mentions":
        where.append(Comment.id.in_(_mentioning(session, engagement, user_id)))
    total = session.scalar(select(func.count()).select_from(Comment).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    shown = session.scalars(
        select(Comment).options(selectinload(Comment.replies)).where(*where)
        .order_by(Comment.resolved_at.is_not(None), Comment.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    labels = anchor_labels(session, engagement, ((r.anchor_kind, r.anchor_key) for r in shown))
    threads = [InboxThread(r, labels[(r.anchor_kind, r.anchor_key)]) for r in shown]
    return InboxPage(threads, page, pages, total, show)


def _mentioning(session: Session, engagement: Engagement, user_id: int | None) -> set[int]:
    """Ids of the threads whose first comment or a reply mentions the user (mentions are JSON: read them here,
    a few columns of the engagement's comments, rather than query JSON differently on each database)."""
    rows = session.execute(select(Comment.id, Comment.parent_id, Comment.mentions)
                           .where(Comment.engagement_id == engagement.id)).all()
    return {parent or ident for ident, parent, mentions in rows if user_id in (mentions or {}).get("users", ())}


def open_counts(session: Session, engagement: Engagement, anchor_kind: str | None = None) -> dict[tuple[str, str], int]:
    """Open threads per anchor, as {(kind, key): count}; one query."""
    query = (select(Comment.anchor_kind, Comment.anchor_key, func.count())
             .where(Comment.engagement_id == engagement.id, Comment.parent_id.is_(None),
                    Comment.resolved_at.is_(None))
             .group_by(Comment.anchor_kind, Comment.anchor_key))
    if anchor_kind is not None:
        query = query.where(Comment.anchor_kind == anchor_kind)
    return {(kind, key): n for kind, key, n in session.execute(query)}


def report_threads(session: Session, engagement: Engagement) -> list[tuple[str, str, Comment]]:
    """The threads chosen for the client report, as (anchor kind label, anchor label, first comment)."""
    roots = session.scalars(
        select(Comment).options(selectinload(Comment.replies))
        .where(Comment.engagement_id == engagement.id, Comment.parent_id.is_(None), Comment.include_in_report)
        .order_by(Comment.id)
    ).all()
    labels = anchor_labels(session, engagement, ((r.anchor_kind, r.anchor_key) for r in roots))
    return [(ANCHOR_KINDS[r.anchor_kind], labels[(r.anchor_kind, r.anchor_key)], r) for r in roots]


# --- mentions -------------------------------------------------------------------------------------


def find_mentions(session: Session, engagement_id: int, body: str) -> dict[str, list]:
    """Members and stakeholders named as "@Name" in a body: their ids and the names as written."""
    members = session.execute(
        select(User.id, User.name).join(Membership, Membership.user_id == User.id)
        .where(Membership.engagement_id == engagement_id)
    ).all()
    stakeholders = session.execute(
        select(Stakeholder.id, Stakeholder.name).where(Stakeholder.engagement_id == engagement_id)
    ).all()
    candidates = sorted([(name, "users", i) for i, name in members] + [(name, "stakeholders", i)
                        for i, name in stakeholders], key=lambda c: -len(c[0]))
    found: dict[str, list] = {"users": [], "stakeholders": [], "names": []}
    for match in re.finditer("@", body):
        rest = body[match.end():]
        for name, group, ident in candidates:
            written = rest[:len(name)]
            if name and written.casefold() == name.casefold() and not _WORD.match(rest[len(name):len(name) + 1]):
                if ident not in found[group]:
                    found[group].append(ident)
                if written not in found["names"]:
                    found["names"].append(written)
                break
    return found if found["names"] else {}


def segments(comment: Comment) -> list[tuple[str, bool]]:
    """The body cut into (text, is_mention) pieces, so a template can highlight mentions and still escape all."""
    names = (comment.mentions or {}).get("names") or []
    if not names:
        return [(comment.body, False)]
    pattern = re.compile("(" + "|".join("@" + re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")")
    return [(part, i % 2 == 1) for i, part in enumerate(pattern.split(comment.body)) if part]


# --- helpers --------------------------------------------------------------------------------------


def _may_comment(author: Author) -> None:
    if not author.can_comment:
        raise Forbidden("This review link may read but not comment.")


def _authored(author: Author) -> dict:
    return {"author_user_id": author.user_id, "share_link_id": author.link_id, "author_name": author.label[:200]}


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": "Write a comment."})
    if len(text) > BODY_MAX:
        raise ValidationError({"body": f"A comment holds at most {BODY_MAX} characters (this one has {len(text)})."})
    if "\x00" in text:
        raise ValidationError({"body": "A comment cannot hold a NUL character."})
    return text


def _root(session: Session, engagement: Engagement, comment_id: int) -> Comment:
    comment = get_comment(session, engagement, comment_id)
    return get_comment(session, engagement, comment.parent_id) if comment.parent_id else comment


def _anchor_of(session: Session, engagement: Engagement, root: Comment) -> Anchor:
    labels = anchor_labels(session, engagement, [(root.anchor_kind, root.anchor_key)])
    return Anchor(root.anchor_kind, root.anchor_key, labels[(root.anchor_kind, root.anchor_key)])


def _log(session: Session, engagement: Engagement, author: Author, comment: Comment, action: str, where: str,
         anchor: Anchor) -> None:
    """A history entry and a review event for one comment write."""
    words = {"comment": "commented", "reply": "replied", "resolve": "resolved a thread",
             "reopen": "reopened a thread"}[action]
    summary = f"{author.label} {words} {where or f'on {anchor.kind_label.lower()} {anchor.label}'}"
    if action in ("comment", "reply"):
        summary += f": {_excerpt(comment.body)}"
    session.add(Change(engagement_id=engagement.id, element_id=None, kind="comment", action=action,
                       user_id=author.user_id, summary=summary[:300], scenario_id=comment.scenario_id))
    mentioned = (comment.mentions or {}).get("users", ()) if action in ("comment", "reply") else ()
    record_event(session, engagement.id, action, summary, anchor.kind, anchor.key, author.label,
                 actor_user_id=author.user_id, mentioned_user_ids=mentioned)


def _excerpt(text: str, size: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"

