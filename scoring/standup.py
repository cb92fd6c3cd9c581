"""The standup: who needs help this week, ranked, each with an owner, a next step and a date;
and its focus, the accounts that need a decision today (the rest counted by their first need).

A status override decides membership and rank here (`Scorecard.decided_status`); the computed
status is still named in the reasons beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from typing import NamedTuple

from scoring.rules import Status
from scoring.scorecard import Scorecard, SignalLine

DUE_SOON_DAYS = 7
FOCUS_LIMIT = 10  # `standup.focus_limit` when the config says nothing


@dataclass(frozen=True, slots=True)
class Need:
    """One reason an account is in the standup. `decides`: it needs a decision today, so the
    account qualifies for the focus. `counted` is how the standup counts accounts under it."""

    key: str
    counted: str
    decides: bool = False


# Every need in contract order (PRODUCT.md, "Who is in the standup"): an account is counted
# under the first of its needs. A new reason goes where the contract ranks it.
UNOWNED_ZERO = Need("unowned_zero", "with a signal at 0 and no owner", decides=True)
FALLING = Need("falling", "falling three weeks in a row", decides=True)
AT_RISK = Need("at_risk", "At risk", decides=True)
WATCH_OVERDUE = Need("watch_overdue", "on Watch with something overdue", decides=True)
OWNED_ZERO = Need("owned_zero", "with a signal at 0, owner on it")
WATCH = Need("watch", "on Watch")
OVERDUE = Need("overdue", "with an overdue signal or gate item")
STALE = Need("stale", "with a stale signal")
DATE_DUE = Need("date_due", "with a follow-up or rescue date within a week")
# Listed, never a focus reason (PRODUCT.md, the risk register).
UNOWNED_RISK = Need("unowned_risk", "with an open high-impact risk and no owner")
NEEDS = (UNOWNED_ZERO, FALLING, AT_RISK, WATCH_OVERDUE, OWNED_ZERO, WATCH, OVERDUE, STALE,
         DATE_DUE, UNOWNED_RISK)  # fmt: skip
# Accounts that qualify for the focus but are past `focus_limit`: counted first, under this.
MORE_DECISIONS = Need("more_decisions", "more needing a decision")

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")  # fmt: skip


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
    # Labels of the phase-gate items past due: on Watch, they need a decision like a signal.
    overdue_gate_items: tuple[str, ...] = ()
    # Open high-impact risks nobody owns (the risk register): listed, not a focus reason.
    unowned_high_risks: int = 0


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
    needs: tuple[Need, ...] = ()  # in contract order
    why: str = ""  # the first need, in plain words: "Data import at 0, no owner"

    @property
    def account(self) -> str:
        return self.card.account.key

    @property
    def qualifies(self) -> bool:
        """It needs a decision today: a candidate for the focus."""
        return any(need.decides for need in self.needs)

    @property
    def last_week_tenths(self) -> int | None:
        """The score at last Sunday's snapshot (tenths), from the trend the card carries."""
        card = self.card
        if card.score_tenths is not None and card.trend.delta_tenths is not None:
            return card.score_tenths - card.trend.delta_tenths
        past = [w for w in card.trend.weekly if not w.partial and w.week_end < card.as_of]
        return past[-1].score_tenths if past else None

    @property
    def last_week_score(self) -> float | None:
        tenths = self.last_week_tenths
        return None if tenths is None else tenths / 10


@dataclass(frozen=True, slots=True)
class Counted:
    """The accounts outside the focus counted under one need, in standup order."""

    need: Need
    items: tuple[StandupItem, ...]


@dataclass(frozen=True, slots=True)
class Focus:
    """The standup split for a fifteen-minute meeting: `shown`, the first `limit` accounts that
    need a decision, in standup order; every other account counted once, under `MORE_DECISIONS`
    when it qualifies, else under its first need (one `Counted` per need, in contract order)."""

    shown: tuple[StandupItem, ...]
    counted: tuple[Counted, ...]
    items: tuple[StandupItem, ...]  # the whole standup, in its order

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(item.account for item in self.shown)

    @property
    def rest(self) -> tuple[StandupItem, ...]:
        return tuple(item for group in self.counted for item in group.items)


def focus(items: Sequence[StandupItem], *, limit: int = FOCUS_LIMIT) -> Focus:
    """The focus of a ranked standup: see `Focus`."""
    shown: list[StandupItem] = []
    groups: dict[Need, list[StandupItem]] = {}
    for item in items:
        if item.qualifies and len(shown) < limit:
            shown.append(item)
            continue
        need = MORE_DECISIONS if item.qualifies else item.needs[0]
        groups.setdefault(need, []).append(item)
    counted = tuple(
        Counted(need, tuple(groups[need])) for need in (MORE_DECISIONS, *NEEDS) if need in groups
    )
    return Focus(tuple(shown), counted, tuple(items))


def standup(states: Iterable[AccountState], *, as_of: date) -> list[StandupItem]:
    """Every account that needs help, ranked: tier, then ARR (higher first), then nearest due."""
    items = [item for state in states if (item := _item(state, as_of)) is not None]
    items.sort(key=lambda i: (i.tier, -i.card.account.arr, i.due, i.card.account.key))
    return items


def _dates_due(state: AccountState, as_of: date) -> list[tuple[str, date]]:
    """The agreed dates that fall within the next `DUE_SOON_DAYS` (or have passed)."""
    followup, rescue = state.followup, state.rescue
    if followup.due is None and rescue is None:  # most accounts: no agreed date at all
        return []
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


class _Asked(NamedTuple):
    """What the standup asks of one card, each worked out once: every part of a line (tier,
    needs, reasons, next step) asks again, for each of thousands of accounts."""

    zero: tuple[SignalLine, ...]
    stale: tuple[SignalLine, ...]
    overdue: tuple[SignalLine, ...]
    falling: bool
    status: Status  # the decided one


def _asked(card: Scorecard) -> _Asked:
    zero: list[SignalLine] = []
    stale: list[SignalLine] = []
    overdue: list[SignalLine] = []
    for line in card.signals:
        if line.value == 0:
            zero.append(line)
        if line.stale:
            stale.append(line)
        if line.overdue:
            overdue.append(line)
    return _Asked(tuple(zero), tuple(stale), tuple(overdue), card.falling, card.decided_status)


def _tier(
    card: Scorecard, asked: _Asked, *, owned: bool, dates_due: list[tuple[str, date]]
) -> Tier | None:
    """Where the account stands in the standup; None when it needs no help this week."""
    if asked.zero and not owned:
        return Tier.UNOWNED_ZERO
    if asked.falling:
        return Tier.FALLING
    if asked.status is Status.AT_RISK:
        return Tier.AT_RISK
    if asked.status is Status.WATCH:
        return Tier.WATCH
    if asked.stale or asked.overdue or card.overdue_gates or dates_due:
        return Tier.ATTENTION
    return None


def _reasons(
    card: Scorecard, asked: _Asked, *, owned: bool, dates_due: list[tuple[str, date]]
) -> tuple[str, ...]:
    """Why the account is on the standup, most pressing first."""
    reasons = [
        f"{line.signal.label} at risk (0)" + ("" if owned else ", needs an owner today")
        for line in asked.zero
    ]
    if asked.falling:
        reasons.append(f"falling {card.trend.falling_weeks} weeks in a row")
    if card.override is not None:
        reasons.append(
            f"{card.override.status.label} by override (computed {card.status.label}, "
            f"score {'—' if card.score is None else f'{card.score:.1f}'})"
        )
    elif card.score is None:
        reasons.append(f"{card.status.label}: no signal rated yet")
    elif card.status is not Status.HEALTHY:
        reasons.append(f"{card.status.label} (score {card.score:.1f})")
    if not card.handoff_complete:
        reasons.append("hand-off checklist incomplete")
    if card.score is not None and card.coverage < 0.5:
        reasons.append(f"only {card.coverage:.0%} of signals rated")
    reasons += [f"{line.signal.label} overdue ({line.days_late}d late)" for line in asked.overdue]
    reasons += [f"{gate.label} overdue ({gate.days_late}d late)" for gate in card.overdue_gates]
    reasons += [
        f"{line.signal.label} stale ({line.days_since_reading}d since rated)"
        for line in asked.stale
    ]
    reasons += [f"{label} {d.isoformat()}" for label, d in dates_due]
    return tuple(reasons)


def _due(state: AccountState, asked: _Asked, tier: Tier, as_of: date) -> date:
    """The agreed date, else today for urgent accounts and a week from now for the rest."""
    due = state.followup.due or (state.rescue.checkpoint_on if state.rescue else None)
    if due is not None:
        return due
    urgent = tier is Tier.UNOWNED_ZERO or asked.status is Status.AT_RISK
    return as_of if urgent else as_of + timedelta(days=DUE_SOON_DAYS)


def _item(state: AccountState, as_of: date) -> StandupItem | None:
    card, rescue = state.card, state.rescue
    dates_due = _dates_due(state, as_of)
    owner = state.followup.owner or (rescue.owner if rescue else None)
    owned = owner is not None
    asked = _asked(card)
    tier = _tier(card, asked, owned=owned, dates_due=dates_due)
    if tier is None and state.unowned_high_risks:
        tier = Tier.ATTENTION
    if tier is None:
        return None
    needs = _needs(state, asked, owned=owned, dates_due=dates_due)
    return StandupItem(
        card=card,
        tier=tier,
        owner=owner or card.account.csm,
        owned=owned,
        next_step=_next_step(state, asked, tier),
        due=_due(state, asked, tier, as_of),
        reasons=_reasons(card, asked, owned=owned, dates_due=dates_due) + _risk_reasons(state),
        needs=needs,
        why=_why(state, asked, needs[0]),
    )


def _needs(
    state: AccountState, asked: _Asked, *, owned: bool, dates_due: list[tuple[str, date]]
) -> tuple[Need, ...]:
    """The account's needs, in contract order."""
    status = asked.status
    zero = bool(asked.zero)
    overdue = bool(asked.overdue or state.card.overdue_gates or state.overdue_gate_items)
    present = (  # in NEEDS' order (a tuple, not a dict by Need: hashing them cost a tenth)
        zero and not owned,
        asked.falling,
        status is Status.AT_RISK,
        status is Status.WATCH and overdue,
        zero and owned,
        status is Status.WATCH,
        overdue,
        bool(asked.stale),
        bool(dates_due),
        state.unowned_high_risks > 0,
    )
    return tuple(need for need, here in zip(NEEDS, present, strict=True) if here)


def ordinal(n: int) -> str:
    """3 → "third"; past ten, "11th", "12th", "21st" …"""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _why(state: AccountState, asked: _Asked, need: Need) -> str:
    """The first need in plain words, as the standup line says it."""
    card = state.card
    if need is UNOWNED_ZERO:
        return f"{asked.zero[0].signal.label} at 0, no owner"
    if need is FALLING:
        drop = card.trend.delta_tenths
        down = "" if drop is None else f"down {abs(drop) / 10:.1f}, "
        return f"{down}{ordinal(card.trend.falling_weeks)} drop in a row"
    status = card.status.label if card.override is None else (
        f"{card.override.status.label} by override (computed {card.status.label})"
    )  # fmt: skip
    if need in (AT_RISK, WATCH, OWNED_ZERO):
        worst = min(
            (line for line in card.signals if line.value is not None),
            key=lambda line: line.value or 0,
            default=None,
        )
        detail = "nothing rated yet" if card.score is None else f"score {card.score:.1f}"
        if need is OWNED_ZERO:
            return f"{asked.zero[0].signal.label} at 0, owner on it"
        if worst is not None and worst.value is not None and worst.value < 2:
            detail += f", {worst.signal.label} at {worst.value}"
        return f"{status}: {detail}"
    if need in (WATCH_OVERDUE, OVERDUE):
        if asked.overdue:
            late = max(asked.overdue, key=lambda line: line.days_late)
            days = f"{late.days_late} day{'s' if late.days_late != 1 else ''}"
            what = f"{late.signal.label} {days} late"
        elif card.overdue_gates:
            gate = card.overdue_gates[0]
            what = f"{gate.label} overdue, {gate.days_late}d late"
        else:
            what = f"{state.overdue_gate_items[0]} overdue"
        return f"{status}, {what}" if need is WATCH_OVERDUE else what
    if need is STALE:
        line = max(asked.stale, key=lambda line: line.days_since_reading or 0)
        days = line.days_since_reading
        return f"{line.signal.label} not rated for {days} day{'' if days == 1 else 's'}"
    if need is UNOWNED_RISK:
        return _risk_reasons(state)[0]
    return "a follow-up or rescue date within a week"


def _risk_reasons(state: AccountState) -> tuple[str, ...]:
    n = state.unowned_high_risks
    if not n:
        return ()
    return (f"{n} open high-impact risk{'s' if n != 1 else ''} with no owner",)


def _next_step(state: AccountState, asked: _Asked, tier: Tier) -> str:
    card = state.card
    if tier is Tier.UNOWNED_ZERO:
        return f"Assign an owner for {asked.zero[0].signal.label}"
    agreed = state.followup.next_step or (state.rescue.next_step if state.rescue else None)
    if agreed:
        return agreed
    if asked.zero:
        return f"Unblock {asked.zero[0].signal.label}"
    if asked.overdue:
        worst = max(asked.overdue, key=lambda line: line.days_late)
        return f"Agree a date for {worst.signal.label} with the customer"
    if asked.falling:
        return "Find what changed and agree a recovery step"
    if card.score is None or card.coverage < 0.5:
        return "Rate the unrated signals"
    if not card.handoff_complete:
        return "Complete the hand-off checklist with sales"
    if asked.stale:
        return f"Re-rate {asked.stale[0].signal.label}"
    return "Review at the next standup"
