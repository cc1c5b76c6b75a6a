"""Engagement revisions: every write to an engagement's rows bumps `engagements.revision`, in one place.

Two session-wide listeners do it, so no write path (an edit, undo, history revert, delete, bundle or workbook
import, dataset upload, rule settings, scenario copy) can forget to:

- `before_flush`/`after_flush`: the unit of work. Every new, changed or deleted row is traced to its
  engagement (its `engagement_id`, or its parent's: a scenario value through its scenario, a tag through its
  element, a dataset version through its dataset…).
- `do_orm_execute`: statements run through `session.execute` (bulk inserts, `insert(scenario_members)`,
  `delete(...)`). The engagement comes from the parameters where they name it; an UPDATE or DELETE whose
  rows cannot be told bumps every engagement, which costs cache misses, never a stale result.

Writes that bypass the Session (raw connections, SQL text) are not seen: services do not make them.

The engagements written to are noted in `session.info[BUMPED]`; `before_commit` bumps each once with an
`UPDATE … SET revision = revision + 1`, the transaction's last statement, so it commits or rolls back with
the change. Until then the cache neither reads nor stores for them in that session (another session would
otherwise be served data that may still be rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from models import Base, Engagement
from models.accounts import ACCOUNT_TABLES
from models.questionnaires import QUESTIONNAIRE_TABLES
from models.review_links import REVIEW_LINK_TABLES
from models.webhooks import WEBHOOK_TABLES

BUMPED = "throughline.revision.bumped"  # engagements bumped in the session's open transaction
_PENDING = "throughline.revision.pending"  # rows of this flush whose engagement is known only after it
_EVERY = object()  # "every engagement": a statement whose rows cannot be told

ENGAGEMENTS = Engagement.__table__
# Rows that no analysis reads: accounts, review links (each portal request logs a use, which must not empty the
# engagement's analysis cache), questionnaire answers (an accepted change is written to the requirement) and the
# webhooks (a delivery logged is no change).
UNRELATED_TABLES = (frozenset(ACCOUNT_TABLES) | frozenset(REVIEW_LINK_TABLES) | frozenset(QUESTIONNAIRE_TABLES)
                    | frozenset(WEBHOOK_TABLES))
# A row without an engagement_id reaches its engagement through the first of these columns it has.
PARENT_COLUMNS = (("scenario_id", "scenarios"), ("element_id", "elements"), ("flow_id", "elements"),
                  ("decision_id", "elements"), ("dataset_id", "datasets"))


def current(session: Session, engagement_id: int) -> tuple[int, str] | None:
    """The engagement's committed revision and creation time (the cache key), or None while this session has
    uncommitted writes to it (nothing may be cached or served from the cache then)."""
    row = session.execute(
        select(Engagement.revision, Engagement.created_at).where(Engagement.id == engagement_id)
    ).one_or_none()
    # The query above may autoflush and so bump: look at the pending writes only after it.
    if row is None or pending(session, engagement_id):
        return None
    # The creation time tells apart two engagements that got the same id (SQLite reuses a deleted one's).
    return row.revision, str(row.created_at)


def _table_of(obj: object) -> Table | None:
    mapper = inspect(obj).mapper
    return mapper.base_mapper.local_table if isinstance(mapper.base_mapper.local_table, Table) else None


def _resolve(session: Session, table: Table, values: Mapping, seen: dict) -> int | object | None:
    """The engagement a row belongs to, from its column values (None: no engagement, or not known yet)."""
    if table.name in UNRELATED_TABLES:
        return None
    if table.name == "engagements":
        return values.get("id")
    if "engagement_id" in table.c:
        return values.get("engagement_id")
    for column, parent in _parent_columns(table):
        if values.get(column) is not None:
            key = (parent, values[column])
            if seen.get(key) is None:  # one query per parent, not per row (a bulk insert of tags)
                parents = Base.metadata.tables[parent]
                seen[key] = session.connection().scalar(
                    select(parents.c.engagement_id).where(parents.c.id == values[column])
                )
            return seen[key]
    return _EVERY


def _resolve_rows(session: Session, table: Table, rows: list[Mapping]) -> set:
    """The engagements of the rows of a bulk insert: one query per 500 parents, not one per row."""
    if table.name == "engagements" or "engagement_id" in table.c:
        return {_resolve(session, table, row, {}) for row in rows}
    parents = _parent_columns(table)
    column = next((c for c, _ in parents if all(row.get(c) is not None for row in rows)), None)
    if column is None:
        return {_EVERY}
    of = Base.metadata.tables[dict(parents)[column]]
    ids = sorted({row[column] for row in rows})
    found: set = set()
    for start in range(0, len(ids), 500):
        found.update(session.connection().scalars(
            select(of.c.engagement_id).where(of.c.id.in_(ids[start:start + 500])).distinct()
        ))
    return found


def _parent_columns(table: Table) -> list[tuple[str, str]]:
    """The columns leading to a row's parent: one of PARENT_COLUMNS, or the id of a kind of element (systems)."""
    found = [(column, parent) for column, parent in PARENT_COLUMNS if column in table.c]
    if "id" in table.c and any(fk.column.table.name == "elements" for fk in table.c.id.foreign_keys):
        found.append(("id", "elements"))
    return found


def _values_of(obj: object) -> dict:
    values = dict(inspect(obj).dict)
    if values.get("engagement_id") is None and getattr(obj, "engagement", None) is not None:
        values["engagement_id"] = obj.engagement.id  # set through the relationship, before the flush
    return values


def _objects(session: Session) -> Iterable[object]:
    dirty = (o for o in session.dirty if session.is_modified(o))
    return chain(session.new, dirty, session.deleted)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    found: set = set()
    later: list = []
    seen: dict = {}
    with session.no_autoflush:
        for obj in _objects(session):
            table = _table_of(obj)
            if table is None:
                continue
            eid = _resolve(session, table, _values_of(obj), seen)
            if eid is None and obj in session.new:
                later.append(obj)  # its keys are filled in by the flush
            found.add(eid)
    session.info[_PENDING] = (found, later)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    found, later = session.info.pop(_PENDING, (set(), []))
    seen: dict = {}
    for obj in later:
        found.add(_resolve(session, _table_of(obj), _values_of(obj), seen))
    _note(session, found)


@event.listens_for(Session, "do_orm_execute")
def _bump_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = state.statement.table
    if not isinstance(table, Table) or table.name in UNRELATED_TABLES:
        return
    if table.name == "engagements" and state.is_delete:
        return  # a deleted engagement has nothing left to cache; a new one has another creation time
    params = state.parameters
    rows = params if isinstance(params, list) else [params or {}]
    # The rows an UPDATE or DELETE touches are in its WHERE clause, not its parameters: they bump every engagement.
    found = _resolve_rows(state.session, table, rows) if state.is_insert and rows and all(rows) else {_EVERY}
    _note(state.session, found)


def _note(session: Session, found: set) -> None:
    """Remember the engagements written to (`_EVERY`: all of them); they are bumped when the work commits."""
    found = {i for i in found if i is _EVERY or isinstance(i, int)}
    if found:
        session.info.setdefault(BUMPED, set()).update(found)


def pending(session: Session, engagement_id: int) -> bool:
    """Whether this session holds uncommitted writes to the engagement."""
    bumped = session.info.get(BUMPED, ())
    return engagement_id in bumped or _EVERY in bumped


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    # The bump is the transaction's last write, so the engagement row is locked only while the commit runs
    # (PostgreSQL): writers of one engagement do not queue behind each other's whole transaction.
    if session.in_nested_transaction():
        return  # a savepoint (begin_nested) is released: the bump waits for the real commit
    session.flush()  # what is still pending is flushed by the commit after this hook: note it first
    found = session.info.get(BUMPED)
    if not found:
        return
    stmt = update(ENGAGEMENTS)
    if _EVERY in found:
        ids = set(session.connection().scalars(select(ENGAGEMENTS.c.id)))
    else:
        ids = set(found)
        stmt = stmt.where(ENGAGEMENTS.c.id.in_(ids))
    session.connection().execute(stmt.values(revision=ENGAGEMENTS.c.revision + 1))
    _expire(session, ids)


def _expire(session: Session, ids: set[int]) -> None:
    """Make loaded engagements read their bumped revision again on next access."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Engagement) and obj.id in ids:
            session.expire(obj, ["revision"])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(BUMPED, None)
