"""Integration events and support tickets: storing each once, claiming the next received event
to apply, finding the ones waiting for an account's external id, and counting tickets by time.

Uniqueness is the database's: an event's (provider, event_id) and a ticket's id are UNIQUE. A
delivery's events are stored with one INSERT … ON CONFLICT DO NOTHING, and a ticket's insert
runs in a SAVEPOINT, so a redelivery (or two racing deliveries) inserts nothing the second time
and the caller's transaction carries on.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.store.db import insert_unless_present
from bot.store.tables import Account, HubspotProperty, IntegrationEvent, Ticket

EXTERNAL_IDS = ("hubspot_id", "segment_group_id", "intercom_company_id")


RECEIVED = "received"


def add_received(
    session: Session, *, events: Mapping[tuple[str, str], dict[str, Any]], received_at: datetime
) -> set[tuple[str, str]]:
    """Store {(provider, event id): body} as `received`, in one statement; the (provider,
    event id) pairs stored now (the others were stored before: redeliveries)."""
    if not events:
        return set()
    table = IntegrationEvent.__table__  # type: ignore[attr-defined]
    # The rows as parameters, not in the statement: it stays the same, compiled once and
    # cached (SQLAlchemy sends them as one multi-row INSERT all the same).
    statement = insert_unless_present(
        session, table, index_elements=["provider", "event_id"]
    ).returning(table.c.provider, table.c.event_id)
    rows = [{"provider": provider, "event_id": id_, "body": body, "state": RECEIVED,
             "received_at": received_at} for (provider, id_), body in events.items()]  # fmt: skip
    return {(p, e) for p, e in session.connection().execute(statement, rows)}


def next_received(session: Session, *, limit: int) -> list[IntegrationEvent]:
    """The oldest received events (at most `limit`), locked until the transaction ends; those
    another transaction holds are skipped (PostgreSQL's SKIP LOCKED: appliers in several
    processes take different events; SQLite's writer lock already makes them take turns)."""
    return list(
        session.exec(
            select(IntegrationEvent)
            .where(IntegrationEvent.state == RECEIVED)
            .order_by(col(IntegrationEvent.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def oldest_received(session: Session) -> dict[str, datetime]:
    """{provider: when its oldest event still waiting to be applied was received}."""
    rows = session.exec(
        select(IntegrationEvent.provider, func.min(IntegrationEvent.received_at))
        .where(IntegrationEvent.state == RECEIVED)
        .group_by(col(IntegrationEvent.provider))
    )  # fmt: skip
    return {provider: at for provider, at in rows}


def settle(
    session: Session, event: IntegrationEvent, *, state: str, at: datetime,
    account_id: int | None = None, external_id: str | None = None, error: str | None = None,
) -> None:  # fmt: skip
    """Record what became of an event."""
    event.state = state
    event.account_id = account_id
    event.external_id = external_id if external_id is not None else event.external_id
    event.error = error
    event.applied_at = at if state == "applied" else None
    session.add(event)
    session.flush()


def waiting(
    session: Session, *, provider: str | None = None, external_id: str | None = None
) -> list[IntegrationEvent]:
    """Unmatched events (of `provider`, naming `external_id`), oldest first."""
    statement = select(IntegrationEvent).where(IntegrationEvent.state == "unmatched")
    if provider is not None:
        statement = statement.where(IntegrationEvent.provider == provider)
    if external_id is not None:
        statement = statement.where(IntegrationEvent.external_id == external_id)
    return list(session.exec(statement.order_by(col(IntegrationEvent.id))))


def account_by_external_id(session: Session, *, column: str, value: str) -> Account | None:
    """The account whose `column` (one of EXTERNAL_IDS) is `value`."""
    if column not in EXTERNAL_IDS:
        raise ValueError(f"{column} is not an external id")
    return session.exec(select(Account).where(getattr(Account, column) == value)).first()


def counts_by_state(session: Session) -> dict[tuple[str, str], int]:
    """{(provider, state): events}."""
    rows = session.exec(
        select(IntegrationEvent.provider, IntegrationEvent.state, func.count())
        .group_by(col(IntegrationEvent.provider), col(IntegrationEvent.state))
    )  # fmt: skip
    return {(provider, state): n for provider, state, n in rows}


def last_received(session: Session) -> dict[str, datetime]:
    """{provider: when its latest event was received}."""
    rows = session.exec(
        select(IntegrationEvent.provider, func.max(IntegrationEvent.received_at))
        .group_by(col(IntegrationEvent.provider))
    )  # fmt: skip
    return {provider: at for provider, at in rows}


def add_ticket(
    session: Session, *, account_id: int, ticket_id: str, opened_at: datetime, source: str,
    now: datetime,
) -> bool:  # fmt: skip
    """Count a ticket; False when its id was counted before (from any source)."""
    if session.exec(select(Ticket.id).where(Ticket.ticket_id == ticket_id)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Ticket(account_id=account_id, ticket_id=ticket_id, opened_at=opened_at,
                               source=source, created_at=now))  # fmt: skip
    except IntegrityError:
        if session.exec(select(Ticket.id).where(Ticket.ticket_id == ticket_id)).first() is None:
            raise
        return False
    return True


def ticket_times(session: Session, *, account_id: int, since: datetime) -> Sequence[datetime]:
    """When the account's tickets counted since `since` were opened, oldest first."""
    return list(
        session.exec(
            select(Ticket.opened_at)
            .where(Ticket.account_id == account_id, col(Ticket.opened_at) >= since)
            .order_by(col(Ticket.opened_at))
        )
    )


def ticket_sources(session: Session, *, since: datetime) -> dict[int, str]:
    """{account id: the source of its latest ticket} for the accounts with a ticket since."""
    rows = session.exec(
        select(Ticket.account_id, Ticket.source)
        .where(col(Ticket.opened_at) >= since)
        .order_by(col(Ticket.opened_at), col(Ticket.id))
    )
    return dict(rows.all())


def property_changed_at(session: Session, *, account_id: int, name: str) -> datetime | None:
    """When the last applied change of HubSpot property `name` on the account occurred."""
    row = session.exec(
        select(HubspotProperty).where(
            HubspotProperty.account_id == account_id, HubspotProperty.property == name
        )
    ).first()
    return row.occurred_at if row else None


def property_applied(session: Session, *, account_id: int, name: str, at: datetime) -> None:
    """Remember that the change of `name` that occurred `at` is applied (never moving back)."""
    row = session.exec(
        select(HubspotProperty).where(
            HubspotProperty.account_id == account_id, HubspotProperty.property == name
        )
    ).first()
    if row is None:
        session.add(HubspotProperty(account_id=account_id, property=name, occurred_at=at))
    elif at > row.occurred_at:
        row.occurred_at = at
        session.add(row)
    session.flush()


def pending(session: Session, *, provider: str, limit: int = 100) -> list[IntegrationEvent]:
    """Events waiting for work after their answer (a HubSpot company read), oldest first."""
    return list(
        session.exec(
            select(IntegrationEvent)
            .where(IntegrationEvent.provider == provider, IntegrationEvent.state == "pending")
            .order_by(col(IntegrationEvent.id))
            .limit(limit)
        )
    )


def locked_event(session: Session, event_id: int) -> IntegrationEvent | None:
    """The event, locked until the transaction ends (PostgreSQL): one completer at a time."""
    return session.exec(
        select(IntegrationEvent).where(IntegrationEvent.id == event_id).with_for_update()
    ).first()


def ticket_days(session: Session) -> list[tuple[int, datetime]]:
    """(account id, opened at) of every ticket counted, for the KPI's ticket rate."""
    return [(a, at) for a, at in session.exec(select(Ticket.account_id, Ticket.opened_at))]
