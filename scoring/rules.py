"""The rule set in force: taxonomy, bands, staleness, SLAs and the team's calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from enum import StrEnum

from scoring.gates import Gates
from scoring.signals import Taxonomy


class Status(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at_risk"

    @property
    def label(self) -> str:
        return {"healthy": "Healthy", "watch": "Watch", "at_risk": "At risk"}[self.value]

    @property
    def severity(self) -> int:
        return {"healthy": 0, "watch": 1, "at_risk": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Bands:
    """Lower bounds on the one-decimal score, in tenths (7.5 -> 75) so comparisons are exact."""

    healthy_tenths: int = 75
    watch_tenths: int = 50

    def status_for(self, tenths: int) -> Status:
        if tenths >= self.healthy_tenths:
            return Status.HEALTHY
        if tenths >= self.watch_tenths:
            return Status.WATCH
        return Status.AT_RISK


@dataclass(frozen=True, slots=True)
class RescuePolicy:
    """Response SLA in business days and customer checkpoint in calendar days, by status."""

    sla_business_days: dict[Status, int] = field(
        default_factory=lambda: {Status.AT_RISK: 1, Status.WATCH: 3}
    )
    checkpoint_days: dict[Status, int] = field(
        default_factory=lambda: {Status.AT_RISK: 7, Status.WATCH: 14}
    )


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything scoring needs besides the data; built once from the validated config."""

    taxonomy: Taxonomy
    bands: Bands = Bands()
    stale_after_days: int = 14
    rescue: RescuePolicy = RescuePolicy()
    team_timezone: tzinfo = UTC
    holidays: frozenset[date] = frozenset()
    trend_weeks: int = 12
    weights_version: int = 0  # the approved weight version applied; 0: as configured
    # each phase's readiness checklist (`gates:` in the config)
    gates: Gates = field(default_factory=Gates)
