"""Status overrides: set, clear, and read back as domain values (the in-force one, or all)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
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


def overrides_by_account(
    session: Session, *, account_ids: Collection[int] | None = None
) -> dict[int, list[Override]]:
    """Every override, cleared ones too, by account (all accounts by default), oldest first.
    Read as columns by a statement built once: every rating reads its account's."""
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
