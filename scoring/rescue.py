"""Rescue rules: which changes open a rescue, and the response SLA and checkpoint it gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from scoring.rules import RescuePolicy, Status
from scoring.scorecard import Scorecard


class TriggerKind(StrEnum):
    AT_RISK = "at_risk"
    FALLING = "falling"
    SIGNAL_AT_ZERO = "signal_at_zero"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class RescueTrigger:
    """Why a rescue should open (or, with one already open, what to add to its thread)."""

    kind: TriggerKind
    reason: str
    signal: str | None = None


def rescue_triggers(after: Scorecard, *, before: Scorecard | None) -> list[RescueTrigger]:
    """The conditions `after` entered that `before` was not in (all of them when no `before`).

    At risk, falling three weeks in a row, and each signal newly at 0 are triggers.
    """
    triggers: list[RescueTrigger] = []
    if after.status is Status.AT_RISK and (before is None or before.status is not Status.AT_RISK):
        triggers.append(
            RescueTrigger(TriggerKind.AT_RISK, f"turned At risk (score {_score(after)})")
        )
    if after.falling and (before is None or not before.falling):
        triggers.append(
            RescueTrigger(
                TriggerKind.FALLING, f"falling {after.trend.falling_weeks} weeks in a row"
            )
        )
    for line in after.zero_signals:
        previous = before.line(line.key) if before is not None else None
        if previous is None or previous.value != 0:
            triggers.append(
                RescueTrigger(
                    TriggerKind.SIGNAL_AT_ZERO, f"{line.signal.label} set to At risk", line.key
                )
            )
    return triggers


def _score(card: Scorecard) -> str:
    return "—" if card.score is None else f"{card.score:.1f}"


@dataclass(frozen=True, slots=True)
class RescueTerms:
    """When the owner must respond, and the customer recovery checkpoint."""

    sla_due_at: datetime
    checkpoint_on: date


def add_business_days(day: date, n: int, holidays: frozenset[date] = frozenset()) -> date:
    """The day `n` business days (Mon–Fri, not a holiday) after `day`."""
    while n > 0:
        day += timedelta(days=1)
        if day.isoweekday() <= 5 and day not in holidays:
            n -= 1
    return day


def rescue_terms(
    status: Status,
    opened_at: datetime,
    policy: RescuePolicy,
    *,
    tz: tzinfo,
    holidays: frozenset[date] = frozenset(),
) -> RescueTerms:
    """SLA: the same local clock time N business days later; checkpoint: N calendar days later.

    A Healthy account (a falling one can be) gets the Watch terms.
    """
    tier = Status.AT_RISK if status is Status.AT_RISK else Status.WATCH
    local = opened_at.astimezone(tz)
    sla_day = add_business_days(local.date(), policy.sla_business_days[tier], holidays)
    sla_local = datetime.combine(sla_day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    return RescueTerms(
        sla_due_at=sla_local.astimezone(opened_at.tzinfo),
        checkpoint_on=local.date() + timedelta(days=policy.checkpoint_days[tier]),
    )
