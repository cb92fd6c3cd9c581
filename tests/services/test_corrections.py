"""Duplicates and corrections on both databases: a repeat is one reading, a different value is
always a new one, and the automatic rescue follows the corrected value (PRODUCT.md,
"Duplicates and corrections")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import load_config
from bot.services import accounts, portfolio, rescues
from bot.services.imports import import_readings
from bot.services.outcomes import kpi_records
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Event, Reading, Rescue
from scoring.rules import Status
from scoring.signals import Value

CONFIG = load_config(None)
RULES = CONFIG.rules
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
TODAY = date(2026, 11, 24)
KEYS = [s.key for s in RULES.taxonomy.active]


def healthy_account(engine: Engine, *, rated_by: str = "U0CSM", at: datetime | None = None) -> int:
    """Every signal at 2 (by `rated_by`, two days ago unless `at`), the hand-off complete."""
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key="acme", name="Acme Corp", segment="mid", csm="U0CSM",
            business_problem="p", promised_timeline="t", dependencies="d", decision_maker="m",
        )  # fmt: skip
        for signal in KEYS:
            reading_rows.add_reading(
                session, account_id=account.id, signal=signal, value=2, note=None,
                author=rated_by, source="slash_command", recorded_at=at or NOW - timedelta(days=2),
            )  # fmt: skip
        assert account.id is not None
        return account.id


def rate(
    engine: Engine, account_id: int, at: datetime, author: str = "U1", **values: int
) -> tuple[rescues.Recorded, rescues.Opened | None]:
    """One rating, in its own transaction, as Slack makes it."""
    with session_scope(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        ratings = [(RULES.taxonomy.resolve(k), Value(v)) for k, v in values.items()]
        return rescues.record_and_rescue(
            session, CONFIG, account=account, ratings=ratings, author=author, note=None,
            source="slash_command", now=at, channel="C0CHAN",
        )  # fmt: skip


def rescues_of(engine: Engine) -> list[Rescue]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Rescue).order_by(col(Rescue.id))))


def values_of(engine: Engine, signal: str) -> list[int]:
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(
            select(Reading)
            .where(Reading.signal == signal)
            .order_by(col(Reading.recorded_at), col(Reading.id))
        )
        return [r.value for r in rows]


def status_of(engine: Engine, account_id: int) -> Status:
    with session_scope(engine, read_only=True) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return portfolio.scorecard(session, account, RULES, as_of=TODAY).status


def resolved_events(engine: Engine) -> list[Event]:
    with session_scope(engine, read_only=True) as session:
        statement = select(Event).where(Event.kind == "rescue_resolved").order_by(col(Event.id))
        return list(session.exec(statement))


MIN = timedelta(minutes=1)


def test_2_0_2_within_ten_minutes_ends_at_2_and_closes_the_rescue_as_opened_by_mistake(engine):
    account_id = healthy_account(engine, rated_by="U1", at=NOW - MIN)
    _, opened = rate(engine, account_id, NOW, data_import=0)
    assert opened is not None and opened.created
    recorded, again = rate(engine, account_id, NOW + MIN, data_import=2)

    assert [c.duplicate for c in recorded.changes] == [False]
    assert values_of(engine, "data_import") == [2, 0, 2]
    assert status_of(engine, account_id) is Status.HEALTHY
    [rescue] = rescues_of(engine)
    assert (rescue.state, rescue.resolution, rescue.resolved_at) == (
        "resolved", "opened_by_mistake", NOW + MIN,
    )  # fmt: skip
    assert again is None
    assert recorded.closed is not None and recorded.closed.id == rescue.id
    [event] = resolved_events(engine)
    assert (event.actor, event.payload["resolution"], event.payload["rescue_id"]) == (
        "U1", "opened_by_mistake", rescue.id,
    )  # fmt: skip
    assert event.payload["corrected"] == ["data_import"]


def test_anyone_may_correct_and_the_correction_may_come_at_any_time(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, "U1", data_import=0)
    recorded, _ = rate(engine, account_id, NOW + timedelta(days=2), "U2", data_import=1)
    [rescue] = rescues_of(engine)
    assert rescue.resolution == "opened_by_mistake"
    assert recorded.closed is not None
    assert resolved_events(engine)[0].actor == "U2"


def test_a_correction_in_the_same_instant_closes_it_too(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    recorded, _ = rate(engine, account_id, NOW, data_import=2)
    assert recorded.closed is not None
    assert values_of(engine, "data_import") == [2, 0, 2]


def test_a_repeat_within_the_window_is_one_reading_and_closes_nothing(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    recorded, opened = rate(engine, account_id, NOW + 9 * MIN, data_import=0)
    assert [c.duplicate for c in recorded.changes] == [True]
    assert recorded.closed is None and opened is None
    assert values_of(engine, "data_import") == [2, 0]
    assert rescues_of(engine)[0].state == "open"


def test_re_rating_later_with_the_same_value_is_a_new_reading(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    recorded, _ = rate(engine, account_id, NOW + 11 * MIN, data_import=0)
    assert [c.duplicate for c in recorded.changes] == [False]
    assert values_of(engine, "data_import") == [2, 0, 0]


def test_another_persons_same_value_is_a_new_reading(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, "U1", data_import=0)
    recorded, _ = rate(engine, account_id, NOW + MIN, "U2", data_import=0)
    assert [c.duplicate for c in recorded.changes] == [False]
    assert recorded.closed is None
    assert values_of(engine, "data_import") == [2, 0, 0]


def _acknowledge(session, rescue: Rescue, now: datetime) -> None:
    rescues.acknowledge(session, rescue, actor="U0CSM", now=now)


def _log_action(session, rescue: Rescue, now: datetime) -> None:
    rescues.log_action(session, rescue, actor="U0CSM", now=now, done="Called them",
                       customer_response=None, next_step=None)  # fmt: skip


def _change_owner(session, rescue: Rescue, now: datetime) -> None:
    rescues.change(session, rescue, actor="U0CSM", now=now, today=TODAY, owner="U9",
                   checkpoint_on=None)  # fmt: skip


def _change_date(session, rescue: Rescue, now: datetime) -> None:
    rescues.change(session, rescue, actor="U0CSM", now=now, today=TODAY, owner=None,
                   checkpoint_on=TODAY + timedelta(days=30))  # fmt: skip


def _claim(session, rescue: Rescue, now: datetime) -> None:
    account = session.get(Account, rescue.account_id)
    accounts.claim(session, account=account, user="U7", now=now)


@pytest.mark.parametrize("act", [_acknowledge, _log_action, _change_owner, _change_date, _claim])
def test_once_someone_acted_on_the_rescue_a_correction_leaves_it_open(engine, act):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    with session_scope(engine) as session:
        [rescue] = session.exec(select(Rescue)).all()
        act(session, rescue, NOW + MIN)
    recorded, _ = rate(engine, account_id, NOW + 2 * MIN, data_import=2)
    assert recorded.closed is None
    [rescue] = rescues_of(engine)
    assert rescue.state != "resolved"
    assert resolved_events(engine) == []


def test_a_correction_that_leaves_a_trigger_standing_leaves_the_rescue_open(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0, kickoff=0)
    recorded, _ = rate(engine, account_id, NOW + MIN, data_import=2)
    assert recorded.closed is None
    assert rescues_of(engine)[0].state == "open"
    # Correcting the other one too: now the rescue has no reason left.
    recorded, _ = rate(engine, account_id, NOW + 2 * MIN, kickoff=2)
    assert recorded.closed is not None


def test_a_later_trigger_that_landed_on_the_rescue_keeps_it_open(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, "U1", data_import=0)
    rate(engine, account_id, NOW + MIN, "U2", kickoff=0)  # a trigger on the open rescue
    recorded, _ = rate(engine, account_id, NOW + 2 * MIN, "U1", data_import=2)
    assert recorded.closed is None
    assert rescues_of(engine)[0].state == "open"


def test_rating_another_signal_is_no_correction(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    recorded, _ = rate(engine, account_id, NOW + MIN, kickoff=1)
    assert recorded.closed is None
    assert rescues_of(engine)[0].state == "open"


def test_a_rescue_opened_by_hand_is_never_closed_by_a_correction(engine):
    account_id = healthy_account(engine)
    with session_scope(engine) as session:
        account = session.get(Account, account_id)
        rescues.open_rescue(session, CONFIG, account=account, trigger=rescues.MANUAL,
                            actor="U1", now=NOW)  # fmt: skip
    rate(engine, account_id, NOW, data_import=0)
    recorded, _ = rate(engine, account_id, NOW + MIN, data_import=2)
    assert recorded.closed is None
    assert rescues_of(engine)[0].state == "open"


def test_after_the_mistake_a_new_trigger_opens_a_new_rescue(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    rate(engine, account_id, NOW + MIN, data_import=2)
    _, opened = rate(engine, account_id, NOW + 2 * MIN, first_value=0)
    assert opened is not None and opened.created
    first, second = rescues_of(engine)
    assert (first.resolution, second.state) == ("opened_by_mistake", "open")


def test_a_rescue_opened_by_mistake_counts_in_no_rescue_kpi(engine):
    account_id = healthy_account(engine)
    rate(engine, account_id, NOW, data_import=0)
    rate(engine, account_id, NOW + MIN, data_import=2)
    with session_scope(engine, read_only=True) as session:
        [record] = kpi_records(session, RULES).rescues
    assert record.opened_by_mistake and record.closed_at == NOW + MIN


def test_an_imported_correction_is_kept_and_importing_the_file_again_adds_nothing(engine, tmp_path):
    healthy_account(engine)
    path = tmp_path / "readings.csv"
    path.write_text(
        "account,signal,value,recorded_at,author\n"
        "acme,data_import,0,2026-11-24T09:00:00Z,U1\n"
        "acme,data_import,2,2026-11-24T09:01:00Z,U1\n"
        "acme,data_import,0,2026-11-24T09:02:00Z,U1\n"  # back to 0 within ten minutes: new
        "acme,data_import,0,2026-11-24T09:03:00Z,U1\n",  # what it already has: a repeat
        encoding="utf-8",
    )
    for created, unchanged in ((3, 1), (0, 4)):
        with session_scope(engine) as session:
            report = import_readings(session, RULES, path, actor="cli:test", now=NOW)
        assert (report.created, report.unchanged) == (created, unchanged)
    assert values_of(engine, "data_import") == [2, 0, 2, 0]
