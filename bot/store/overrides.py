"""Status overrides: set, clear, and read back as domain values (the in-force one, or all)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from bot.store.tables import StatusOverride
from scoring.overrides import Override
from scoring.rules import Status


def as_override(row: StatusOverride) -> Override:
    return Override(
        status=Status(row.status),
        reason=row.reason,
        author=row.author,
        set_at=row.created_at,
        cleared_at=row.cleared_at,
    )


def current_override(session: Session, *, account_id: int) -> StatusOverride | None:
    """The account's uncleared override, if any (the latest, should several exist)."""
    statement = (
        select(StatusOverride)
        .where(StatusOverride.account_id == account_id, col(StatusOverride.cleared_at).is_(None))
        .order_by(col(StatusOverride.created_at).desc(), col(StatusOverride.id).desc())
    )
    return session.exec(statement).first()


def add_override(
    session: Session, *, account_id: int, status: Status, reason: str, author: str, at: datetime
) -> StatusOverride:
    row = StatusOverride(
        account_id=account_id, status=status.value, reason=reason, author=author, created_at=at
    )
    session.add(row)
    session.flush()
    return row


def clear(session: Session, *, row: StatusOverride, by: str, at: datetime) -> None:
    row.cleared_at, row.cleared_by = at, by
    session.add(row)
    session.flush()


# session.info: account id → its overrides read in this transaction (a few accounts' only),
# forgotten when the transaction writes any override of it, or ends.
READ = "rescuebot.overrides.read"
FEW = 8


def overrides_by_account(
    session: Session, *, account_ids: Collection[int] | None = None
) -> dict[int, list[Override]]:
    """Every override, cleared ones too, by account (all accounts by default), oldest first.
    Read as columns by a statement built once; a few accounts' are read once per transaction
    (a rating's card, its rescue's and its kept state each ask)."""
    if account_ids is None or len(account_ids) > FEW:
        return _read(session, account_ids)
    session.flush()  # as the query would (autoflush): a pending override counts
    kept: dict[int, list[Override]] = session.info.setdefault(READ, {})
    if wanted := [a for a in account_ids if a not in kept]:
        found = _read(session, wanted)
        for account_id in wanted:
            kept[account_id] = found.get(account_id, [])
    return {a: list(kept[a]) for a in account_ids if kept[a]}


def _read(session: Session, account_ids: Collection[int] | None) -> dict[int, list[Override]]:
    if account_ids is None:
        rows = session.execute(_overrides_statement(False))
    else:
        rows = session.execute(_overrides_statement(True), {"account_ids": list(account_ids)})
    found: dict[int, list[Override]] = {}
    for account_id, status, reason, author, created_at, cleared_at in rows:
        override = Override(
            status=Status(status), reason=reason, author=author, set_at=created_at,
            cleared_at=cleared_at,
        )  # fmt: skip
        found.setdefault(account_id, []).append(override)
    return found


@event.listens_for(OrmSession, "after_flush")
def _follow_flush(session: OrmSession, _context: Any) -> None:
    kept = session.info.get(READ)
    if kept:
        for row in (*session.new, *session.dirty, *session.deleted):
            if isinstance(row, StatusOverride):
                kept.pop(row.account_id, None)


@event.listens_for(OrmSession, "do_orm_execute")
def _follow_statement(state: ORMExecuteState) -> None:
    kept = state.session.info.get(READ)
    if kept and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == StatusOverride.__tablename__:
            kept.clear()  # a bulk statement's accounts are not told: forget them all


@event.listens_for(OrmSession, "after_transaction_end")
def _forget(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(READ, None)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_rolled_back(session: OrmSession, _previous: SessionTransaction) -> None:
    session.info.pop(READ, None)


@cache
def _overrides_statement(by_account: bool) -> Any:
    table = StatusOverride.__table__  # type: ignore[attr-defined]
    statement = select(
        table.c.account_id, table.c.status, table.c.reason, table.c.author,
        table.c.created_at, table.c.cleared_at,
    ).order_by(table.c.created_at, table.c.id)  # fmt: skip
    if by_account:
        statement = statement.where(
            table.c.account_id.in_(bindparam("account_ids", expanding=True))
        )
    return statement
