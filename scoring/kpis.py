"""Programme KPIs over a window, compared with a baseline and followed at week 4 and week 8.

Every KPI is computed from plain records the store hands over, for a window of calendar days
(`start` and `end` both included, in the team timezone): an event counts in the window when it
happened in it, so a window ending on a day is the KPI "as of" that day. Definitions (PRODUCT.md,
"KPI definitions"):

- completion rate = (completed + expanded) ÷ accounts whose outcome is dated in the window;
- time-to-value = days from signature to the first Healthy `first_value` reading, over the
  accounts that reached it in the window (median, and the distribution);
- at-risk recovery rate = rescues closed in the window that were opened At risk and closed with
  the account Healthy ÷ rescues closed in the window that were opened At risk;
- rescue SLA adherence = rescues answered by their SLA deadline ÷ rescues whose SLA was decided in
  the window (answered in time, or the deadline passed unanswered; answered exactly at the
  deadline is in time);
- escalation decision time = hours from plan creation to decision, over the plans decided in the
  window (median, and the distribution);
- ticket rate = tickets ÷ users × 1,000, over the accounts onboarding during the window.

Customer outcomes (PRODUCT.md, "Customer outcomes"), each over the accounts whose measuring day
falls in the window, so a window ending on a day asks "as of" that day:

- CSAT at D+7 / D+30 = the mean of the latest CSAT answer (1–5) per account for that day,
  answered in the window; NPS = % of answers 9–10 minus % of 0–6 (−100…100), the same answers;
- churn within 90 days = accounts churned with `outcome_on` ≤ signature + 90 ÷ the accounts whose
  day 90 falls in the window (signed at least 90 days before its end: their 90 days are over);
- expansion within 6 months = expanded with `outcome_on` ≤ signature + 182 ÷ the accounts whose
  day 182 falls in the window;
- activation = accounts whose first value was Healthy by the end of its window (by segment) ÷ the
  accounts whose first-value window ended in the window.

False alarms and misses (how often the rescues were wrong):

- false-alarm rate = rescues closed in the window as not needed or opened by mistake ÷ rescues
  closed in the window; a false alarm counts in no recovery figure;
- miss rate = accounts churned in the window without any rescue opened by the churn day (false
  alarms aside: they did not catch the risk) ÷ accounts churned in the window.

The risk register (PRODUCT.md, "Phase gates and the living risk register"), as of the window's
last day, over the accounts still onboarding then (`scoring.risks`):

- risk identification completeness = the mean over those accounts of their categories among
  the five (data, auth, cutover, comms, compliance) with a risk logged or marked reviewed ÷ 5;
- mitigation ownership rate = their open risks with both an owner and a mitigation ÷ their
  open risks (null when none is open).

Counts are kept beside every rate (a `Ratio` shows its arithmetic); an empty cohort gives None,
never 0. Medians and quartiles are exact (linear interpolation between ranks on fractions) and
only turned into floats at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from fractions import Fraction

from scoring.distributions import Distribution, Ratio
from scoring.risks import OwnershipRate, Register, RegisterKpis, register_kpis
from scoring.rules import Status

KPI_NAMES: tuple[str, ...] = (
    "completion_rate",
    "time_to_value_days",
    "at_risk_recovery_rate",
    "sla_adherence_rate",
    "escalation_decision_hours",
    "tickets_per_1000_users",
    "risk_identification_completeness",
    "mitigation_ownership_rate",
    "csat_d7",
    "csat_d30",
    "nps_d7",
    "nps_d30",
    "churn_90_rate",
    "expansion_6m_rate",
    "activation_rate",
    "false_alarm_rate",
    "miss_rate",
)
"""The headline KPIs, in display order; the keys of `Kpis.values()` and of `compare`."""


class Outcome(StrEnum):
    """How an onboarding ended."""

    COMPLETED = "completed"
    CHURNED = "churned"
    EXPANDED = "expanded"


SUCCESSFUL = frozenset({Outcome.COMPLETED, Outcome.EXPANDED})

CHURN_DAYS = 90
EXPANSION_DAYS = 182


class SurveyKind(StrEnum):
    """What a customer survey asks: satisfaction (CSAT, 1–5) or recommendation (NPS, 0–10)."""

    CSAT = "csat"
    NPS = "nps"


SURVEY_DAYS: tuple[int, ...] = (7, 30)
"""The days after signature a survey asks about: D+7 and D+30."""

SURVEY_RANGE: Mapping[SurveyKind, tuple[int, int]] = {
    SurveyKind.CSAT: (1, 5),
    SurveyKind.NPS: (0, 10),
}


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnboardingRecord:
    """One account's onboarding as the KPIs see it.

    `first_value_healthy_on` is the day of the first Healthy `first_value` reading (None: not
    reached yet); `users` is the account's user count, the ticket rate's denominator.
    """

    key: str
    segment: str
    signed_on: date | None
    outcome: Outcome | None = None
    outcome_on: date | None = None
    first_value_healthy_on: date | None = None
    users: int = 0
    first_value_window_days: int | None = None  # the segment's first-value window; None: none
    register: Register = field(default_factory=Register)  # the account's risk register

    def day(self, n: int) -> date | None:
        """The day `n` days after signature (None: no signature date)."""
        return None if self.signed_on is None else self.signed_on + timedelta(days=n)


@dataclass(frozen=True, slots=True)
class RescueRecord:
    """One rescue: when it opened and at what status, its SLA, its answer and how it closed.

    Datetimes are aware. `status_at_close` is the account's status when the rescue closed
    (resolved or escalated); both close fields are None while the rescue is open. A rescue
    `opened_by_mistake` (a corrected rating opened it, nobody acted) is a false alarm: it
    counts in neither the recovery nor the SLA KPIs. One resolved as `not_needed` (the owner
    judged the account never needed rescuing) is a false alarm too: out of the recovery KPI, but
    its SLA still counts (somebody had to answer it).
    """

    account_key: str
    opened_at: datetime
    status_at_open: Status
    sla_due_at: datetime
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    status_at_close: Status | None = None
    opened_by_mistake: bool = False
    not_needed: bool = False

    @property
    def false_alarm(self) -> bool:
        return self.opened_by_mistake or self.not_needed

    @property
    def answered_at(self) -> datetime | None:
        """The owner's first response: the acknowledgement, else the close (a rescue resolved
        without an explicit acknowledgement was answered when it was resolved)."""
        return self.acknowledged_at if self.acknowledged_at is not None else self.closed_at


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One recovery plan: when it was submitted and when it was decided (None: pending)."""

    account_key: str
    created_at: datetime
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One survey answer: its kind, the day after signature it asks about (7 or 30), the score
    and the day it was answered."""

    account_key: str
    kind: SurveyKind
    day: int
    score: int
    on: date


@dataclass(frozen=True, slots=True)
class TicketCount:
    """Support tickets an account opened on one day."""

    account_key: str
    on: date
    count: int


@dataclass(frozen=True, slots=True)
class Window:
    """Calendar days `start`..`end`, both included, read in the team timezone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def shifted(self, days: int) -> Window:
        return Window(self.start + timedelta(days=days), self.end + timedelta(days=days))

    def moments(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[from, until): midnight starting `start` and midnight ending `end`, in `tz`."""
        since = datetime.combine(self.start, time(), tzinfo=tz)
        until = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=tz)
        return since, until


NOBODY = Ratio(0, 0)
"""An empty cohort: no rate."""

# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kpis:
    """The KPIs of one window; see the module docstring for each definition."""

    window: Window
    completion: Ratio
    time_to_value: Distribution | None
    at_risk_recovery: Ratio
    sla_adherence: Ratio
    decision_hours: Distribution | None
    tickets: int
    users: int
    surveys: Mapping[tuple[SurveyKind, int], tuple[int, ...]] = field(default_factory=dict)
    churn_90: Ratio = NOBODY
    expansion_6m: Ratio = NOBODY
    activation: Ratio = NOBODY
    false_alarms: Ratio = NOBODY
    misses: Ratio = NOBODY
    false_alarm_accounts: tuple[str, ...] = ()
    missed_accounts: tuple[str, ...] = ()
    risk_register: RegisterKpis = field(
        default_factory=lambda: RegisterKpis(None, 0, OwnershipRate(0, 0))
    )

    @property
    def completion_rate(self) -> float | None:
        return self.completion.value

    @property
    def time_to_value_days(self) -> float | None:
        return None if self.time_to_value is None else self.time_to_value.median

    @property
    def at_risk_recovery_rate(self) -> float | None:
        return self.at_risk_recovery.value

    @property
    def sla_adherence_rate(self) -> float | None:
        return self.sla_adherence.value

    @property
    def escalation_decision_hours(self) -> float | None:
        return None if self.decision_hours is None else self.decision_hours.median

    @property
    def tickets_per_1000_users(self) -> float | None:
        return None if self.users == 0 else self.tickets * 1000 / self.users

    def csat(self, day: int) -> float | None:
        """The mean CSAT answer for D+`day` (None: nobody answered)."""
        scores = self.surveys.get((SurveyKind.CSAT, day), ())
        return sum(scores) / len(scores) if scores else None

    def nps(self, day: int) -> float | None:
        """% of promoters (9–10) minus % of detractors (0–6) for D+`day` (None: no answer)."""
        scores = self.surveys.get((SurveyKind.NPS, day), ())
        if not scores:
            return None
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        return 100 * (promoters - detractors) / len(scores)

    @property
    def csat_d7(self) -> float | None:
        return self.csat(7)

    @property
    def csat_d30(self) -> float | None:
        return self.csat(30)

    @property
    def nps_d7(self) -> float | None:
        return self.nps(7)

    @property
    def nps_d30(self) -> float | None:
        return self.nps(30)

    @property
    def churn_90_rate(self) -> float | None:
        return self.churn_90.value

    @property
    def expansion_6m_rate(self) -> float | None:
        return self.expansion_6m.value

    @property
    def activation_rate(self) -> float | None:
        return self.activation.value

    @property
    def false_alarm_rate(self) -> float | None:
        return self.false_alarms.value

    @property
    def miss_rate(self) -> float | None:
        return self.misses.value

    @property
    def risk_identification_completeness(self) -> float | None:
        return self.risk_register.completeness

    @property
    def mitigation_ownership_rate(self) -> float | None:
        return self.risk_register.ownership.rate

    def values(self) -> dict[str, float | None]:
        """The headline numbers by name, in `KPI_NAMES` order."""
        return {name: getattr(self, name) for name in KPI_NAMES}

    def as_json(self) -> dict[str, object]:
        """The headline numbers plus the counts and distributions behind them."""

        def dist(d: Distribution | None) -> object:
            return None if d is None else d.as_json()

        return {
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            **self.values(),
            "detail": {
                "completion": self.completion.as_json(),
                "time_to_value_days": dist(self.time_to_value),
                "at_risk_recovery": self.at_risk_recovery.as_json(),
                "sla_adherence": self.sla_adherence.as_json(),
                "escalation_decision_hours": dist(self.decision_hours),
                "tickets": self.tickets,
                "users": self.users,
                "surveys": {
                    f"{kind.value}_d{day}": {"answers": len(self.surveys.get((kind, day), ()))}
                    for kind in SurveyKind
                    for day in SURVEY_DAYS
                },
                "churn_90": self.churn_90.as_json(),
                "expansion_6m": self.expansion_6m.as_json(),
                "activation": self.activation.as_json(),
                "false_alarms": {
                    **self.false_alarms.as_json(),
                    "accounts": list(self.false_alarm_accounts),
                },
                "misses": {**self.misses.as_json(), "accounts": list(self.missed_accounts)},
                "risk_identification": {"accounts": self.risk_register.accounts},
                "mitigation_ownership": {
                    "numerator": self.risk_register.ownership.owned,
                    "denominator": self.risk_register.ownership.open,
                },
            },
        }


# --- computation ----------------------------------------------------------------------------


def _completion(onboardings: Iterable[OnboardingRecord], win: Window) -> Ratio:
    ended = [o for o in onboardings if o.outcome is not None and o.outcome_on in win]
    return Ratio(sum(1 for o in ended if o.outcome in SUCCESSFUL), len(ended))


def _time_to_value(onboardings: Iterable[OnboardingRecord], win: Window) -> Distribution | None:
    return Distribution.of(
        max(0, (o.first_value_healthy_on - o.signed_on).days)
        for o in onboardings
        if o.signed_on is not None
        and o.first_value_healthy_on is not None
        and o.first_value_healthy_on in win
    )


def _at_risk_recovery(rescues: Iterable[RescueRecord], since: datetime, until: datetime) -> Ratio:
    closed = [
        r
        for r in rescues
        if not r.false_alarm
        and r.closed_at is not None
        and since <= r.closed_at < until
        and r.status_at_open == Status.AT_RISK
    ]
    return Ratio(sum(r.status_at_close == Status.HEALTHY for r in closed), len(closed))


def _sla_adherence(rescues: Iterable[RescueRecord], since: datetime, until: datetime) -> Ratio:
    decided = in_time = 0
    for r in rescues:
        if r.opened_by_mistake:
            continue
        answered = r.answered_at
        met = answered is not None and answered <= r.sla_due_at
        # a hit is decided when answered; a miss once the deadline has passed unanswered
        decided_at = answered if answered is not None and met else r.sla_due_at
        if since <= decided_at < until:
            decided += 1
            in_time += met
    return Ratio(in_time, decided)


def _decision_hours(
    plans: Iterable[PlanRecord], since: datetime, until: datetime
) -> Distribution | None:
    return Distribution.of(
        Fraction(round((p.decided_at - p.created_at).total_seconds()), 3600)
        for p in plans
        if p.decided_at is not None and since <= p.decided_at < until
    )


def _surveys(
    answers: Iterable[SurveyAnswer], win: Window
) -> dict[tuple[SurveyKind, int], tuple[int, ...]]:
    """The latest answer known by the window's end per account, kind and day, kept when it was
    answered in the window; scores by (kind, day)."""
    latest: dict[tuple[str, SurveyKind, int], SurveyAnswer] = {}
    for a in answers:
        if a.on > win.end:
            continue
        slot = (a.account_key, a.kind, a.day)
        if slot not in latest or a.on >= latest[slot].on:
            latest[slot] = a
    scores: dict[tuple[SurveyKind, int], list[int]] = {}
    for a in latest.values():
        if a.on in win:
            scores.setdefault((a.kind, a.day), []).append(a.score)
    return {slot: tuple(values) for slot, values in scores.items()}


def _ended_within(
    onboardings: Iterable[OnboardingRecord], win: Window, outcome: Outcome, days: int
) -> Ratio:
    """Accounts whose day `days` falls in the window; of them, those that ended `outcome` by it."""
    due = [o for o in onboardings if o.day(days) in win]
    hit = sum(
        o.outcome == outcome and o.outcome_on is not None and o.outcome_on <= o.day(days)  # type: ignore[operator]
        for o in due
    )
    return Ratio(hit, len(due))


def _activation(onboardings: Iterable[OnboardingRecord], win: Window) -> Ratio:
    due = [
        o
        for o in onboardings
        if o.first_value_window_days is not None and o.day(o.first_value_window_days) in win
    ]
    hit = sum(
        o.first_value_healthy_on is not None
        and o.first_value_healthy_on <= o.day(o.first_value_window_days)  # type: ignore[arg-type,operator]
        for o in due
    )
    return Ratio(hit, len(due))


def _false_alarms(
    rescues: Iterable[RescueRecord], since: datetime, until: datetime
) -> tuple[Ratio, tuple[str, ...]]:
    closed = [r for r in rescues if r.closed_at is not None and since <= r.closed_at < until]
    alarms = sorted({r.account_key for r in closed if r.false_alarm})
    return Ratio(sum(r.false_alarm for r in closed), len(closed)), tuple(alarms)


def _misses(
    onboardings: Iterable[OnboardingRecord],
    rescues: Iterable[RescueRecord],
    win: Window,
    tz: tzinfo,
) -> tuple[Ratio, tuple[str, ...]]:
    churned = [o for o in onboardings if o.outcome == Outcome.CHURNED and o.outcome_on in win]
    first_rescue: dict[str, date] = {}
    for r in rescues:
        if r.false_alarm:
            continue
        day = r.opened_at.astimezone(tz).date()
        first_rescue[r.account_key] = min(day, first_rescue.get(r.account_key, day))
    missed = sorted(
        o.key
        for o in churned
        if o.key not in first_rescue or first_rescue[o.key] > o.outcome_on  # type: ignore[operator]
    )
    return Ratio(len(missed), len(churned)), tuple(missed)


def _active_users(onboardings: Iterable[OnboardingRecord], win: Window) -> dict[str, int]:
    """Users by account, over the accounts onboarding during the window."""
    return {
        o.key: o.users
        for o in onboardings
        if (o.signed_on is None or o.signed_on <= win.end)
        and (o.outcome_on is None or o.outcome_on >= win.start)
    }


def kpis(
    onboardings: Iterable[OnboardingRecord],
    rescues: Iterable[RescueRecord] = (),
    plans: Iterable[PlanRecord] = (),
    tickets: Iterable[TicketCount] = (),
    *,
    window: Window | tuple[date, date],
    tz: tzinfo = UTC,
    surveys: Iterable[SurveyAnswer] = (),
) -> Kpis:
    """The KPIs of `window` (days in `tz`), from whatever records the caller has.

    Records outside the window are ignored, so passing everything and moving the window gives
    the KPIs as of any day. A first value reached before signature counts as day 0.
    """
    win = window if isinstance(window, Window) else Window(*window)
    since, until = win.moments(tz)
    onboardings, rescues = list(onboardings), list(rescues)
    active = _active_users(onboardings, win)
    false_alarms, false_alarm_accounts = _false_alarms(rescues, since, until)
    misses, missed_accounts = _misses(onboardings, rescues, win, tz)
    return Kpis(
        window=win,
        completion=_completion(onboardings, win),
        time_to_value=_time_to_value(onboardings, win),
        at_risk_recovery=_at_risk_recovery(rescues, since, until),
        sla_adherence=_sla_adherence(rescues, since, until),
        decision_hours=_decision_hours(plans, since, until),
        tickets=sum(t.count for t in tickets if t.account_key in active and t.on in win),
        users=sum(active.values()),
        surveys=_surveys(surveys, win),
        churn_90=_ended_within(onboardings, win, Outcome.CHURNED, CHURN_DAYS),
        expansion_6m=_ended_within(onboardings, win, Outcome.EXPANDED, EXPANSION_DAYS),
        activation=_activation(onboardings, win),
        false_alarms=false_alarms,
        misses=misses,
        false_alarm_accounts=false_alarm_accounts,
        missed_accounts=missed_accounts,
        risk_register=register_kpis(
            (o.register for o in onboardings if _onboarding_on(o, win.end)), on=win.end
        ),
    )


def _onboarding_on(onboarding: OnboardingRecord, day: date) -> bool:
    """Signed by `day` (or not yet dated) and no outcome by then: still onboarding that day."""
    signed = onboarding.signed_on is None or onboarding.signed_on <= day
    ended = onboarding.outcome is not None and (
        onboarding.outcome_on is None or onboarding.outcome_on <= day
    )
    return signed and not ended


def compare(current: Kpis, baseline: Kpis) -> dict[str, float | None]:
    """Current minus baseline for each headline KPI; None when either side has no value."""
    now, then = current.values(), baseline.values()
    return {name: _minus(now[name], then[name]) for name in KPI_NAMES}


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


@dataclass(frozen=True, slots=True)
class Movement:
    """The KPIs `week` weeks after the baseline: the baseline's window moved on by that many
    weeks. `kpis` is None (and `deltas` empty) while `as_of` has not reached that window's end."""

    week: int
    window: Window
    kpis: Kpis | None
    deltas: Mapping[str, float | None]

    def as_json(self) -> dict[str, object]:
        return {
            "week": self.week,
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "reached": self.kpis is not None,
            "values": None if self.kpis is None else self.kpis.values(),
            "deltas": dict(self.deltas),
        }


def movement(
    onboardings: Iterable[OnboardingRecord],
    rescues: Iterable[RescueRecord] = (),
    plans: Iterable[PlanRecord] = (),
    tickets: Iterable[TicketCount] = (),
    *,
    baseline: Kpis,
    as_of: date,
    weeks: Sequence[int] = (4, 8),
    tz: tzinfo = UTC,
    surveys: Iterable[SurveyAnswer] = (),
) -> tuple[Movement, ...]:
    """Week-4 and week-8 movement (or any `weeks`): for each, the KPIs of the baseline's window
    shifted by that many weeks, and their deltas against the baseline. Windows that end after
    `as_of` are not reached yet and carry no numbers."""
    onboardings, rescues, plans, tickets, surveys = (
        list(onboardings),
        list(rescues),
        list(plans),
        list(tickets),
        list(surveys),
    )
    result = []
    for week in weeks:
        win = baseline.window.shifted(7 * week)
        if win.end > as_of:
            result.append(Movement(week, win, None, {}))
            continue
        now = kpis(onboardings, rescues, plans, tickets, window=win, tz=tz, surveys=surveys)
        result.append(Movement(week, win, now, compare(now, baseline)))
    return tuple(result)
