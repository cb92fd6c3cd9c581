"""Phase gates: each onboarding phase's readiness checklist, and which items are overdue.

An item is done/not done, or a measured value against a target (met when value ≥ target). An
item is *overdue* when its phase has ended (days since signature past the phase's last day) and it
is still open — but only for phases that ended on or after the day the account started gate
tracking (the later of the day it was added and the day gates were first configured), so
switching gates on never floods the standup with history nobody could have ticked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class GatePhase(StrEnum):
    """The phases that have gates, by their key in the `gates:` config."""

    DAY0 = "day0"
    DAYS_1_30 = "days_1_30"
    DAYS_31_60 = "days_31_60"
    DAYS_61_90 = "days_61_90"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def last_day(self) -> int:
        """The last day since signature that belongs to this phase's gate. Day 0's gate closes
        on day 7, kickoff's window; the others at the end of their phase (scoring.phases)."""
        return _LAST_DAY[self]

    def ends_on(self, signed_on: date) -> date:
        return signed_on + timedelta(days=self.last_day)


_LABELS = {
    GatePhase.DAY0: "Day 0",
    GatePhase.DAYS_1_30: "Days 1–30",
    GatePhase.DAYS_31_60: "Days 31–60",
    GatePhase.DAYS_61_90: "Days 61–90",
}
_LAST_DAY = {
    GatePhase.DAY0: 7,
    GatePhase.DAYS_1_30: 30,
    GatePhase.DAYS_31_60: 60,
    GatePhase.DAYS_61_90: 90,
}


@dataclass(frozen=True, slots=True)
class GateItem:
    """One item of a phase's checklist. With a `target` it is measured (value ≥ target meets
    it, `unit` says in what); without, it is ticked. `signal`: ticking it rates that signal
    Healthy."""

    key: str
    label: str
    phase: GatePhase
    target: float | None = None
    unit: str = ""
    signal: str | None = None

    @property
    def measured(self) -> bool:
        return self.target is not None

    def target_text(self) -> str:
        return "" if self.target is None else f"{_number(self.target)}{self.unit_suffix}"

    @property
    def unit_suffix(self) -> str:
        if not self.unit:
            return ""
        return self.unit if self.unit == "%" else f" {self.unit}"


@dataclass(frozen=True, slots=True)
class Gates:
    """The checklist in force, in phase order then config order."""

    items: tuple[GateItem, ...] = ()

    def of(self, phase: GatePhase) -> tuple[GateItem, ...]:
        return tuple(item for item in self.items if item.phase is phase)

    def get(self, key: str) -> GateItem | None:
        return next((item for item in self.items if item.key == key), None)


@dataclass(frozen=True, slots=True)
class GateState:
    """Where an account stands on one item: ticked, or its latest measured value."""

    done: bool = False
    value: float | None = None


def is_met(item: GateItem, state: GateState | None) -> bool:
    """A ticked item is met when done; a measured one when its value reaches the target."""
    if state is None:
        return False
    if item.target is None:
        return state.done
    return state.value is not None and state.value >= item.target


@dataclass(frozen=True, slots=True)
class OverdueGate:
    """An open item of a phase that has ended since tracking started."""

    item: GateItem
    days_late: int
    value: float | None = None

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def label(self) -> str:
        return self.item.label

    def describe(self) -> str:
        """ "UAT coverage 80% of 95%, 3d late" / "SSO tested, 3d late"."""
        measured = ""
        if self.item.measured:
            seen = "not measured" if self.value is None else _number(self.value)
            suffix = "" if self.value is None else self.item.unit_suffix
            measured = f" {seen}{suffix} of {self.item.target_text()}"
        return f"{self.item.label}{measured}, {self.days_late}d late"


def tracking_start(added_on: date, gates_configured_on: date | None) -> date:
    """The day an account starts gate tracking: the later of the day it was added and the day
    gates were first configured (unknown: the day it was added)."""
    if gates_configured_on is None:
        return added_on
    return max(added_on, gates_configured_on)


def overdue_gates(
    gates: Gates,
    states: Mapping[str, GateState],
    *,
    signed_on: date | None,
    tracking_from: date,
    as_of: date,
) -> tuple[OverdueGate, ...]:
    """The items open past their phase's end as of `as_of`, most late first (then checklist
    order). A phase that ended before `tracking_from` has no overdue items; an account without a
    signature date has no phases yet."""
    if signed_on is None:
        return ()
    found: list[OverdueGate] = []
    for item in gates.items:
        ends_on = item.phase.ends_on(signed_on)
        if ends_on >= as_of or ends_on < tracking_from:
            continue
        state = states.get(item.key)
        if is_met(item, state):
            continue
        found.append(OverdueGate(item, (as_of - ends_on).days, state.value if state else None))
    order = {item.key: i for i, item in enumerate(gates.items)}
    found.sort(key=lambda late: (-late.days_late, order[late.key]))
    return tuple(found)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
