"""Readings: the append-only history of signal ratings (no update or delete on purpose)."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from bot.store.tables import Reading
from scoring.readings import Reading as ScoredReading


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
    session: Session,
    *,
    account_ids: Collection[int] | None = None,
    since: datetime | None = None,
) -> dict[int, list[ScoredReading]]:
    """Readings as scoring values, grouped by account and ordered by (recorded_at, id).

    With `since`, only what matters from then on: every reading recorded since, plus each
    signal's latest reading before (which is its value when the window opens). Selects columns
    rather than ORM objects: this is the bulk path for whole portfolios.
    """
    columns = (
        Reading.account_id, Reading.signal, Reading.value, Reading.recorded_at,
        Reading.author, Reading.note, Reading.source, Reading.id,
    )  # fmt: skip
    recent = select(*columns)
    if account_ids is not None:
        recent = recent.where(col(Reading.account_id).in_(account_ids))
    rows = []
    if since is not None:
        recent = recent.where(col(Reading.recorded_at) >= since)
        rank = (
            func.row_number()
            .over(
                partition_by=(col(Reading.account_id), col(Reading.signal)),
                order_by=(col(Reading.recorded_at).desc(), col(Reading.id).desc()),
            )
            .label("rank")
        )
        ranked = select(*columns, rank).where(col(Reading.recorded_at) < since)
        if account_ids is not None:
            ranked = ranked.where(col(Reading.account_id).in_(account_ids))
        before = ranked.subquery()
        rows += session.execute(
            select(*(before.c[c.key] for c in columns)).where(before.c.rank == 1)
        )
    rows += session.execute(recent)
    rows.sort(key=lambda row: (row[0], row[3], row[7]))
    grouped: dict[int, list[ScoredReading]] = {}
    for account_id, *fields, _ in rows:
        grouped.setdefault(account_id, []).append(ScoredReading(*fields))
    return grouped


def add_readings(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Append many readings in one statement (executemany); rows hold Reading's columns."""
    if rows:
        session.execute(insert(Reading), rows)


def first_reached(session: Session, *, signal: str, value: int) -> dict[int, datetime]:
    """When each account first had `signal` at `value` (accounts that never did are absent):
    one aggregate, instead of loading every reading for the question."""
    rows = session.exec(
        select(Reading.account_id, func.min(Reading.recorded_at))
        .where(Reading.signal == signal, Reading.value == value)
        .group_by(col(Reading.account_id))
    )
    return {account_id: at for account_id, at in rows}
