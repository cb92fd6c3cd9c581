"""The duplicate rule: only the reading the signal already has is compared, never an older one."""

from datetime import UTC, datetime, timedelta

import pytest

from scoring.duplicates import DUPLICATE_WINDOW, repeated
from scoring.readings import Reading

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _at(minutes: float, value: int = 2, author: str | None = "U1") -> Reading:
    return Reading("kickoff", value, T0 + timedelta(minutes=minutes), author)


@pytest.mark.parametrize(
    ("later", "value", "author", "duplicate"),
    [
        (timedelta(0), 2, "U1", True),  # a Slack retry: the same instant
        (timedelta(minutes=9, seconds=59), 2, "U1", True),
        (DUPLICATE_WINDOW, 2, "U1", True),
        (timedelta(minutes=10, seconds=1), 2, "U1", False),  # re-rating later is a new reading
        (timedelta(minutes=1), 1, "U1", False),  # another value
        (timedelta(minutes=1), 2, "U2", False),  # another author
        (timedelta(minutes=1), 2, None, False),
        (-timedelta(minutes=1), 2, "U1", True),  # a racing click that was recorded first
        (-timedelta(minutes=10, seconds=1), 2, "U1", False),
    ],
)
def test_a_repeat_is_the_same_value_by_the_same_author_within_the_window(
    later: timedelta, value: int, author: str | None, duplicate: bool
) -> None:
    first = _at(0)
    found = repeated([first], value=value, author=author, at=T0 + later)
    assert (found == first) if duplicate else (found is None)


def test_a_reading_without_author_repeats_one_without_author() -> None:
    first = _at(0, author=None)
    assert repeated([first], value=2, author=None, at=T0 + timedelta(minutes=5)) == first


def test_a_correction_back_to_an_earlier_value_is_new() -> None:
    # 2 → 0 → 2 within ten minutes: the last 2 is compared with the 0, not with the first 2.
    history = [_at(0, 2), _at(1, 0)]
    assert repeated(history, value=2, author="U1", at=T0 + timedelta(minutes=2)) is None
    assert repeated(history, value=0, author="U1", at=T0 + timedelta(minutes=2)) == history[1]


def test_only_the_latest_reading_counts_even_when_someone_else_gave_it() -> None:
    history = [_at(0, 2, "U1"), _at(1, 2, "U2")]
    assert repeated(history, value=2, author="U1", at=T0 + timedelta(minutes=2)) is None


def test_of_two_readings_at_one_instant_the_later_given_is_what_the_signal_has() -> None:
    history = [_at(0, 2), _at(0, 0)]
    assert repeated(history, value=0, author="U1", at=T0) == history[1]
    assert repeated(history, value=2, author="U1", at=T0) is None


def test_an_empty_history_repeats_nothing() -> None:
    assert repeated([], value=2, author="U1", at=T0) is None
