"""The trend in words beside the sparkline: table cases, and a property that the words say
exactly what the one-decimal numbers say."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.trend import trend_for
from scoring.trend_words import ordinal, trend_words
from scoring.weeks import previous_week_end
from tests.scoring.builders import card, reading
from tests.scoring.test_trend import AS_OF, falling_history

TODAY = date(2026, 11, 24)  # a Tuesday


def words_for(week_ends: list[int | None], now: int | None) -> str:
    """The words for a series of week-end scores in tenths (oldest first, last week last)."""
    last_end = previous_week_end(TODAY)
    by_day = {last_end - timedelta(days=7 * k): t for k, t in enumerate(reversed(week_ends))}
    trend = trend_for(by_day.get, now_tenths=now, as_of=TODAY, weeks=len(week_ends),
                      since=min(by_day) if by_day else None)  # fmt: skip
    return trend_words(trend, now_tenths=now)


@pytest.mark.parametrize(
    ("week_ends", "now", "words"),
    [
        ([85, 80, 75, 70], 58, "down 1.2 since last week, fourth drop in a row"),
        ([90, 75, 70], 58, "down 1.2 since last week, third drop in a row"),
        ([60, 75, 70], 58, "down 1.2 since last week, second drop in a row"),
        ([80, 70], 58, "down 1.2 since last week, second drop in a row"),
        ([50, 70], 58, "down 1.2 since last week"),
        ([70], 74, "up 0.4 since last week"),
        ([70, 60], 60, "no change since last week"),
        ([None], 55, "first week rated"),
        ([], 55, "first week rated"),
        ([70], None, "no score yet"),
        ([100] * 14 + [100 - k for k in range(1, 12)], 88,
         "down 0.1 since last week, 12th drop in a row"),
    ],
)  # fmt: skip
def test_the_trend_in_words(week_ends: list[int | None], now: int | None, words: str):
    assert words_for(week_ends, now) == words


def test_a_scorecard_falling_four_weeks_says_so():
    falling = card(falling_history(), as_of=AS_OF)
    assert trend_words(falling.trend, now_tenths=falling.score_tenths) == (
        "down 0.8 since last week, fourth drop in a row"
    )
    first = card([reading("kickoff", 2, "2026-11-23")], as_of=AS_OF, signed_on=None)
    assert trend_words(first.trend, now_tenths=first.score_tenths) == "first week rated"


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "first"), (3, "third"), (10, "tenth"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (111, "111th")],
)  # fmt: skip
def test_ordinals(n: int, word: str):
    assert ordinal(n) == word


WORDS = re.compile(
    r"^(?:(?P<way>up|down) (?P<amount>\d+\.\d) since last week"
    r"(?:, (?P<run>\w+) drop in a row)?|(?P<same>no change since last week)"
    r"|(?P<first>first week rated)|(?P<none>no score yet))$"
)
tenths = st.integers(min_value=0, max_value=100)


@given(st.lists(st.one_of(st.none(), tenths), max_size=12), st.one_of(st.none(), tenths))
def test_the_words_agree_with_the_numbers(week_ends: list[int | None], now: int | None):
    said = WORDS.match(words_for(week_ends, now))
    assert said is not None
    last = week_ends[-1] if week_ends else None
    if now is None:
        assert said["none"]
        return
    if last is None:
        assert said["first"]
        return
    if now == last:
        assert said["same"]
        return
    assert said["way"] == ("up" if now > last else "down")
    assert said["amount"] == f"{abs(now - last) / 10:.1f}"
    drops = 0  # consecutive drops back from now, counted from the numbers themselves
    series = [*week_ends, now]
    while drops + 1 < len(series):
        before, after = series[-drops - 2], series[-drops - 1]
        if before is None or after is None or before <= after:
            break
        drops += 1
    assert (said["run"] == ordinal(drops)) if drops >= 2 else said["run"] is None
