"""Each account's kept current state (`current_state`): its rows, the queries the portfolio views
read it with, and which accounts a transaction changed.

Every write through a session to a table a scorecard is computed from (`TRACKED`) marks the
account it touches, whether an ORM flush or a bulk statement. Before the transaction commits,
the kept state of each marked account that was not recomputed by then
(`bot.services.current_state.keep`) is deleted in that same transaction, so a kept state is
never older than its account's latest change: readers score an account without one from its
readings.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Collection, Iterable
from datetime import date
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, Delete, Insert, bindparam, delete, event, or_
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from bot.store.db import driver_rows
from bot.store.tables import Account, CurrentState, Reading, Rescue, StatusOverride

# What a scorecard is computed from, besides the rules and the day: the account row (its facts),
# its readings and its status overrides. (Follow-ups and rescues are read from their own rows.)
TRACKED = (Account, Reading, StatusOverride)
_TRACKED_TABLES = {cls.__tablename__ for cls in TRACKED}  # type: ignore[attr-defined]
MARKED = "rescuebot.current_state.marked"  # session.info: account ids changed, or EVERY in it
LOCKED = "rescuebot.current_state.locked"  # session.info: account ids this transaction holds
# session.info: account id → a score the transaction made of it (`bot.services.current_state`)
SCORED = "rescuebot.current_state.scored"
EVERY = 0  # a change whose accounts cannot be told (a bulk UPDATE or DELETE): all of them
CHANGES = "rescuebot.current_state.changes"  # session.info: how many tracked writes it made


def _marks(session: OrmSession) -> set[int]:
    session.info[CHANGES] = session.info.get(CHANGES, 0) + 1
    marked: set[int] = session.info.setdefault(MARKED, set())
    return marked


def _tracked(row: object) -> int | None:
    """The account a flushed row of a TRACKED table is about."""
    if isinstance(row, Account):
        return row.id
    if isinstance(row, Reading | StatusOverride):
        return row.account_id
    return None


def changes(session: Session) -> int:
    """A count that grows with every write this session makes to what a scorecard is computed
    from (flushed or a statement): a score made at one count is current while it holds."""
    return int(session.info.get(CHANGES, 0))


@event.listens_for(OrmSession, "after_flush")
def _mark_flushed(session: OrmSession, _context: Any) -> None:
    touched = {_tracked(row) for row in chain(session.new, session.dirty, session.deleted)}
    touched.discard(None)
    if touched:
        _marks(session).update(touched)  # type: ignore[arg-type]


@event.listens_for(OrmSession, "do_orm_execute")
def _mark_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _TRACKED_TABLES:
        return
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    ids = [row.get("account_id") for row in rows] if state.is_insert else []
    marked = _marks(state.session)
    if ids and all(isinstance(i, int) for i in ids):
        marked.update(ids)
    else:
        marked.add(EVERY)


@event.listens_for(OrmSession, "before_commit")
def _drop_unkept(session: OrmSession) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT's release: the transaction goes on
        return
    if not session.info.get(MARKED) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()
    marked = session.info.pop(MARKED, set())
    if EVERY in marked:
        session.execute(delete(CurrentState))
    elif marked:
        lock_accounts(session, marked)  # type: ignore[arg-type]
        session.execute(delete(CurrentState).where(col(CurrentState.account_id).in_(marked)))


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(MARKED, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _release(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction's end: its row locks are gone
        session.info.pop(LOCKED, None)
        session.info.pop(SCORED, None)


@event.listens_for(OrmSession, "after_soft_rollback")
def _release_rolled_back(session: OrmSession, _previous: SessionTransaction) -> None:
    # PostgreSQL releases the row locks taken since a SAVEPOINT rolled back to: forget them all.
    session.info.pop(LOCKED, None)


def take_marked(session: Session) -> set[int]:
    """The accounts this transaction changed so far (flushed first); they are no longer marked:
    the caller keeps their state now. EVERY among them means all accounts."""
    session.flush()
    return session.info.pop(MARKED, set())


def marked(session: Session) -> set[int]:
    """The accounts this transaction changed so far, whose kept state is not current in it."""
    session.flush()
    return set(session.info.get(MARKED, ()))


def lock_accounts(session: Session, account_ids: Iterable[int]) -> None:
    """Hold the accounts' rows until the transaction ends (in id order, `FOR NO KEY UPDATE` as
    `accounts.lock`), so concurrent changes to one account take turns: a later transaction
    keeping its state reads the earlier one's readings. Each row is locked once per transaction
    (a rating locks its account to record, then to keep its state); SQLite's write transactions
    are serialised already (BEGIN IMMEDIATE), so there it asks nothing."""
    if session.get_bind().dialect.name == "sqlite":
        return
    held: set[int] = session.info.setdefault(LOCKED, set())
    wanted = sorted(set(account_ids) - held)
    if not wanted:
        return
    session.exec(_lock_statement(), params={"account_ids": wanted}).all()  # type: ignore[call-overload]
    held.update(wanted)


@cache
def _lock_statement() -> Any:
    """`lock_accounts`' statement, built once (building one costs more than running it)."""
    return (
        select(Account.id)
        .where(col(Account.id).in_(bindparam("account_ids", expanding=True)))
        .order_by(col(Account.id))
        .with_for_update(key_share=True)
    )


def onboarding_clause(as_of: date) -> ColumnElement[bool]:
    """Accounts still onboarding on `as_of`: no outcome, or an outcome after it."""
    return or_(col(Account.outcome).is_(None), col(Account.outcome_on) > as_of)


def involving(user: str) -> ColumnElement[bool]:
    """Accounts where `user` is the CSM, the follow-up owner or the open rescue's owner."""
    rescued = select(Rescue.account_id).where(
        col(Rescue.open_account_id).is_not(None), Rescue.owner == user
    )
    return or_(Account.csm == user, Account.followup_owner == user, col(Account.id).in_(rescued))


def in_segment(segment: str) -> ColumnElement[bool]:
    return Account.segment == segment


def with_keys(keys: Collection[str]) -> ColumnElement[bool]:
    return col(Account.key).in_(sorted(keys))


def onboarding_accounts(
    session: Session,
    *,
    as_of: date,
    where: ColumnElement[bool] | None = None,
    read_only: bool = False,
) -> list[Account]:
    """The accounts onboarding on `as_of` (narrowed by `where`), ordered by key. `read_only`:
    named tuples of their columns, read by name like an Account's attributes but not ORM
    objects (a third of the time for a whole portfolio), for a caller that only reads them;
    all but `updated_at`, which no view shows (turning each into an aware datetime costs a
    sixth). Tuples, not SQLAlchemy's rows: a view reads a dozen attributes of each account,
    and a row's attribute takes ten times a named tuple's (0.7 µs)."""
    table = Account.__table__  # type: ignore[attr-defined]
    shown = [c for c in table.c if c.name != "updated_at"]
    statement = (
        (
            select(*shown) if read_only else select(Account)  # type: ignore[call-overload]
        )
        .where(onboarding_clause(as_of))
        .order_by(col(Account.key))
    )
    if where is not None:
        statement = statement.where(where)
    if read_only:  # Core rows: the ORM's loading of plain columns is a third of their time
        columns = _account_columns(tuple(c.name for c in shown))
        session.flush()  # as the ORM's query would: the rows include this transaction's changes
        return list(map(columns._make, session.connection().execute(statement)))
    return list(session.exec(statement))


@cache
def _account_columns(names: tuple[str, ...]) -> Any:
    return namedtuple("AccountColumns", names)


def kept(
    session: Session, *, day: date, rules_key: str, account_ids: Collection[int] | None
) -> dict[int, tuple[bytes, str]]:
    """The kept (card, previous status) of the accounts (all by default) as of `day` with the
    rules `rules_key`, leaving out those this transaction changed since; one query on
    (day, rules_key), the card holding the account's facts."""
    statement = select(
        CurrentState.account_id, CurrentState.card, CurrentState.previous_status
    ).where(CurrentState.day == day, CurrentState.rules_key == rules_key)
    if account_ids is not None:
        statement = statement.where(col(CurrentState.account_id).in_(account_ids))
    changed = marked(session)  # flushed first, so the driver's read below sees this transaction
    rows = driver_rows(session, statement)  # plain rows: no ORM loading, bytes sent as bytes
    if EVERY in changed:
        return {}
    return {a: (card, previous) for a, card, previous in rows if a not in changed}


def replace_states(
    session: Session, account_ids: Collection[int], rows: list[dict[str, Any]]
) -> None:
    """The accounts' kept states become `rows` (CurrentState's columns; none for an account
    not in them): a DELETE and an INSERT built once, without ORM objects, since every rating
    keeps its account's state."""
    session.flush()
    connection = session.connection()
    connection.execute(_delete_states(), {"account_ids": list(account_ids)})
    if rows:
        connection.execute(_insert_states(), rows)


@cache
def _delete_states() -> Delete:
    return delete(CurrentState).where(
        col(CurrentState.account_id).in_(bindparam("account_ids", expanding=True))
    )


@cache
def _insert_states() -> Insert:
    return CurrentState.__table__.insert()  # type: ignore[attr-defined,no-any-return]


def drop_other_days(session: Session, *, day: date, rules_key: str) -> int:
    """Delete every kept state not as of `day` with `rules_key`; how many were."""
    result = session.execute(
        delete(CurrentState).where(
            or_(CurrentState.day != day, CurrentState.rules_key != rules_key)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
