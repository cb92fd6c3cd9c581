"""UTCDateTime: any instant goes in, the same instant comes out, aware and in UTC."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.store.events import record_event, timeline
from bot.store.tables import Account

offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)).map(timezone)


def _round_trip(session: Session, account: Account, at: datetime) -> datetime:
    event = record_event(session, account_id=account.id, kind="test", actor="U1", at=at, payload={})
    session.commit()
    session.expire_all()
    return next(e.at for e in timeline(session, account_id=account.id) if e.id == event.id)


def test_an_offset_datetime_comes_back_as_the_same_instant_in_utc(
    session: Session, account: Account
) -> None:
    at = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    back = _round_trip(session, account, at)
    assert back == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert back.tzinfo == UTC


def test_a_naive_datetime_is_taken_as_utc(session: Session, account: Account) -> None:
    back = _round_trip(session, account, datetime(2026, 1, 5, 9, 0, 0, 123456))
    assert back == datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
    assert back.tzinfo == UTC


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=offsets
    )
)
def test_any_aware_instant_round_trips(session: Session, account: Account, at: datetime) -> None:
    back = _round_trip(session, account, at)
    assert back == at
    assert back.tzinfo == UTC
