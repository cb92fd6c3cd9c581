"""Readings: value range, grouping and order (the duplicate rule: tests/scoring/)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.accounts import add_account
from bot.store.readings import add_reading, readings_by_account
from bot.store.tables import Account, Reading

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _read(
    session: Session,
    account: Account,
    at: datetime,
    *,
    signal: str = "kickoff",
    value: int = 2,
    author: str | None = "U1",
) -> Reading:
    assert account.id is not None
    return add_reading(
        session,
        account_id=account.id,
        signal=signal,
        value=value,
        note=None,
        author=author,
        source="slash_command",
        recorded_at=at,
    )


@pytest.mark.parametrize("value", [-1, 3])
def test_a_value_outside_0_to_2_is_refused(session: Session, account: Account, value: int) -> None:
    with pytest.raises(IntegrityError):
        _read(session, account, T0, value=value)


def test_readings_by_account_groups_and_orders_by_time_then_id(
    engine: Engine, session: Session, account: Account
) -> None:
    other = add_account(session, key="globex", name="Globex", segment="mid")
    late = _read(session, account, T0 + timedelta(days=2))
    early = _read(session, account, T0)
    tie_1 = _read(session, account, T0 + timedelta(days=1), signal="data_import")
    tie_2 = _read(session, account, T0 + timedelta(days=1), signal="first_value")
    elsewhere = _read(session, other, T0)
    session.commit()

    grouped = readings_by_account(session)
    assert [r.id for r in grouped[account.id]] == [early.id, tie_1.id, tie_2.id, late.id]
    assert [r.id for r in grouped[other.id]] == [elsewhere.id]

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    readings_by_account(session)
    assert len(statements) == 1  # one query for every account, not one per account

    only = readings_by_account(session, account_ids=[other.id])
    assert list(only) == [other.id]
    assert readings_by_account(session, account_ids=[]) == {}
