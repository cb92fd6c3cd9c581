"""What messages render, as plain values: the results use cases hand to the builders.

The builders in `bot.messages` import nothing from `bot.services`; the use cases build these
records and pass them down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.tables import Account, Escalation, Rescue, StatusOverride
from scoring.scorecard import Scorecard
from scoring.signals import Signal, Value


@dataclass(frozen=True)
class SignalChange:
    """One rating: the value before and after, and whether it was already recorded."""

    signal: Signal
    before: int | None
    value: Value
    duplicate: bool


@dataclass(frozen=True)
class Recorded:
    """What recording did to the account: the changes, and its scorecard before and after."""

    account: Account
    changes: tuple[SignalChange, ...]
    before: Scorecard
    after: Scorecard
    # The automatic rescue these ratings corrected before anyone acted on it, now closed as
    # opened by mistake (its thread says so).
    closed: Rescue | None = None
    # The ids of the readings recorded (not the duplicates), in rating order: what Undo undoes.
    reading_ids: tuple[int, ...] = ()

    @property
    def recorded(self) -> tuple[SignalChange, ...]:
        return tuple(c for c in self.changes if not c.duplicate)


@dataclass(frozen=True)
class RescueView:
    """A rescue with what its message shows: the account, its scorecard, and severity."""

    rescue: Rescue
    account: Account
    card: Scorecard
    severe: str | None
    plan: Escalation | None


@dataclass(frozen=True)
class OverrideChange:
    """What a change did: the override set or cleared, the one it replaced, and the scorecard
    (computed status and score, with the override now in force)."""

    override: StatusOverride
    replaced: StatusOverride | None
    card: Scorecard


def elapsed(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    if hours or days:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts)
