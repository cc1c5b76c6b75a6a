"""Review benchmark: the comment inbox, a thread, counts and the notifications digest at review-round scale.

Run from the repository root:  .venv/bin/python bench/bench_review.py [--reps 7] [--threads 2000] [--seed 5]

Builds an app on a temporary SQLite file with one engagement of 200 systems and 8 members, then bulk-inserts
`--threads` comment threads (a third with 1–3 replies, a tenth mentioning one member, a quarter resolved) spread
over the systems, ownership cells and report sections, and one review event per comment. It times what a
person waits for: the inbox's first page with each filter (the `mentions` filter reads the mentions of every
comment of the engagement), the open counts per anchor, one anchor's thread, adding a comment (checks, mentions,
history entry, event and commit), and the digest and header badge of the mentioned member.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.foundation_data import build_app  # noqa: E402 - one app set-up for every bench
from bench.timing import timed  # noqa: E402

N_SYSTEMS = 200
N_MEMBERS = 8
# What a person should not wait longer than (ms, the slowest repetition).
BUDGETS_MS = {"inbox: open, page 1": 300, "inbox: mine, page 1": 300, "inbox: mentions, page 1": 300,
              "inbox: all, last page": 300, "open counts per anchor": 100, "one anchor's thread": 100,
              "add a comment (with commit)": 150, "digest of the mentioned member": 300, "header badge count": 50}


def populate(session, n_threads: int, rng: random.Random) -> dict:
    """The engagement, its members and systems through the services; the comments and events in bulk."""
    from sqlalchemy import insert, select

    from app.services.accounts import create_user, set_membership
    from app.services.catalog.elements import save_element
    from app.services.engagements import create_engagement
    from app.services.review.anchors import SECTIONS
    from models import Comment, DataEntity, ReviewEvent
    from models.base import utcnow

    owner = create_user(session, "owner@bench.example", "Olga Owner", "bench password 1")
    engagement = create_engagement(session, "Review bench", owner=owner)
    members = [owner]
    for n in range(1, N_MEMBERS):
        member = create_user(session, f"m{n}@bench.example", f"Member {n}", "bench password 1")
        set_membership(session, engagement, member.email, "reviewer" if n % 2 else "editor")
        members.append(member)
    systems = [save_element(session, engagement, "system", {"name": f"System {n}", "category": "custom"},
                            commit=False) for n in range(N_SYSTEMS)]
    session.commit()
    entities = list(session.scalars(select(DataEntity.id).where(DataEntity.engagement_id == engagement.id)))
    mentioned = members[1]
    roots, now = [], utcnow()
    for n in range(n_threads):
        pick = rng.random()
        if pick < 0.7:
            kind, key = "system", str(rng.choice(systems).id)
        elif pick < 0.9:
            kind, key = "ownership", f"{rng.choice(systems).id}:{rng.choice(entities)}"
        else:
            kind, key = "section", rng.choice(SECTIONS)
        author = rng.choice(members)
        mentions = ({"users": [mentioned.id], "stakeholders": [], "names": [mentioned.name]}
                    if n % 10 == 0 else {})
        roots.append({"engagement_id": engagement.id, "anchor_kind": kind, "anchor_key": key,
                      "body": f"Thread {n}: is this right?" + (f" @{mentioned.name}" if mentions else ""),
                      "author_user_id": author.id, "author_name": author.name, "created_at": now,
                      "resolved_at": now if n % 4 == 0 else None, "resolved_by_name": author.name if n % 4 == 0 else "",
                      "include_in_report": False, "mentions": mentions})
    session.execute(insert(Comment), roots)
    root_rows = session.execute(select(Comment.id, Comment.anchor_kind, Comment.anchor_key)).all()
    replies = []
    for row in root_rows[::3]:
        for r in range(rng.randint(1, 3)):
            author = rng.choice(members)
            replies.append({"engagement_id": engagement.id, "anchor_kind": row.anchor_kind,
                            "anchor_key": row.anchor_key, "parent_id": row.id, "body": f"Reply {r}",
                            "author_user_id": author.id, "author_name": author.name, "created_at": now,
                            "resolved_by_name": "", "include_in_report": False, "mentions": {}})
    session.execute(insert(Comment), replies)
    session.execute(insert(ReviewEvent), [
        {"engagement_id": engagement.id, "kind": "comment", "summary": f"{c['author_name']} commented",
         "anchor_kind": c["anchor_kind"], "anchor_key": c["anchor_key"], "actor_name": c["author_name"],
         "actor_user_id": c["author_user_id"], "mentioned_user_ids": c["mentions"].get("users", []), "at": now}
        for c in roots + replies])
    session.commit()
    return {"engagement": engagement, "owner": owner, "mentioned": mentioned, "systems": systems,
            "threads": len(roots), "replies": len(replies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        app = build_app(Path(tmp))
        from sqlalchemy.orm import Session

        from app.extensions import db
        from app.services.review import comments, digest
        from app.services.review.author import Author
        from models import Base

        with app.app_context():
            engine = db.engine
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                made = populate(session, args.threads, rng)
                engagement, owner, mentioned = made["engagement"], made["owner"], made["mentioned"]
                pages = comments.inbox(session, engagement, None, "all").pages
                me = Author(name=owner.name, user_id=owner.id)
                system = str(made["systems"][0].id)
                rows = [
                    ("inbox: open, page 1", lambda: comments.inbox(session, engagement, owner.id, "open")),
                    ("inbox: mine, page 1", lambda: comments.inbox(session, engagement, owner.id, "mine")),
                    ("inbox: mentions, page 1", lambda: comments.inbox(session, engagement, mentioned.id,
                                                                       "mentions")),
                    ("inbox: all, last page", lambda: comments.inbox(session, engagement, None, "all", pages)),
                    ("open counts per anchor", lambda: comments.open_counts(session, engagement)),
                    ("one anchor's thread", lambda: comments.thread(session, engagement, "system", system)),
                    ("add a comment (with commit)", lambda: comments.add_comment(
                        session, engagement, me, "system", system, f"Bench note @{mentioned.name}")),
                    ("digest of the mentioned member", lambda: digest.digest(session, mentioned.id)),
                    ("header badge count", lambda: digest.unread_count(session, mentioned.id)),
                ]
                results = []
                for label, fn in rows:
                    session.expire_all()  # every repetition reads from the database, as a new request does
                    times, _ = timed(fn, args.reps)
                    results.append((label, [t * 1000 for t in times]))
                unread = digest.unread_count(session, mentioned.id)
            db.engine.dispose()

    print(f"{made['threads']:,} threads, {made['replies']:,} replies, {made['threads'] + made['replies']:,} review "
          f"events on {N_SYSTEMS} systems, {N_MEMBERS} members; the mentioned member has {unread:,} unread events")
    width = max(len(label) for label, _ in results)
    print(f"{'measurement':<{width}}  {'median ms':>9}  {'max ms':>8}  {'budget':>8}  result")
    not_met = []
    for label, times in results:
        budget = BUDGETS_MS[label]
        verdict = "met" if max(times) <= budget else "not met"
        if verdict == "not met":
            not_met.append(label)
        print(f"{label:<{width}}  {statistics.median(times):9.1f}  {max(times):8.1f}  {budget:>5} ms  {verdict}")
    if not_met:
        print("Not met: " + ", ".join(not_met) + ". Each is over its budget in its slowest repetition on this "
              "machine; the mentions filter reads the mentions of every comment of the engagement (JSON, read in "
              "Python), so it grows with the engagement's comments.")
    else:
        print(f"All within budget ({args.reps} repetitions each, slowest repetition against the budget).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
