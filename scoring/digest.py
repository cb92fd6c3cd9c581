"""The Monday digest: the four weekly questions answered from the portfolio's scorecards.

"Who needs help" is the standup's focus (the same accounts `/standup` shows); a status
override decides the counts and who is ready for expansion, as it does everywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scoring.promises import promised_on
from scoring.rules import Status
from scoring.standup import FOCUS_LIMIT, AccountState, Focus, StandupItem, focus, standup
from scoring.weeks import week_label

FIRST_VALUE = "first_value"


@dataclass(frozen=True, slots=True)
class StepDelay:
    """How much one onboarding step is holding accounts up."""

    signal: str
    label: str
    overdue_accounts: int
    mean_days_late: float
    max_days_late: int


@dataclass(frozen=True, slots=True)
class BrokenPromise:
    """An account past the timeline promised in the sale without reaching first value."""

    account: str
    name: str
    segment: str
    promised: str
    promised_on: date
    days_past: int


@dataclass(frozen=True, slots=True)
class ExpansionCandidate:
    """Healthy, first value reached, stable or rising, no open rescue."""

    account: str
    name: str
    score: float
    delta: float | None
    arr: int


@dataclass(frozen=True, slots=True)
class Digest:
    as_of: date
    week: str
    counts: dict[Status, int]
    previous_counts: dict[Status, int]
    needs_help: tuple[StandupItem, ...]
    delays: tuple[StepDelay, ...]
    promises: tuple[BrokenPromise, ...]
    expansion: tuple[ExpansionCandidate, ...]
    focus: Focus | None = None  # who needs help, split as the standup shows it

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def change(self, status: Status) -> int:
        return self.counts[status] - self.previous_counts.get(status, 0)


def build_digest(
    states: Sequence[AccountState],
    *,
    as_of: date,
    previous_status: Mapping[str, Status],
    promised_timelines: Mapping[str, str | None],
    focus_limit: int = FOCUS_LIMIT,
) -> Digest:
    """The digest for `states` as of `as_of`; `previous_status` is each account's status at the
    end of last week, `promised_timelines` the hand-off's promised timeline by account key."""
    counts = dict.fromkeys(Status, 0)
    previous = dict.fromkeys(Status, 0)
    for state in states:
        counts[state.card.decided_status] += 1
        if (before := previous_status.get(state.card.account.key)) is not None:
            previous[before] += 1
    needs_help = standup(states, as_of=as_of)
    return Digest(
        as_of=as_of,
        week=week_label(as_of),
        counts=counts,
        previous_counts=previous,
        needs_help=tuple(needs_help),
        delays=_delays(states),
        promises=_promises(states, promised_timelines, as_of),
        expansion=_expansion(states),
        focus=focus(needs_help, limit=focus_limit),
    )


def _delays(states: Sequence[AccountState]) -> tuple[StepDelay, ...]:
    late: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for state in states:
        for line in state.card.overdue_signals:
            late.setdefault(line.key, []).append(line.days_late)
            labels[line.key] = line.signal.label
        # Phase-gate items held up past their phase's end are steps too.
        for gate in state.card.overdue_gates:
            key = f"gate:{gate.key}"
            late.setdefault(key, []).append(gate.days_late)
            labels[key] = f"{gate.label} ({gate.item.phase.label} gate)"
    delays = [
        StepDelay(key, labels[key], len(days), round(sum(days) / len(days), 1), max(days))
        for key, days in late.items()
    ]
    delays.sort(key=lambda d: (-d.overdue_accounts, -d.mean_days_late, d.signal))
    return tuple(delays)


def _promises(
    states: Sequence[AccountState], timelines: Mapping[str, str | None], as_of: date
) -> tuple[BrokenPromise, ...]:
    broken: list[BrokenPromise] = []
    # A portfolio repeats a few timelines and signature days: each pair's text is read once.
    read: dict[tuple[str | None, date | None], date | None] = {}
    for state in states:
        account = state.card.account
        first_value = state.card.line(FIRST_VALUE)
        if first_value is not None and first_value.value == 2:
            continue
        timeline = timelines.get(account.key)
        pair = (timeline, account.signed_on)
        if pair not in read:
            read[pair] = promised_on(timeline, account.signed_on)
        promised = read[pair]
        if promised is not None and promised < as_of:
            broken.append(
                BrokenPromise(
                    account.key,
                    account.name,
                    account.segment.value,
                    timeline or "",
                    promised,
                    (as_of - promised).days,
                )
            )
    broken.sort(key=lambda b: (b.segment, -b.days_past, b.account))
    return tuple(broken)


def _expansion(states: Sequence[AccountState]) -> tuple[ExpansionCandidate, ...]:
    ready: list[ExpansionCandidate] = []
    for state in states:
        card = state.card
        first_value = card.line(FIRST_VALUE)
        stable = not card.falling and (card.trend.delta_tenths or 0) >= 0
        if (
            card.decided_status is Status.HEALTHY
            and card.score is not None
            and first_value is not None
            and first_value.value == 2
            and stable
            and state.rescue is None
        ):
            ready.append(
                ExpansionCandidate(
                    card.account.key,
                    card.account.name,
                    card.score,
                    card.trend.delta,
                    card.account.arr,
                )
            )
    ready.sort(key=lambda c: (-c.arr, -c.score, c.account))
    return tuple(ready)
