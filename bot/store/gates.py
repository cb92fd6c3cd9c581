"""Phase-gate items of accounts: where each account stands on each item, and since when this
installation tracks gates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from bot.store.tables import GateItem, GateTracking


def gate_items_of(
    session: Session, account_ids: Iterable[int] | None = None
) -> dict[int, dict[str, GateItem]]:
    """Each account's gate items by item key (all accounts when `account_ids` is None)."""
    statement = select(GateItem)
    if account_ids is not None:
        statement = statement.where(col(GateItem.account_id).in_(list(account_ids)))
    found: dict[int, dict[str, GateItem]] = {}
    for row in session.exec(statement):
        found.setdefault(row.account_id, {})[row.item] = row
    return found


def gate_item(session: Session, *, account_id: int, item: str) -> GateItem | None:
    statement = select(GateItem).where(GateItem.account_id == account_id, GateItem.item == item)
    return session.exec(statement).first()


def gates_configured_on(session: Session) -> date | None:
    """The day this installation started tracking gates, when it had accounts before (None: a
    fresh install, where each account tracks gates from the day it was added)."""
    row = session.exec(select(GateTracking).order_by(col(GateTracking.id))).first()
    return row.started_on if row is not None else None
