"""Weekly snapshots and the trend: delta vs last week, consecutive drops, direction.

Weeks compare one-decimal scores (tenths), so a drop too small to show is not a drop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from scoring.weeks import previous_week_end, week_end, week_label

FALLING_WEEKS = 3
_HISTORY_LIMIT_WEEKS = 520


class Direction(StrEnum):
    FALLING = "falling"
    DOWN = "down"
    FLAT = "flat"
    RISING = "rising"

    @property
    def arrow(self) -> str:
        return {"falling": "⇊", "down": "↓", "flat": "→", "rising": "↑"}[self.value]


@dataclass(frozen=True, slots=True)
class WeeklyScore:
    """The score at the end of an ISO week; `partial` marks the week still in progress."""

    week: str
    week_end: date
    score_tenths: int | None
    partial: bool = False

    @property
    def score(self) -> float | None:
        return None if self.score_tenths is None else self.score_tenths / 10


@dataclass(frozen=True, slots=True)
class Trend:
    """Now against previous week ends. `falling_weeks` counts consecutive drops back from now."""

    delta_tenths: int | None
    falling_weeks: int
    weekly: tuple[WeeklyScore, ...]

    @property
    def delta(self) -> float | None:
        return None if self.delta_tenths is None else self.delta_tenths / 10

    @property
    def falling(self) -> bool:
        return self.falling_weeks >= FALLING_WEEKS

    @property
    def direction(self) -> Direction | None:
        if self.falling:
            return Direction.FALLING
        if self.delta_tenths is None:
            return None
        if self.delta_tenths < 0:
            return Direction.DOWN
        return Direction.RISING if self.delta_tenths > 0 else Direction.FLAT


def trend_for(
    tenths_at: Callable[[date], int | None],
    *,
    now_tenths: int | None,
    as_of: date,
    weeks: int,
    since: date | None,
) -> Trend:
    """The trend of a score series given as a function of the day it is evaluated at.

    `weeks` completed weeks (not before the week containing `since`) go into `weekly`,
    oldest first, followed by the current week with the score now.
    """
    last_end = previous_week_end(as_of)
    cache: dict[date, int | None] = {}

    def at(day: date) -> int | None:
        if day not in cache:
            cache[day] = None if since is not None and day < since else tenths_at(day)
        return cache[day]

    previous = at(last_end)
    delta = None if previous is None or now_tenths is None else now_tenths - previous

    falling = 0
    current, end = now_tenths, last_end
    while current is not None and falling < _HISTORY_LIMIT_WEEKS:
        before = at(end)
        if before is None or before <= current:
            break
        falling += 1
        current, end = before, end - timedelta(days=7)

    weekly: list[WeeklyScore] = []
    if since is not None:
        first_end = week_end(since)
        for k in range(weeks - 1, -1, -1):
            end = last_end - timedelta(days=7 * k)
            if end >= first_end:
                weekly.append(WeeklyScore(week_label(end), end, at(end)))
        weekly.append(
            WeeklyScore(week_label(as_of), week_end(as_of), now_tenths, as_of != week_end(as_of))
        )
    return Trend(delta_tenths=delta, falling_weeks=falling, weekly=tuple(weekly))
