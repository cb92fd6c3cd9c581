"""Readings: value range, grouping and order (the duplicate rule: tests/scoring/)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.accounts import add_account
from bot.store.readings import add_reading, add_readings, history_by_account, readings_by_account
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


def test_a_transaction_reads_a_history_with_its_own_later_readings_in_order(
    session: Session, account: Account
) -> None:
    assert account.id is not None
    _read(session, account, T0, value=1)
    assert [r.value for r in history_by_account(session, account_ids=[account.id])[account.id]] == [
        1
    ]
    _read(session, account, T0 + timedelta(days=2), value=0)
    _read(session, account, T0 + timedelta(days=1), value=2)  # an event time before the last
    later = T0 + timedelta(days=3)
    row = {"account_id": account.id, "signal": "kickoff", "value": 1, "source": "import"}
    add_readings(session, rows=[row | {"recorded_at": later}])
    seen = history_by_account(session, account_ids=[account.id])[account.id]
    assert [(r.value, r.recorded_at) for r in seen] == [
        (1, T0), (2, T0 + timedelta(days=1)), (0, T0 + timedelta(days=2)),
        (1, later),
    ]  # fmt: skip
    account_id = account.id
    session.commit()
    with Session(session.get_bind()) as other:  # what the database holds: the same
        assert history_by_account(other, account_ids=[account_id])[account_id] == seen


def test_a_reading_rolled_back_to_a_savepoint_leaves_the_history(
    session: Session, account: Account
) -> None:
    assert account.id is not None
    _read(session, account, T0, value=1)
    assert len(history_by_account(session, account_ids=[account.id])[account.id]) == 1
    with pytest.raises(IntegrityError), session.begin_nested():
        _read(session, account, T0 + timedelta(days=1), value=2)
        _read(session, account, T0 + timedelta(days=2), value=3)  # refused: rolled back
    with session.begin_nested():
        _read(session, account, T0 + timedelta(days=3), value=0)
    seen = history_by_account(session, account_ids=[account.id])[account.id]
    assert [r.value for r in seen] == [1, 0]
