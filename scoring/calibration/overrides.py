"""Manual status overrides judged against how the onboarding ended."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scoring.calibration.cohort import FinishedOnboarding
from scoring.rules import Status


@dataclass(frozen=True, slots=True)
class OverrideCheck:
    """A manual status override judged against the outcome: `right` when its call (At risk or
    not) matched how the onboarding ended; `changed_call` when the computed status called it
    differently."""

    key: str
    day: int
    computed: Status | None
    override: Status
    bad: bool

    @property
    def right(self) -> bool:
        return (self.override == Status.AT_RISK) == self.bad

    @property
    def changed_call(self) -> bool:
        return (self.override == Status.AT_RISK) != (self.computed == Status.AT_RISK)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "day": self.day,
            "computed": None if self.computed is None else Status(self.computed).value,
            "override": Status(self.override).value,
            "bad": self.bad,
            "right": self.right,
            "changed_call": self.changed_call,
        }


def override_checks(records: Iterable[FinishedOnboarding]) -> tuple[OverrideCheck, ...]:
    """Every override in force on day 30 or day 60, in cohort order, day 30 first."""
    return tuple(
        OverrideCheck(record.key, day, picture.status, picture.override, record.bad)
        for record in records
        for day, picture in ((30, record.day30), (60, record.day60))
        if picture.override is not None
    )
