"""The ticket-trend rule: support tickets per 1,000 users in a complete ISO week against the mean
of the four weeks before it (PRODUCT.md, Intercom).

Lower than that mean by `improving` (10%) or more → 2; within ±`worsening`/`improving` of it,
inclusive → 1; higher by more than `worsening` (10%) → 0. No value while those four weeks have
no tickets (nothing to compare with) or the account has no users (no rate). Exact arithmetic:
a week exactly 10% off is judged the same on every machine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from scoring.weeks import week_start

PREVIOUS_WEEKS = 4


@dataclass(frozen=True)
class TicketThresholds:
    """How far from the previous weeks' mean a week must be to count as better or worse."""

    improving: Fraction = Fraction(1, 10)
    worsening: Fraction = Fraction(1, 10)


def rate_per_thousand(tickets: int, users: int) -> Fraction | None:
    """Tickets per 1,000 users; None without users."""
    return Fraction(tickets * 1000, users) if users > 0 else None


def weekly_counts(opened_on: Iterable[date]) -> Counter[date]:
    """Tickets per ISO week, keyed by the week's Monday."""
    return Counter(week_start(day) for day in opened_on)


def trend_value(
    week: date, counts: Mapping[date, int], users: int,
    thresholds: TicketThresholds = TicketThresholds(),
) -> int | None:  # fmt: skip
    """The `ticket_trend` value of the week starting Monday `week`, or None when it cannot be
    judged (the four weeks before it have no tickets, or the account has no users)."""
    previous = [counts.get(week - timedelta(weeks=n), 0) for n in range(1, PREVIOUS_WEEKS + 1)]
    if users <= 0 or not any(previous):
        return None
    current = rate_per_thousand(counts.get(week, 0), users)
    rates = [rate_per_thousand(n, users) for n in previous]
    assert current is not None and None not in rates
    mean = sum(rates, Fraction(0)) / PREVIOUS_WEEKS  # type: ignore[arg-type]
    change = (current - mean) / mean
    if change <= -thresholds.improving:
        return 2
    if change > thresholds.worsening:
        return 0
    return 1


def weeks_to_judge(first_changed: date, last_complete: date) -> list[date]:
    """The Mondays of the complete weeks a change in week `first_changed` (a Monday) can alter:
    that week and every complete one after it (a week with no tickets is judged when a later
    ticket arrives too), up to `last_complete` (the Monday of the latest complete week)."""
    weeks: list[date] = []
    week = first_changed
    while week <= last_complete:
        weeks.append(week)
        week += timedelta(weeks=1)
    return weeks
