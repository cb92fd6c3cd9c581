"""Weekly snapshots and the trend: delta, falling three weeks in a row, rising."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scoring.scorecard import Flag
from scoring.trend import Direction, trend_for
from scoring.weeks import previous_week_end, week_end, week_label
from tests.scoring.builders import all_at, card, reading

# 2026-11-24 is a Tuesday in ISO week 48; week ends: 11-22 (W47), 11-15, 11-08, 11-01
AS_OF = "2026-11-24"


def falling_history() -> list:
    """10.0 at the end of W44, then one drop a week: 9.2, 8.3, 7.5, and 6.7 now."""
    return [
        *all_at(2, "2026-10-27"),
        reading("exec_update", 1, "2026-11-03"),
        reading("ticket_trend", 1, "2026-11-10"),
        reading("first_value", 1, "2026-11-17"),
        reading("data_import", 1, "2026-11-23"),
    ]


def test_iso_week_labels_and_week_ends():
    assert week_label(date(2026, 11, 24)) == "2026-W48"
    assert week_label(date(2027, 1, 1)) == "2026-W53"
    assert week_end(date(2026, 11, 24)) == date(2026, 11, 29)
    assert previous_week_end(date(2026, 11, 24)) == date(2026, 11, 22)
    assert previous_week_end(date(2026, 11, 29)) == date(2026, 11, 22)  # a Sunday


def test_three_consecutive_weekly_drops_is_falling_even_when_the_score_looks_fine():
    result = card(falling_history(), as_of=AS_OF)
    assert result.score == 6.7
    assert result.trend.falling_weeks == 4
    assert result.trend.falling
    assert result.trend.direction is Direction.FALLING
    assert result.trend.delta == -0.8
    assert Flag.FALLING in result.flags
    assert [(w.week, w.score) for w in result.trend.weekly[-5:]] == [
        ("2026-W44", 10.0), ("2026-W45", 9.2), ("2026-W46", 8.3), ("2026-W47", 7.5),
        ("2026-W48", 6.7),
    ]  # fmt: skip
    assert result.trend.weekly[-1].partial


def test_two_drops_are_not_falling():
    result = card(falling_history(), as_of="2026-11-22")  # as of Sunday W47: three weeks of data
    assert result.trend.falling_weeks == 3
    result = card(falling_history()[:-2], as_of="2026-11-11")
    assert result.trend.falling_weeks == 2
    assert not result.trend.falling
    assert result.trend.direction is Direction.DOWN


def test_a_flat_week_breaks_the_fall():
    history = [*falling_history()[:-1], reading("first_value", 1, "2026-11-23")]
    result = card(history, as_of=AS_OF)  # now == end of last week
    assert result.trend.delta == 0.0
    assert result.trend.falling_weeks == 0
    assert result.trend.direction is Direction.FLAT


def test_a_drop_too_small_to_show_is_not_a_drop():
    # 1000 × 2 + 1 × 2 at the end of W47; the light signal dropping moves the score by 0.005
    from tests.scoring.builders import rules, signal

    weighted = rules([signal("heavy", weight=1000), signal("light", weight=1)])
    history = [reading("heavy", 2, "2026-11-16"), reading("light", 2, "2026-11-16"),
               reading("light", 1, "2026-11-23")]  # fmt: skip
    result = card(history, as_of=AS_OF, rule_set=weighted)
    assert result.score == 10.0
    assert result.trend.delta == 0.0
    assert result.trend.falling_weeks == 0


def test_rising_is_shown_as_such():
    history = [*all_at(1, "2026-11-10"), reading("kickoff", 2, "2026-11-23")]
    result = card(history, as_of=AS_OF)
    assert result.trend.delta == 0.8
    assert result.trend.direction is Direction.RISING


def test_no_score_last_week_means_no_delta():
    result = card(all_at(2, "2026-11-23"), as_of=AS_OF)
    assert result.trend.delta is None
    assert result.trend.direction is None
    assert result.trend.falling_weeks == 0


def test_imported_history_shows_its_trend_at_once():
    """Trend comes from reading history, not from snapshots taken at the time."""
    result = card(falling_history(), as_of="2026-11-15")
    assert result.trend.falling_weeks == 2
    assert result.trend.weekly[-1].week == "2026-W46"


scores = st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=1, max_size=12)


@given(scores)
def test_falling_weeks_counts_strict_drops_back_from_now(series):
    """The trend rule on any weekly series: count strict drops from now backwards."""
    as_of = date(2026, 11, 24)
    *past, now = series
    ends = [previous_week_end(as_of) - timedelta(weeks=k) for k in range(len(past))]
    by_day = dict(zip(ends, reversed(past), strict=True))
    trend = trend_for(lambda d: by_day.get(d), now_tenths=now, as_of=as_of, weeks=12,
                      since=None)  # fmt: skip
    expected, current = 0, now
    for before in reversed(past):
        if current is None or before is None or not before > current:
            break
        expected, current = expected + 1, before
    assert trend.falling_weeks == expected
    assert trend.falling == (expected >= 3)
    if past and past[-1] is not None and now is not None:
        assert trend.delta_tenths == now - past[-1]
