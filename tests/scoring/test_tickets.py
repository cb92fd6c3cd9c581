"""The ticket-trend rule: a week's tickets per 1,000 users against the mean of the four before."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.tickets import TicketThresholds, trend_value, weekly_counts, weeks_to_judge

MONDAY = date(2026, 11, 23)


def counts(current: int, previous: list[int]) -> dict[date, int]:
    weeks = {MONDAY: current}
    for n, count in enumerate(previous, start=1):
        weeks[MONDAY - timedelta(weeks=n)] = count
    return weeks


@pytest.mark.parametrize(
    ("current", "previous", "value"),
    [
        (9, [10, 10, 10, 10], 2),  # exactly 10% lower: improving
        (10, [10, 10, 10, 10], 1),
        (11, [10, 10, 10, 10], 1),  # exactly 10% higher: still within
        (12, [10, 10, 10, 10], 0),
        (0, [1, 0, 0, 0], 2),
        (1, [0, 0, 0, 4], 1),  # the mean counts the empty weeks
        (5, [0, 0, 0, 0], None),  # nothing to compare with
    ],
)
def test_the_rule(current: int, previous: list[int], value: int | None) -> None:
    assert trend_value(MONDAY, counts(current, previous), users=250) == value


def test_no_users_no_rate() -> None:
    assert trend_value(MONDAY, counts(1, [1, 1, 1, 1]), users=0) is None


def test_thresholds_are_configurable() -> None:
    wide = TicketThresholds(Fraction(1, 2), Fraction(1, 2))
    assert trend_value(MONDAY, counts(14, [10, 10, 10, 10]), 100, wide) == 1
    assert trend_value(MONDAY, counts(16, [10, 10, 10, 10]), 100, wide) == 0


@given(
    current=st.integers(0, 1000),
    previous=st.lists(st.integers(0, 1000), min_size=4, max_size=4),
    users=st.integers(1, 100_000),
)
def test_the_rate_does_not_depend_on_the_number_of_users(
    current: int, previous: list[int], users: int
) -> None:
    """Users are the same every week, so only the counts' ratio to their mean matters."""
    weeks = counts(current, previous)
    assert trend_value(MONDAY, weeks, users) == trend_value(MONDAY, weeks, 1000)


@given(
    current=st.integers(0, 100),
    previous=st.lists(st.integers(0, 100), min_size=4, max_size=4),
    extra=st.integers(1, 50),
)
def test_more_tickets_this_week_never_look_better(
    current: int, previous: list[int], extra: int
) -> None:
    before = trend_value(MONDAY, counts(current, previous), 500)
    after = trend_value(MONDAY, counts(current + extra, previous), 500)
    assert (before is None) == (after is None)
    if before is not None and after is not None:
        assert after <= before


@given(previous=st.lists(st.integers(0, 100), min_size=4, max_size=4))
def test_a_value_exactly_when_the_four_weeks_had_tickets(previous: list[int]) -> None:
    value = trend_value(MONDAY, counts(3, previous), 500)
    assert (value is None) == (sum(previous) == 0)
    assert value in (None, 0, 1, 2)


@given(st.lists(st.dates(date(2025, 1, 1), date(2027, 1, 1)), max_size=50))
def test_weekly_counts_key_by_monday(days: list[date]) -> None:
    weeks = weekly_counts(days)
    assert sum(weeks.values()) == len(days)
    assert all(monday.isoweekday() == 1 for monday in weeks)


def test_weeks_to_judge_run_to_the_last_complete_week() -> None:
    assert weeks_to_judge(MONDAY, MONDAY + timedelta(weeks=2)) == [
        MONDAY, MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=2)
    ]  # fmt: skip
    assert weeks_to_judge(MONDAY, MONDAY - timedelta(weeks=1)) == []
