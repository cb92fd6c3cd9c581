"""What calibration is given: finished onboardings, their outcome label and their early picture.

For each finished onboarding the caller gives the outcome label (`bad`: churned, or not completed
or expanded by day 90 — `bad_outcome` decides it) and the early picture at day 30 and day 60 after
signature: each signal's value, the model's score and status, and any manual status override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from scoring.kpis import SUCCESSFUL, Outcome
from scoring.rules import Status


def bad_outcome(
    outcome: Outcome | str | None,
    outcome_on: date | None,
    signed_on: date | None,
    *,
    today: date,
    horizon_days: int = 90,
) -> bool | None:
    """Whether an onboarding ended badly: churned, or not completed/expanded by day 90.

    True: churned, completed or expanded after day `horizon_days`, or still without an outcome
    after it. False: completed or expanded by then (undated: assumed in time). None: not
    finished and not yet past the horizon, or no signature date to count from — leave it out.
    """
    if outcome == Outcome.CHURNED:
        return True
    deadline = signed_on + timedelta(days=horizon_days) if signed_on is not None else None
    if outcome in SUCCESSFUL:
        return deadline is not None and outcome_on is not None and outcome_on > deadline
    if deadline is None or today <= deadline:
        return None
    return True


@dataclass(frozen=True, slots=True)
class EarlyPicture:
    """What the scorecard showed on one day: values by signal key (None: unrated), the score
    (0–10, None: unscored), the computed status, and the manual override in force, if any."""

    values: Mapping[str, int | None] = field(default_factory=dict)
    score: float | None = None
    status: Status | None = None
    override: Status | None = None


@dataclass(frozen=True, slots=True)
class FinishedOnboarding:
    """One finished onboarding: its outcome label and its picture at day 30 and day 60."""

    key: str
    segment: str
    bad: bool
    day30: EarlyPicture
    day60: EarlyPicture = field(default_factory=EarlyPicture)
    signed_on: date | None = None

    def picture(self, day: int) -> EarlyPicture:
        """The picture on day 30, or on day 60 for any other day."""
        return self.day30 if day == 30 else self.day60


def signed_since(
    records: Iterable[FinishedOnboarding], since: date | None
) -> list[FinishedOnboarding]:
    """The onboardings signed on or after `since` (all of them when None; undated ones are
    dropped when a day is given)."""
    return [
        r for r in records if since is None or (r.signed_on is not None and r.signed_on >= since)
    ]
