"""Words that agree with their numbers, and digest titles from the schedule."""

from __future__ import annotations

from datetime import date

import pytest

from bot.messages.text import days
from bot.messages.wording import cadence, digest_title, noun, plural


@pytest.mark.parametrize(
    ("n", "word", "many", "said"),
    [(0, "day", None, "0 days"), (1, "day", None, "1 day"), (2, "day", None, "2 days"),
     (1, "reply", None, "1 reply"), (3, "reply", None, "3 replies"),
     (1, "delivery", "deliveries", "1 delivery"), (2, "delivery", "deliveries", "2 deliveries"),
     (-1, "day", None, "-1 days")],
)  # fmt: skip
def test_plural_agrees_with_the_number(n, word, many, said):
    assert plural(n, word, many) == said


def test_verbs_agree_too():
    assert f"1 account {noun(1, 'needs', 'need')} help" == "1 account needs help"
    assert f"2 accounts {noun(2, 'needs', 'need')} help" == "2 accounts need help"


def test_the_days_filter_says_one_day():
    assert days(1) == "1 day" and days(2) == "2 days" and days(1.5) == "1.5 days"


@pytest.mark.parametrize(
    ("cron", "word"),
    [("0 9 * * mon", "Weekly"), ("30 8 * * 3", "Weekly"), ("0 9 * * *", "Daily"),
     ("0 9 * * mon-fri", "Daily"), ("0 9 1 * *", "Monthly"), ("0 9 * * mon,thu", "Scheduled"),
     ("nonsense", "Scheduled"), (None, "Scheduled")],
)  # fmt: skip
def test_the_cadence_comes_from_the_cron(cron, word):
    assert cadence(cron) == word


def test_a_digest_is_titled_by_its_schedule_and_the_day_it_is_posted():
    assert digest_title("0 9 * * mon", date(2026, 11, 30)) == "Weekly digest, Mon 30 Nov"
    # posted by hand on a Wednesday: still the weekly digest, dated that Wednesday
    assert digest_title("0 9 * * mon", date(2026, 12, 2)) == "Weekly digest, Wed 2 Dec"
    assert "Monday" not in digest_title("0 9 * * mon", date(2026, 12, 2))
