"""Rescue triggers (on entering a condition) and terms: SLA in business days, checkpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scoring.rescue import TriggerKind, add_business_days, rescue_terms, rescue_triggers
from scoring.rules import RescuePolicy, Status
from tests.scoring.builders import all_at, card, reading
from tests.scoring.test_trend import falling_history

POLICY = RescuePolicy()


def test_turning_at_risk_triggers_a_rescue_once():
    healthy = card(all_at(2, "2026-11-20"))
    at_risk = card([*all_at(2, "2026-11-20"), *all_at(0, "2026-11-23")])
    assert [t.kind for t in rescue_triggers(at_risk, before=healthy) if t.signal is None] == [
        TriggerKind.AT_RISK
    ]
    still_at_risk = rescue_triggers(at_risk, before=at_risk)
    assert still_at_risk == []


def test_a_signal_set_to_zero_triggers_with_its_key():
    before = card(all_at(2, "2026-11-20"))
    after = card([*all_at(2, "2026-11-20"), reading("data_import", 0, "2026-11-23")])
    triggers = rescue_triggers(after, before=before)
    assert [(t.kind, t.signal) for t in triggers] == [(TriggerKind.SIGNAL_AT_ZERO, "data_import")]
    assert "Data Import" in triggers[0].reason


def test_falling_three_weeks_triggers_even_while_healthy():
    before = card(falling_history()[:-1], as_of="2026-11-22")
    after = card(falling_history(), as_of="2026-11-24")
    kinds = [t.kind for t in rescue_triggers(after, before=before)]
    assert TriggerKind.FALLING not in kinds  # it was already falling on Sunday
    three_weeks = card(falling_history()[:-1], as_of="2026-11-17")
    two_weeks = card(falling_history()[:-2], as_of="2026-11-16")
    assert [t.kind for t in rescue_triggers(three_weeks, before=two_weeks)] == [TriggerKind.FALLING]


def test_with_no_earlier_picture_every_current_condition_triggers():
    at_risk = card(all_at(0, "2026-11-23"))
    kinds = [t.kind for t in rescue_triggers(at_risk, before=None)]
    assert kinds.count(TriggerKind.SIGNAL_AT_ZERO) == 6
    assert kinds[0] is TriggerKind.AT_RISK


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-11-23", 1, "2026-11-24"),  # Monday -> Tuesday
        ("2026-11-27", 1, "2026-11-30"),  # Friday -> Monday
        ("2026-11-28", 1, "2026-11-30"),  # Saturday -> Monday
        ("2026-11-25", 3, "2026-11-30"),  # Wednesday + 3 -> Monday
        ("2026-11-23", 0, "2026-11-23"),
    ],
)
def test_business_days_skip_weekends(start, n, expected):
    assert add_business_days(date.fromisoformat(start), n) == date.fromisoformat(expected)


def test_business_days_skip_configured_holidays():
    christmas = frozenset({date(2026, 12, 25)})
    assert add_business_days(date(2026, 12, 24), 1, christmas) == date(2026, 12, 28)


def test_at_risk_terms_one_business_day_same_clock_time_and_seven_day_checkpoint():
    friday_afternoon = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    terms = rescue_terms(Status.AT_RISK, friday_afternoon, POLICY, tz=UTC)
    assert terms.sla_due_at == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    assert terms.checkpoint_on == date(2026, 12, 4)


def test_watch_terms_three_business_days_and_fourteen_day_checkpoint():
    terms = rescue_terms(Status.WATCH, datetime(2026, 11, 25, 10, tzinfo=UTC), POLICY, tz=UTC)
    assert terms.sla_due_at == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert terms.checkpoint_on == date(2026, 12, 9)


def test_healthy_but_falling_gets_watch_terms():
    opened = datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert rescue_terms(Status.HEALTHY, opened, POLICY, tz=UTC) == rescue_terms(
        Status.WATCH, opened, POLICY, tz=UTC
    )


def test_sla_keeps_the_local_clock_time_across_a_daylight_saving_change():
    london = ZoneInfo("Europe/London")
    # Friday 23 Oct 2026 09:00 BST; clocks go back on Sunday 25 Oct
    opened = datetime(2026, 10, 23, 9, 0, tzinfo=london)
    terms = rescue_terms(Status.AT_RISK, opened.astimezone(UTC), POLICY, tz=london)
    assert terms.sla_due_at.astimezone(london).replace(tzinfo=None) == datetime(2026, 10, 26, 9)
    assert terms.sla_due_at == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # GMT = UTC


def test_business_days_are_counted_in_the_team_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    # Friday 20:00 UTC is already Saturday in Tokyo: one business day later is Monday there
    terms = rescue_terms(Status.AT_RISK, datetime(2026, 11, 27, 20, tzinfo=UTC), POLICY, tz=tokyo)
    assert terms.sla_due_at.astimezone(tokyo).date() == date(2026, 11, 30)
