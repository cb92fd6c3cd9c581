"""Manual status overrides: the words for a status, the reason, and which stood on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scoring.errors import InvalidValue
from scoring.overrides import Override, clean_reason, in_force, parse_status
from scoring.rules import Status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("healthy", Status.HEALTHY),
        ("Watch", Status.WATCH),
        ("risk", Status.AT_RISK),
        ("at-risk", Status.AT_RISK),
        (" AT_RISK ", Status.AT_RISK),
    ],
)
def test_statuses_are_read_case_insensitively(text, status):
    assert parse_status(text) is status


def test_an_unknown_status_names_the_right_words():
    with pytest.raises(InvalidValue, match="`fine` is not a status; use healthy, watch or risk"):
        parse_status("fine")


@pytest.mark.parametrize(
    ("reason", "problem"),
    [(None, "needs a reason"), ("   ", "needs a reason"), ("x" * 3001, "3,001 characters")],
)
def test_an_override_without_a_usable_reason_is_refused(reason, problem):
    with pytest.raises(InvalidValue, match=problem):
        clean_reason(reason)


def test_the_reason_is_trimmed():
    assert clean_reason("  sponsor left \n") == "sponsor left"


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02}:00:00+00:00")


def override(status: Status, set_on: str, cleared_on: str | None = None, hour: int = 12):
    cleared = at(cleared_on, hour) if cleared_on else None
    return Override(status, "why", "U1", at(set_on, hour), cleared)


def test_the_override_in_force_is_the_latest_set_and_not_yet_cleared():
    first = override(Status.AT_RISK, "2026-10-01", "2026-10-10")
    second = override(Status.WATCH, "2026-10-10")
    history = [first, second]
    assert in_force(history, date(2026, 9, 30), UTC) is None
    assert in_force(history, date(2026, 10, 1), UTC) is first
    assert in_force(history, date(2026, 10, 9), UTC) is first
    assert in_force(history, date(2026, 10, 10), UTC) is second  # replaced that day
    assert in_force([first], date(2026, 10, 10), UTC) is None  # cleared that day


def test_days_are_counted_in_the_team_time_zone():
    late = Override(Status.AT_RISK, "why", "U1", datetime(2026, 10, 1, 23, 30, tzinfo=UTC))
    tokyo = ZoneInfo("Asia/Tokyo")  # already 2 October there
    assert in_force([late], date(2026, 10, 1), UTC) is late
    assert in_force([late], date(2026, 10, 1), tokyo) is None
    assert in_force([late], date(2026, 10, 2), tokyo) is late
