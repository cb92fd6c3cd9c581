"""The monthly override review: three accounts, the same all month, a fresh draw each month."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from scoring.review import override_sample, review_month

KEYS = [f"acct-{n:02d}" for n in range(20)]


def test_the_first_digest_of_the_month_carries_the_review():
    assert review_month(date(2026, 12, 7)) == "2026-12"
    assert review_month(date(2026, 12, 1)) == "2026-12"
    assert review_month(date(2026, 12, 8)) is None


def test_three_accounts_the_same_whoever_draws_and_in_whatever_order():
    drawn = override_sample(KEYS, "2026-12")
    assert len(drawn) == 3 and drawn == sorted(drawn) and set(drawn) <= set(KEYS)
    assert override_sample(reversed(KEYS), "2026-12") == drawn


def test_a_new_month_draws_again():
    months = {tuple(override_sample(KEYS, f"2026-{m:02d}")) for m in range(1, 13)}
    assert len(months) > 1


def test_fewer_than_three_overridden_are_all_reviewed():
    assert override_sample(["b", "a"], "2026-12") == ["a", "b"]
    assert override_sample([], "2026-12") == []


@given(st.sets(st.text(min_size=1, max_size=8), max_size=30), st.integers(1, 12))
def test_the_sample_is_a_subset_of_at_most_three(keys, month):
    drawn = override_sample(keys, f"2026-{month:02d}")
    assert set(drawn) <= keys and len(drawn) == min(3, len(keys))
