"""Readings: the append-only history of signal ratings (no update or delete on purpose)."""

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.store.tables import Reading
from scoring.readings import Reading as ScoredReading

DUPLICATE_WINDOW = timedelta(minutes=10)


def add_reading(
    session: Session,
    *,
    account_id: int,
    signal: str,
    value: int,
    note: str | None,
    author: str | None,
    source: str,
    recorded_at: datetime,
) -> Reading:
    """Append one reading; a value outside 0..2 raises IntegrityError when flushed (here)."""
    reading = Reading(
        account_id=account_id,
        signal=signal,
        value=value,
        note=note,
        author=author,
        source=source,
        recorded_at=recorded_at,
    )
    session.add(reading)
    session.flush()
    return reading


def find_recent_duplicate(
    session: Session,
    *,
    account_id: int,
    signal: str,
    value: int,
    author: str | None,
    recorded_at: datetime,
    window: timedelta = DUPLICATE_WINDOW,
) -> Reading | None:
    """The latest reading this one would repeat, if any.

    A repeat has the same account, signal, value and author, recorded at most ``window`` before
    ``recorded_at`` or at the same instant.
    """
    statement = (
        select(Reading)
        .where(
            Reading.account_id == account_id,
            Reading.signal == signal,
            Reading.value == value,
            col(Reading.author).is_not_distinct_from(author),
            col(Reading.recorded_at).between(recorded_at - window, recorded_at),
        )
        .order_by(col(Reading.recorded_at).desc(), col(Reading.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def readings_by_account(
    session: Session, *, account_ids: Collection[int] | None = None
) -> dict[int, list[Reading]]:
    """Readings grouped by account (all accounts, or only ``account_ids``), in one query.

    Each list is ordered by (recorded_at, id); accounts without readings are absent.
    """
    statement = select(Reading).order_by(
        col(Reading.account_id), col(Reading.recorded_at), col(Reading.id)
    )
    if account_ids is not None:
        statement = statement.where(col(Reading.account_id).in_(account_ids))
    grouped: dict[int, list[Reading]] = {}
    for reading in session.exec(statement):
        grouped.setdefault(reading.account_id, []).append(reading)
    return grouped


def history_by_account(
    session: Session, *, account_ids: Collection[int] | None = None
) -> dict[int, list[ScoredReading]]:
    """Readings as scoring values, grouped by account and ordered by (recorded_at, id).

    Selects columns rather than ORM objects: this is the bulk path for whole portfolios.
    """
    statement = select(
        Reading.account_id, Reading.signal, Reading.value, Reading.recorded_at,
        Reading.author, Reading.note, Reading.source,
    ).order_by(col(Reading.account_id), col(Reading.recorded_at), col(Reading.id))  # fmt: skip
    if account_ids is not None:
        statement = statement.where(col(Reading.account_id).in_(account_ids))
    grouped: dict[int, list[ScoredReading]] = {}
    for account_id, *fields in session.execute(statement):
        grouped.setdefault(account_id, []).append(ScoredReading(*fields))
    return grouped


def add_readings(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Append many readings in one statement (executemany); rows hold Reading's columns."""
    if rows:
        session.execute(insert(Reading), rows)
