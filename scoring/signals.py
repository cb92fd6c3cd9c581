"""The signal taxonomy: what is scored, how heavily, and by when it should be Healthy."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from fractions import Fraction
from math import lcm

from scoring.errors import AmbiguousName, InvalidValue, UnknownName
from scoring.nearest import nearest


class Segment(StrEnum):
    SMB = "smb"
    MID = "mid"
    ENTERPRISE = "enterprise"


class Category(StrEnum):
    MILESTONE = "milestone"
    STAKEHOLDER = "stakeholder"
    SUPPORT = "support"
    BLOCKER = "blocker"


class Value(IntEnum):
    """A reading on the three-point scale."""

    AT_RISK = 0
    WATCH = 1
    HEALTHY = 2

    @property
    def label(self) -> str:
        return {0: "At risk", 1: "Watch", 2: "Healthy"}[self.value]


_VALUE_WORDS = {
    "0": Value.AT_RISK,
    "risk": Value.AT_RISK,
    "at_risk": Value.AT_RISK,
    "at-risk": Value.AT_RISK,
    "1": Value.WATCH,
    "watch": Value.WATCH,
    "2": Value.HEALTHY,
    "healthy": Value.HEALTHY,
}

VALUE_USAGE = "0, 1, 2 or risk, watch, healthy"


def parse_value(text: str | int) -> Value:
    """`0`/`1`/`2` or `risk`/`watch`/`healthy`, case-insensitive."""
    if isinstance(text, bool):
        raise InvalidValue(f"`{text}` is not a signal value; use {VALUE_USAGE}")
    if isinstance(text, int):
        text = str(text)
    value = _VALUE_WORDS.get(text.strip().lower())
    if value is None:
        raise InvalidValue(f"`{text}` is not a signal value; use {VALUE_USAGE}")
    return value


@dataclass(frozen=True, slots=True)
class Signal:
    """One onboarding signal; `window`: days after signature by segment (None: never due)."""

    key: str
    label: str
    category: Category
    weight: Fraction
    window: dict[Segment, int | None] = field(default_factory=dict)
    description: str = ""
    retired: bool = False

    def window_for(self, segment: Segment) -> int | None:
        return self.window.get(segment)


class Taxonomy:
    """The ordered set of signals, with integer-scaled weights for exact score arithmetic."""

    def __init__(self, signals: list[Signal]) -> None:
        self.signals: tuple[Signal, ...] = tuple(signals)
        self.by_key: dict[str, Signal] = {s.key: s for s in signals}
        self.active: tuple[Signal, ...] = tuple(s for s in signals if not s.retired)
        scale = lcm(*(s.weight.denominator for s in signals)) if signals else 1
        self.scaled_weight: dict[str, int] = {s.key: int(s.weight * scale) for s in self.active}
        self.total_scaled_weight = sum(self.scaled_weight.values())

    def resolve(self, text: str) -> Signal:
        """A signal by key, or by an unambiguous prefix of its key or of a word of its key."""
        wanted = text.strip().lower()
        if not wanted:
            raise UnknownName("a signal name is missing", candidates=self._keys())
        if wanted in self.by_key:
            if self.by_key[wanted].retired:
                raise UnknownName(
                    f"`{wanted}` is retired: it is kept in history but no longer scored",
                    candidates=self._keys(),
                )
            return self.by_key[wanted]
        matches = [
            s
            for s in self.active
            if s.key.startswith(wanted) or any(p.startswith(wanted) for p in s.key.split("_"))
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousName(
                f"`{text}` matches several signals", candidates=[s.key for s in matches]
            )
        choices = [(s.key, s.key) for s in self.active]
        choices += [(word, s.key) for s in self.active for word in s.key.split("_")]
        choices += [(s.label, s.key) for s in self.active]
        suggestion = nearest(wanted, choices)
        known = (
            ""
            if suggestion
            else "; the signals are " + ", ".join(f"`{key}`" for key in self._keys())
        )
        raise UnknownName(f"`{text}` is not a signal{known}", suggestion=suggestion)

    def _keys(self) -> list[str]:
        return [s.key for s in self.active]
