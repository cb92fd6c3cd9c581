"""Readings (append-only signal history) and an account's history indexed for as-of lookups."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo


@dataclass(frozen=True, slots=True)
class Reading:
    """One scored observation of one signal; `recorded_at` is an aware datetime."""

    signal: str
    value: int
    recorded_at: datetime
    author: str | None = None
    note: str | None = None
    source: str = "slash_command"


class History:
    """An account's readings per signal, ordered by time, looked up by calendar day.

    Readings with equal `recorded_at` keep their given order, so the one given last wins.
    """

    __slots__ = ("_days", "_readings", "first_day", "tz")

    def __init__(self, readings: Iterable[Reading], tz: tzinfo = UTC) -> None:
        self.tz = tz
        ordered = sorted(readings, key=lambda r: r.recorded_at)
        self._days: dict[str, list[date]] = {}
        self._readings: dict[str, list[Reading]] = {}
        for reading in ordered:
            day = reading.recorded_at.astimezone(tz).date()
            self._days.setdefault(reading.signal, []).append(day)
            self._readings.setdefault(reading.signal, []).append(reading)
        self.first_day: date | None = (
            min(days[0] for days in self._days.values()) if self._days else None
        )

    def latest(self, signal: str, as_of: date) -> tuple[Reading, date] | None:
        """The signal's latest reading recorded on or before `as_of`, with its day."""
        days = self._days.get(signal)
        if not days:
            return None
        i = bisect_right(days, as_of)
        if i == 0:
            return None
        return self._readings[signal][i - 1], days[i - 1]

    def latest_value(self, signal: str, as_of: date) -> int | None:
        days = self._days.get(signal)
        if not days:
            return None
        i = bisect_right(days, as_of)
        return self._readings[signal][i - 1].value if i else None

    def readings(self, signal: str) -> list[Reading]:
        return list(self._readings.get(signal, ()))
