"""The YAML file's shape (every key optional, unknown keys refused, numbers strict) and the
validated `Config` that the rest of the product reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scoring.rules import Rules
from scoring.signals import Category, Segment


class ConfigError(ValueError):
    """The config file is unusable; `problems` holds one line of text per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Strict: YAML's `true` is not 1 and `"3"` is not 3 (a whole number may stand for a float).
NonNegative = Annotated[int, Field(strict=True, ge=0)]
Weight = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Band = Annotated[float, Field(strict=True, ge=0, le=10)]
Flag = Annotated[bool, Field(strict=True)]
Window = NonNegative | None | dict[Segment, NonNegative | None]

_WINDOW_HELP = (
    "a window is whole days after signature (0 or more), null for never overdue, "
    "or one per segment like {smb: 30, mid: 45, enterprise: 60}"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalSpec(_Strict):
    label: str | None = None
    description: str | None = None
    category: Category | None = None
    weight: Weight | None = None
    window: Window = Field(default=None)
    retired: Flag | None = None

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) != {segment.value for segment in Segment}:
                raise ValueError(
                    "give every segment (smb, mid, enterprise) or one number of days for all"
                )
            days = list(value.values())
        else:
            days = [value]
        for day in days:
            if day is not None and (type(day) is not int or day < 0):
                raise ValueError(_WINDOW_HELP)
        return value


class BandsSpec(_Strict):
    healthy: Band | None = None
    watch: Band | None = None

    @field_validator("healthy", "watch")
    @classmethod
    def _one_decimal(cls, value: float | None) -> float | None:
        if value is not None and round(value * 10) != value * 10:
            raise ValueError("a band takes at most one decimal, like 7.5")
        return value


class StatusDays(_Strict):
    at_risk: NonNegative | None = None
    watch: NonNegative | None = None


class RescueSpec(_Strict):
    channel: str | None = None
    sla_business_days: StatusDays | None = None
    checkpoint_days: StatusDays | None = None


class EscalationSpec(_Strict):
    channel: str | None = None
    approvers: list[str] = Field(default_factory=list)
    approver_group: str | None = None
    two_approvals_from_arr: NonNegative | None = None


class RolesSpec(_Strict):
    """`roles:` as written in the file; `Config.roles` is what the code reads."""

    admins: list[str] = Field(default_factory=list)
    admin_group: str | None = None
    csms: list[str] = Field(default_factory=list)
    csm_group: str | None = None


class DigestScope(_Strict):
    segment: Segment | None = None
    csm: str | None = None


class DigestSpec(_Strict):
    channel: str
    cron: str = "0 9 * * mon"
    timezone: str | None = None
    scope: DigestScope = Field(default_factory=DigestScope)


class StandupSpec(_Strict):
    """`standup:`: how many accounts needing a decision `/standup` shows as its focus (the rest
    are counted, and listed in its thread)."""

    focus_limit: Annotated[int, Field(strict=True, ge=1, le=15)] = 10  # 15 lines fit a message


class ScheduleSpec(_Strict):
    recompute_cron: str | None = None
    stale_reminder_cron: str | None = None
    reminder_every_minutes: Annotated[int, Field(strict=True, ge=1, le=60)] | None = None
    sla_warning_hours: Annotated[float, Field(strict=True, gt=0, le=72)] | None = None
    misfire_grace_minutes: Annotated[int, Field(strict=True, ge=1, le=10080)] | None = None


Target = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]


class GateItemSpec(_Strict):
    """One phase-gate item: ticked (no target) or measured against `target` (in `unit`).
    `signal`: ticking the item rates that signal Healthy."""

    label: str | None = None
    target: Target | None = None
    unit: str | None = None
    signal: str | None = None


GateChecklist = dict[str, GateItemSpec | None]  # by item key; null removes a default item


class GatesSpec(_Strict):
    """`gates:` — each phase's checklist, merged item by item over the defaults."""

    day0: GateChecklist = Field(default_factory=dict)
    days_1_30: GateChecklist = Field(default_factory=dict)
    days_31_60: GateChecklist = Field(default_factory=dict)
    days_61_90: GateChecklist = Field(default_factory=dict)


class SegmentEvent(_Strict):
    """What one Segment `track` event sets: a signal to a value."""

    signal: str
    value: Annotated[int, Field(strict=True, ge=0, le=2)]


class SegmentSpec(_Strict):
    events: dict[str, SegmentEvent] = Field(default_factory=dict)  # by the event's name


Share = Annotated[float, Field(strict=True, gt=0, lt=1)]


class TicketTrendSpec(_Strict):
    """How far a week's ticket rate must be below (improving) or above (worsening) the mean of
    the four weeks before it, as a fraction: 0.1 is 10%."""

    improving: Share = 0.1
    worsening: Share = 0.1


class IntercomSpec(_Strict):
    ticket_trend: TicketTrendSpec = Field(default_factory=TicketTrendSpec)


# The account fields a HubSpot company property may set (`/onboard set`'s names for them).
HubspotField = Literal["name", "segment", "arr", "users", "signed"]


class HubspotSpec(_Strict):
    """Which HubSpot company property sets which account field, e.g. `{annualrevenue: arr,
    numberofemployees: users}`; the company's `name` always names the account it creates."""

    properties: dict[str, HubspotField] = Field(default_factory=dict)


class IntegrationsSpec(_Strict):
    segment: SegmentSpec = Field(default_factory=SegmentSpec)
    intercom: IntercomSpec = Field(default_factory=IntercomSpec)
    hubspot: HubspotSpec = Field(default_factory=HubspotSpec)


class ConfigFile(_Strict):
    """The YAML file's shape: every key optional, unknown keys refused."""

    team_timezone: str | None = None
    stale_after_days: NonNegative | None = None
    trend_weeks: Annotated[int, Field(strict=True, ge=1, le=104)] | None = None
    holidays: list[date] | None = None
    bands: BandsSpec | None = None
    signals: dict[str, SignalSpec] = Field(default_factory=dict)
    rescue: RescueSpec | None = None
    escalation: EscalationSpec | None = None
    digests: list[DigestSpec] | None = None
    schedule: ScheduleSpec | None = None
    roles: RolesSpec | None = None
    gates: GatesSpec | None = None
    integrations: IntegrationsSpec | None = None
    standup: StandupSpec | None = None


@dataclass(frozen=True)
class ConfiguredRoles:
    """`roles:` in force: Slack member IDs (`U…`/`W…`) and user group IDs (`S…`).

    - `admins`, `admin_group`: the admins. Both empty means unset: the authorisation policy
      (`bot.services.policy`) then takes the escalation approvers as the admins.
    - `csms`, `csm_group`: the CSMs. Both empty means unset: every workspace member is a CSM.
    Group members are resolved by the policy through Slack, not here.
    """

    admins: frozenset[str] = frozenset()
    admin_group: str | None = None
    csms: frozenset[str] = frozenset()
    csm_group: str | None = None


@dataclass(frozen=True)
class Config:
    """The validated configuration in force. `escalation.approvers`/`approver_group` are the
    approvers; `roles` the admins and CSMs."""

    rules: Rules
    rescue_channel: str | None
    escalation: EscalationSpec
    digests: tuple[DigestSpec, ...]
    source: str
    schedule: ScheduleSpec
    roles: ConfiguredRoles
    integrations: IntegrationsSpec = field(default_factory=IntegrationsSpec)
    standup: StandupSpec = field(default_factory=StandupSpec)
