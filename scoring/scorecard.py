"""The scorecard: score with its breakdown, coverage, status with its floors, stale and overdue.

Arithmetic is exact: weights are integer-scaled by the taxonomy and the score is kept in tenths,
rounded half-up, so the status is decided on exactly the one-decimal number users see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scoring.accounts import AccountFacts
from scoring.gates import OverdueGate
from scoring.overrides import Override
from scoring.phases import Phase, phase_for
from scoring.readings import History, Reading
from scoring.rules import Rules, Status
from scoring.signals import Signal
from scoring.trend import Trend, trend_for
from scoring.weeks import previous_week_end


class Flag:
    """Codes for why a scorecard deserves attention."""

    UNSCORED = "unscored"
    HANDOFF_INCOMPLETE = "handoff_incomplete"
    LOW_COVERAGE = "low_coverage"
    SIGNAL_AT_ZERO = "signal_at_zero"
    STALE = "stale"
    OVERDUE = "overdue"
    FALLING = "falling"


@dataclass(frozen=True, slots=True)
class SignalLine:
    """One signal's line in the breakdown."""

    signal: Signal
    value: int | None
    weight: float
    contribution: float
    stale: bool
    days_since_reading: int | None
    overdue: bool
    days_late: int
    due_on: date | None
    note: str | None
    author: str | None
    recorded_at: datetime | None
    source: str | None = None  # where the reading came from: slash_command, import, segment …
    # The value at the end of last week (last Sunday), shown beside today's; None: unrated then.
    last_week: int | None = None

    @property
    def key(self) -> str:
        return self.signal.key


@dataclass(frozen=True, slots=True)
class Scorecard:
    """An account evaluated as of a day, using only readings recorded on or before it.

    `band_status` is what the score alone says; `status` is that after the floors.
    `weights_version` is the weight version it was computed with; `override` is a person's
    manual status call in force, shown beside `status`, never replacing it.
    """

    account: AccountFacts
    as_of: date
    score_tenths: int | None
    status: Status
    band_status: Status | None
    coverage: float
    signals: tuple[SignalLine, ...]
    trend: Trend
    flags: tuple[str, ...]
    phase: Phase
    days_since_signature: int | None
    weights_version: int = 0
    override: Override | None = None
    # Phase-gate items open past their phase's end (scoring.gates), set by whoever loads the
    # account's gate items: they count like overdue signals.
    overdue_gates: tuple[OverdueGate, ...] = ()

    @property
    def score(self) -> float | None:
        return None if self.score_tenths is None else self.score_tenths / 10

    @property
    def handoff_complete(self) -> bool:
        return self.account.handoff.complete

    @property
    def zero_signals(self) -> tuple[SignalLine, ...]:
        return tuple([line for line in self.signals if line.value == 0])

    @property
    def stale_signals(self) -> tuple[SignalLine, ...]:
        return tuple([line for line in self.signals if line.stale])

    @property
    def overdue_signals(self) -> tuple[SignalLine, ...]:
        return tuple([line for line in self.signals if line.overdue])

    @property
    def falling(self) -> bool:
        return self.trend.falling

    @property
    def decided_status(self) -> Status:
        """The status that decides membership, rank and counts: a person's override when one is
        in force, else the computed status (which is still shown beside it)."""
        return self.override.status if self.override is not None else self.status

    def line(self, key: str) -> SignalLine | None:
        for line in self.signals:  # a loop, not next() over a generator: views ask per account
            if line.signal.key == key:
                return line
        return None


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up to an integer, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def score_tenths_at(history: History, rules: Rules, day: date) -> int | None:
    """The one-decimal score (in tenths) from the readings recorded on or before `day`."""
    num = den = 0
    for key, weight in rules.taxonomy.scaled_weight.items():
        value = history.latest_value(key, day)
        if value is not None:
            num += weight * value
            den += weight * 2
    return half_up(100 * num, den) if den else None


FLOORS = frozenset({Flag.HANDOFF_INCOMPLETE, Flag.LOW_COVERAGE, Flag.SIGNAL_AT_ZERO})
"""Flags that keep a scorecard from being Healthy, whatever its score."""


def _latest_readings(
    history: History, rules: Rules, as_of: date
) -> tuple[dict[str, tuple[Reading, date]], int, int]:
    """Each active signal's latest reading (and its day) on or before `as_of`, with the score's
    scaled numerator and denominator (Σ w·v, Σ 2w over the rated signals)."""
    taxonomy = rules.taxonomy
    num = den = 0
    latest: dict[str, tuple[Reading, date]] = {}
    for signal in taxonomy.active:
        found = history.latest(signal.key, as_of)
        if found is not None:
            latest[signal.key] = found
            weight = taxonomy.scaled_weight[signal.key]
            num += weight * found[0].value
            den += weight * 2
    return latest, num, den


def _signal_line(
    signal: Signal,
    history: History,
    found: tuple[Reading, date] | None,
    den: int,
    account: AccountFacts,
    rules: Rules,
    as_of: date,
) -> SignalLine:
    """One signal's breakdown line: its share of the score, staleness and deadline."""
    weight = rules.taxonomy.scaled_weight[signal.key]
    reading, day = found if found is not None else (None, None)
    value = reading.value if reading is not None else None
    days_since = (as_of - account.signed_on).days if account.signed_on else None
    window = signal.window_for(account.segment)
    due_on = (
        account.signed_on + timedelta(days=window)
        if window is not None and account.signed_on
        else None
    )
    days_late = days_since - window if window is not None and days_since is not None else 0
    overdue = days_late > 0 and value != 2
    age = (as_of - day).days if day is not None else None
    contribution = half_up(1000 * weight * value, den) / 100 if value is not None else 0.0
    last_week = history.latest_value(signal.key, previous_week_end(as_of))
    return SignalLine(
        signal=signal,
        value=value,
        weight=float(signal.weight),
        contribution=contribution,
        stale=age is not None and age > rules.stale_after_days,
        days_since_reading=age,
        overdue=overdue,
        days_late=days_late if overdue else 0,
        due_on=due_on,
        note=reading.note if reading else None,
        author=reading.author if reading else None,
        recorded_at=reading.recorded_at if reading else None,
        source=reading.source if reading else None,
        last_week=last_week,
    )


def _flags(
    account: AccountFacts,
    tenths: int | None,
    rated_weight: int,
    total: int,
    lines: list[SignalLine],
) -> list[str]:
    """Why the scorecard deserves attention, apart from its trend, in reporting order."""
    flags: list[str] = []
    if tenths is None:
        flags.append(Flag.UNSCORED)
    if not account.handoff.complete:
        flags.append(Flag.HANDOFF_INCOMPLETE)
    if 2 * rated_weight < total or total == 0:
        flags.append(Flag.LOW_COVERAGE)
    if any(line.value == 0 for line in lines):
        flags.append(Flag.SIGNAL_AT_ZERO)
    if any(line.stale for line in lines):
        flags.append(Flag.STALE)
    if any(line.overdue for line in lines):
        flags.append(Flag.OVERDUE)
    return flags


def _trend(
    account: AccountFacts,
    history: History,
    rules: Rules,
    tenths: int | None,
    *,
    as_of: date,
    trend_weeks: int | None,
) -> Trend:
    """The score's weekly trend up to `as_of`, from no earlier than what is known of it."""
    known_days = [d for d in (account.signed_on, history.first_day) if d is not None]
    return trend_for(
        lambda day: score_tenths_at(history, rules, day),
        now_tenths=tenths,
        as_of=as_of,
        weeks=rules.trend_weeks if trend_weeks is None else trend_weeks,
        since=min(known_days) if known_days else None,
    )


def evaluate(
    account: AccountFacts,
    history: History,
    rules: Rules,
    *,
    as_of: date,
    trend_weeks: int | None = None,
) -> Scorecard:
    """Score `account` as if today were `as_of`; `trend_weeks` past weeks go into the trend."""
    taxonomy = rules.taxonomy
    days_since = (as_of - account.signed_on).days if account.signed_on else None
    latest, num, den = _latest_readings(history, rules, as_of)
    rated_weight = den // 2
    lines = [
        _signal_line(signal, history, latest.get(signal.key), den, account, rules, as_of)
        for signal in taxonomy.active
    ]
    tenths = half_up(100 * num, den) if den else None
    total = taxonomy.total_scaled_weight
    band_status = rules.bands.status_for(tenths) if tenths is not None else None
    flags = _flags(account, tenths, rated_weight, total, lines)
    status = band_status or Status.WATCH
    if status is Status.HEALTHY and FLOORS & set(flags):
        status = Status.WATCH
    trend = _trend(account, history, rules, tenths, as_of=as_of, trend_weeks=trend_weeks)
    if trend.falling:
        flags.append(Flag.FALLING)
    return Scorecard(
        account=account,
        as_of=as_of,
        score_tenths=tenths,
        status=status,
        band_status=band_status,
        coverage=rated_weight / total if total else 0.0,
        signals=tuple(lines),
        trend=trend,
        flags=tuple(flags),
        phase=phase_for(days_since),
        days_since_signature=days_since,
        weights_version=rules.weights_version,
    )
