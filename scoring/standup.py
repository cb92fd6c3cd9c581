"""The standup: who needs help this week, ranked, each with an owner, a next step and a date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum

from scoring.rules import Status
from scoring.scorecard import Scorecard

DUE_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class Followup:
    """What was agreed for an account: who, what next, by when. Blank parts fall back."""

    owner: str | None = None
    next_step: str | None = None
    due: date | None = None


@dataclass(frozen=True, slots=True)
class OpenRescue:
    """The parts of an open rescue the standup needs."""

    owner: str | None
    next_step: str | None
    checkpoint_on: date
    sla_due_on: date | None = None


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account's scorecard with what the team agreed about it."""

    card: Scorecard
    followup: Followup = field(default_factory=Followup)
    rescue: OpenRescue | None = None


class Tier(IntEnum):
    """Standup order: lower comes first."""

    UNOWNED_ZERO = 0
    FALLING = 1
    AT_RISK = 2
    WATCH = 3
    ATTENTION = 4


@dataclass(frozen=True, slots=True)
class StandupItem:
    """One line of the standup. `owned` is False when the owner shown is only the CSM default."""

    card: Scorecard
    tier: Tier
    owner: str | None
    owned: bool
    next_step: str
    due: date
    reasons: tuple[str, ...]

    @property
    def account(self) -> str:
        return self.card.account.key


def standup(states: Iterable[AccountState], *, as_of: date) -> list[StandupItem]:
    """Every account that needs help, ranked: tier, then ARR (higher first), then nearest due."""
    items = [item for state in states if (item := _item(state, as_of)) is not None]
    items.sort(key=lambda i: (i.tier, -i.card.account.arr, i.due, i.card.account.key))
    return items


def _dates_due(state: AccountState, as_of: date) -> list[tuple[str, date]]:
    """The agreed dates that fall within the next `DUE_SOON_DAYS` (or have passed)."""
    followup, rescue = state.followup, state.rescue
    soon = as_of + timedelta(days=DUE_SOON_DAYS)
    return [
        (label, d)
        for label, d in (
            ("follow-up due", followup.due),
            ("rescue checkpoint", rescue.checkpoint_on if rescue else None),
            ("rescue response due", rescue.sla_due_on if rescue else None),
        )
        if d is not None and d <= soon
    ]


def _tier(card: Scorecard, *, owned: bool, dates_due: list[tuple[str, date]]) -> Tier | None:
    """Where the account stands in the standup; None when it needs no help this week."""
    if card.zero_signals and not owned:
        return Tier.UNOWNED_ZERO
    if card.falling:
        return Tier.FALLING
    if card.status is Status.AT_RISK:
        return Tier.AT_RISK
    if card.status is Status.WATCH:
        return Tier.WATCH
    if card.stale_signals or card.overdue_signals or dates_due:
        return Tier.ATTENTION
    return None


def _reasons(card: Scorecard, *, owned: bool, dates_due: list[tuple[str, date]]) -> tuple[str, ...]:
    """Why the account is on the standup, most pressing first."""
    reasons = [
        f"{line.signal.label} at risk (0)" + ("" if owned else ", needs an owner today")
        for line in card.zero_signals
    ]
    if card.falling:
        reasons.append(f"falling {card.trend.falling_weeks} weeks in a row")
    if card.score is None:
        reasons.append(f"{card.status.label}: no signal rated yet")
    elif card.status is not Status.HEALTHY:
        reasons.append(f"{card.status.label} (score {card.score:.1f})")
    if not card.handoff_complete:
        reasons.append("hand-off checklist incomplete")
    if card.score is not None and card.coverage < 0.5:
        reasons.append(f"only {card.coverage:.0%} of signals rated")
    reasons += [
        f"{line.signal.label} overdue ({line.days_late}d late)" for line in card.overdue_signals
    ]
    reasons += [
        f"{line.signal.label} stale ({line.days_since_reading}d since rated)"
        for line in card.stale_signals
    ]
    reasons += [f"{label} {d.isoformat()}" for label, d in dates_due]
    return tuple(reasons)


def _due(state: AccountState, tier: Tier, as_of: date) -> date:
    """The agreed date, else today for urgent accounts and a week from now for the rest."""
    due = state.followup.due or (state.rescue.checkpoint_on if state.rescue else None)
    if due is not None:
        return due
    urgent = tier is Tier.UNOWNED_ZERO or state.card.status is Status.AT_RISK
    return as_of if urgent else as_of + timedelta(days=DUE_SOON_DAYS)


def _item(state: AccountState, as_of: date) -> StandupItem | None:
    card, rescue = state.card, state.rescue
    dates_due = _dates_due(state, as_of)
    owner = state.followup.owner or (rescue.owner if rescue else None)
    owned = owner is not None
    tier = _tier(card, owned=owned, dates_due=dates_due)
    if tier is None:
        return None
    return StandupItem(
        card=card,
        tier=tier,
        owner=owner or card.account.csm,
        owned=owned,
        next_step=_next_step(state, tier),
        due=_due(state, tier, as_of),
        reasons=_reasons(card, owned=owned, dates_due=dates_due),
    )


def _next_step(state: AccountState, tier: Tier) -> str:
    card = state.card
    if tier is Tier.UNOWNED_ZERO:
        return f"Assign an owner for {card.zero_signals[0].signal.label}"
    agreed = state.followup.next_step or (state.rescue.next_step if state.rescue else None)
    if agreed:
        return agreed
    if card.zero_signals:
        return f"Unblock {card.zero_signals[0].signal.label}"
    if card.overdue_signals:
        worst = max(card.overdue_signals, key=lambda line: line.days_late)
        return f"Agree a date for {worst.signal.label} with the customer"
    if card.falling:
        return "Find what changed and agree a recovery step"
    if card.score is None or card.coverage < 0.5:
        return "Rate the unrated signals"
    if not card.handoff_complete:
        return "Complete the hand-off checklist with sales"
    if card.stale_signals:
        return f"Re-rate {card.stale_signals[0].signal.label}"
    return "Review at the next standup"
