"""Events: the append-only audit timeline (no update or delete on purpose)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.store.tables import Event

# Where a transaction keeps the accounts its events were about, so whoever commits it can
# refresh what shows them (the live standups: `bot.store.standups.changed`).
CHANGED_ACCOUNTS = "rescuebot.changed_accounts"


def record_event(
    session: Session,
    *,
    account_id: int | None,
    kind: str,
    actor: str,
    at: datetime,
    payload: dict[str, Any],
    flush: bool = True,
) -> Event:
    """Append one event; ``account_id`` is None for events about no single account. Not
    `flush`ed: inserted with the transaction's next flush (its id is unknown until then)."""
    event = Event(account_id=account_id, kind=kind, actor=actor, at=at, payload=payload)
    session.add(event)
    if flush:
        session.flush()
    if account_id is not None:
        session.info.setdefault(CHANGED_ACCOUNTS, set()).add(account_id)
    return event


def timeline(session: Session, *, account_id: int) -> list[Event]:
    """An account's events, oldest first, ordered by (at, id)."""
    statement = (
        select(Event).where(Event.account_id == account_id).order_by(col(Event.at), col(Event.id))
    )
    return list(session.exec(statement))


def latest_event(session: Session, *, kind: str) -> Event | None:
    """The most recent event of a kind, across all accounts."""
    statement = (
        select(Event).where(Event.kind == kind).order_by(col(Event.at).desc(), col(Event.id).desc())
    )
    return session.exec(statement).first()


def events_of_kind(session: Session, *, account_id: int, kind: str) -> list[Event]:
    """An account's events of one kind, oldest first."""
    statement = (
        select(Event)
        .where(Event.account_id == account_id, Event.kind == kind)
        .order_by(col(Event.at), col(Event.id))
    )
    return list(session.exec(statement))
