"""Manual status overrides: a person's call on an account's status, with the reason for it.

An override is kept beside the computed status, never instead of it: the scorecard shows both,
and calibration later checks whose call the outcome bore out. An override stands from the day
it is set until it is cleared or replaced; days are counted in the team's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from scoring.errors import InvalidValue
from scoring.rules import Status

MAX_REASON = 3000
STATUS_USAGE = "healthy, watch or risk"
_STATUS_WORDS = {
    "healthy": Status.HEALTHY,
    "watch": Status.WATCH,
    "risk": Status.AT_RISK,
    "at_risk": Status.AT_RISK,
    "at-risk": Status.AT_RISK,
}


@dataclass(frozen=True, slots=True)
class Override:
    """One override: the status called, why, by whom, when; `cleared_at` once it ended."""

    status: Status
    reason: str
    author: str
    set_at: datetime
    cleared_at: datetime | None = None

    def in_force_on(self, day: date, tz: tzinfo) -> bool:
        """Set on or before `day` and not cleared by the end of it."""
        if self.set_at.astimezone(tz).date() > day:
            return False
        return self.cleared_at is None or self.cleared_at.astimezone(tz).date() > day


def parse_status(text: str) -> Status:
    """`healthy`, `watch` or `risk` (also `at_risk`, `at-risk`), case-insensitive."""
    status = _STATUS_WORDS.get(text.strip().lower())
    if status is None:
        raise InvalidValue(f"`{text}` is not a status; use {STATUS_USAGE}")
    return status


def clean_reason(text: str | None) -> str:
    """The reason, trimmed; an override without one, or with an essay, is refused."""
    reason = (text or "").strip()
    if not reason:
        raise InvalidValue("an override needs a reason: say why the score is not the whole story")
    if len(reason) > MAX_REASON:
        raise InvalidValue(
            f"the reason is {len(reason):,} characters; keep it under {MAX_REASON:,}"
        )
    return reason


def in_force(overrides: Iterable[Override], day: date, tz: tzinfo) -> Override | None:
    """The override that stood at the end of `day`: the latest set among those in force."""
    standing = [o for o in overrides if o.in_force_on(day, tz)]
    return max(standing, key=lambda o: o.set_at) if standing else None
