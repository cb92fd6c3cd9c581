"""Outcomes from the store as KPI and calibration records: how onboardings ended, how rescues
and plans went, and what each account's scorecard showed at day 30 and day 60."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from bot.services import risks
from bot.services.portfolio import facts, history_of
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import integrations as integration_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store import surveys as survey_rows
from bot.store.tables import (
    Account,
    Escalation,
    Event,
    KpiBaseline,
    Rescue,
    Survey,
)
from scoring.calibration import (
    Calibration,
    EarlyPicture,
    FinishedOnboarding,
    bad_outcome,
    calibrate,
)
from scoring.digest import FIRST_VALUE
from scoring.errors import InvalidValue
from scoring.kpis import (
    Kpis,
    Movement,
    OnboardingRecord,
    Outcome,
    PlanRecord,
    RescueRecord,
    SurveyAnswer,
    SurveyKind,
    TicketCount,
    Window,
    compare,
    kpis,
    movement,
)
from scoring.overrides import Override, in_force
from scoring.readings import History
from scoring.risks import Register
from scoring.rules import Rules, Status
from scoring.scorecard import evaluate
from scoring.signals import Segment


def _histories(session: Session, rules: Rules) -> tuple[list[Account], dict[int, History]]:
    accounts = account_rows.list_accounts(session)
    readings = reading_rows.history_by_account(session)
    return accounts, {a.id: history_of(readings.get(a.id, []), rules) for a in accounts}  # type: ignore[misc]


class AccountSummary(NamedTuple):
    """An account's columns the KPIs and the reports read: one narrow select, no ORM object."""

    id: int
    key: str
    name: str
    segment: str
    csm: str | None
    signed_on: date | None
    arr: int
    users: int
    outcome: str | None
    outcome_on: date | None


class SurveyRow(NamedTuple):
    account_id: int
    kind: str
    day: int
    score: int
    recorded_at: datetime


@dataclass(frozen=True)
class OutcomeRows:
    """The rows the KPIs are computed from, read once, so a report that also lists them (the
    workbook's accounts, rescues, surveys and register) reads each table once."""

    accounts: list[AccountSummary]  # by key
    rescues: list[Rescue]  # oldest first
    surveys: list[SurveyRow]  # oldest first
    risks: list[risks.LoggedRisk]  # by account, oldest first
    reviews: list[risks.ReviewedCategory]

    def latest_answers(self) -> dict[int, dict[str, int]]:
        """The latest score per account and column (`csat_d7` …)."""
        latest: dict[int, dict[str, int]] = {}
        for survey in self.surveys:
            latest.setdefault(survey.account_id, {})[f"{survey.kind}_d{survey.day}"] = survey.score
        return latest


def outcome_rows(session: Session) -> OutcomeRows:
    """Every account, rescue, survey answer, risk and reviewed category: one query per table."""
    # Core rows, not the ORM's loading of them (which costs as much again for 10,000 accounts),
    # after a flush, as the ORM's query would, so they include this transaction's changes.
    session.flush()
    accounts = session.connection().execute(
        select(*(getattr(Account, name) for name in AccountSummary._fields)).order_by(
            col(Account.key)
        )
    )
    surveys = session.exec(
        select(*(getattr(Survey, name) for name in SurveyRow._fields)).order_by(
            col(Survey.recorded_at), col(Survey.id)
        )
    )
    rescues = session.exec(select(Rescue).order_by(col(Rescue.opened_at), col(Rescue.id)))
    logged, reviewed = risks.register_rows(session)
    return OutcomeRows(
        accounts=[AccountSummary(*row) for row in accounts],
        rescues=list(rescues),
        surveys=[SurveyRow(*row) for row in surveys],
        risks=logged,
        reviews=reviewed,
    )


@dataclass(frozen=True)
class KpiRecords:
    """Everything the KPIs are computed from."""

    onboardings: list[OnboardingRecord]
    rescues: list[RescueRecord]
    plans: list[PlanRecord]
    surveys: list[SurveyAnswer] = field(default_factory=list)
    tickets: list[TicketCount] = field(default_factory=list)
    # Whether anything counts tickets here (Intercom or `tickets import`): without, the ticket
    # rate is unknown, not zero.
    ticket_data: bool = False


def kpis_of(session: Session, rules: Rules, *, window: Window) -> Kpis:
    return _kpis(kpi_records(session, rules), rules, window)


def _kpis(records: KpiRecords, rules: Rules, window: Window) -> Kpis:
    result = kpis(
        records.onboardings, records.rescues, records.plans, records.tickets, window=window,
        tz=rules.team_timezone, surveys=records.surveys,
    )  # fmt: skip
    # With no ticket data at all the rate is unknown, not zero.
    return result if records.ticket_data else replace(result, users=0)


def kpi_records(session: Session, rules: Rules, rows: OutcomeRows | None = None) -> KpiRecords:
    """The KPI records, from `rows` when the caller read them already."""
    if rows is None:
        rows = outcome_rows(session)
    first_value = reading_rows.first_reached(session, signal=FIRST_VALUE, value=2)
    zone = rules.team_timezone
    keys = {a.id: a.key for a in rows.accounts}
    first_value_signal = rules.taxonomy.by_key.get(FIRST_VALUE)
    windows = {  # by the segment's stored value: no enum lookup per account
        segment.value: first_value_signal.window_for(segment)
        if first_value_signal is not None and not first_value_signal.retired
        else None
        for segment in Segment
    }
    registers = risks.registers_of(rows.risks, rows.reviews, zone)
    empty = Register()
    onboardings = [
        OnboardingRecord(
            key=a.key,
            segment=a.segment,
            signed_on=a.signed_on,
            outcome=Outcome(a.outcome) if a.outcome else None,
            outcome_on=a.outcome_on,
            first_value_healthy_on=(
                first_value[a.id].astimezone(zone).date() if a.id in first_value else None
            ),
            users=a.users or 0,
            first_value_window_days=windows[a.segment],
            register=registers.get(a.id, empty),
        )
        for a in rows.accounts
    ]
    closed = {
        payload.get("rescue_id"): payload.get("status")
        for payload in session.exec(select(Event.payload).where(Event.kind == "rescue_resolved"))
    }
    rescues = [
        RescueRecord(
            account_key=keys[r.account_id],
            opened_at=r.opened_at,
            status_at_open=Status(r.status_at_open),
            sla_due_at=r.sla_due_at,
            acknowledged_at=r.acknowledged_at,
            closed_at=r.resolved_at,
            status_at_close=Status(closed[r.id]) if closed.get(r.id) else None,
            opened_by_mistake=r.resolution == rescue_rows.OPENED_BY_MISTAKE,
            not_needed=r.resolution == rescue_rows.NOT_NEEDED,
        )
        for r in rows.rescues
    ]
    plans = [
        PlanRecord(keys[account_id], created_at, decided_at)
        for account_id, created_at, decided_at in session.exec(
            select(Escalation.account_id, Escalation.created_at, Escalation.decided_at)
        )
    ]
    surveys = [
        SurveyAnswer(
            keys[s.account_id], SurveyKind(s.kind), s.day, s.score,
            s.recorded_at.astimezone(zone).date(),
        )
        for s in rows.surveys
    ]  # fmt: skip
    opened = integration_rows.ticket_days(session)
    tickets = [
        TicketCount(keys[account_id], on, n)
        for (account_id, on), n in Counter(
            (account_id, at.astimezone(zone).date()) for account_id, at in opened
        ).items()
    ]
    return KpiRecords(onboardings, rescues, plans, surveys, tickets, ticket_data=bool(opened))


@dataclass(frozen=True)
class KpiReport:
    """The KPIs of a window, and against the latest baseline: its values, the change, and
    the week-4 and week-8 movement."""

    current: Kpis
    baseline: KpiBaseline | None
    baseline_kpis: Kpis | None
    change: dict[str, float | None]
    movement: tuple[Movement, ...]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.current.as_json()
        data["baseline"] = (
            None
            if self.baseline is None
            else {
                "captured_at": self.baseline.captured_at.isoformat(),
                "window": {
                    "start": self.baseline.window_start.isoformat(),
                    "end": self.baseline.window_end.isoformat(),
                },
                "values": self.baseline_kpis.values() if self.baseline_kpis else None,
            }
        )
        data["change"] = self.change
        data["movement"] = [m.as_json() for m in self.movement]
        return data


def kpi_report(
    session: Session, rules: Rules, *, window: Window, rows: OutcomeRows | None = None
) -> KpiReport:
    """The KPI report of `window`, from `rows` when the caller read them already."""
    records = kpi_records(session, rules, rows)
    current = _kpis(records, rules, window)
    baseline = session.exec(select(KpiBaseline).order_by(col(KpiBaseline.id).desc())).first()
    if baseline is None:
        return KpiReport(current, None, None, {}, ())
    then = _kpis(records, rules, Window(baseline.window_start, baseline.window_end))
    moved = tuple(
        replace(m, kpis=replace(m.kpis, users=0) if m.kpis else None)
        for m in movement(
            records.onboardings,
            records.rescues,
            records.plans,
            baseline=then,
            as_of=window.end,
            tz=rules.team_timezone,
            surveys=records.surveys,
        )
    )
    return KpiReport(current, baseline, then, compare(current, then), moved)


def capture_baseline(
    session: Session, rules: Rules, *, window: Window, actor: str, now: datetime
) -> KpiBaseline:
    """Keep this window's KPIs as the baseline later reports compare against."""
    current = kpis_of(session, rules, window=window)
    baseline = KpiBaseline(
        captured_at=now,
        captured_by=actor,
        window_start=window.start,
        window_end=window.end,
        values=current.values(),
    )
    session.add(baseline)
    session.flush()
    events.record_event(
        session,
        account_id=None,
        kind="kpi_baseline_captured",
        actor=actor,
        at=now,
        payload={
            "baseline_id": baseline.id,
            **current.values(),
            "window": [window.start.isoformat(), window.end.isoformat()],
        },
    )
    return baseline


def rescue_calls(session: Session, rules: Rules, *, today: date) -> dict[str, Any]:
    """Every rescue that was a false alarm (closed as not needed, or opened by mistake) and every
    churn no rescue saw coming (a miss), up to `today`: labelled, for calibration to learn from."""
    records = kpi_records(session, rules)
    starts = [o.signed_on for o in records.onboardings if o.signed_on is not None]
    start = min([*starts, today])
    result = kpis(
        records.onboardings, records.rescues, window=Window(start, today), tz=rules.team_timezone
    )
    return {
        "false_alarms": {**result.false_alarms.as_json(),
                         "accounts": list(result.false_alarm_accounts)},
        "misses": {**result.misses.as_json(), "accounts": list(result.missed_accounts)},
        "definitions": {
            "false_alarm": "a rescue closed as not needed, or opened by mistake (of closed "
            "rescues)",
            "miss": "an account that churned with no rescue opened by its churn day (of churned "
            "accounts)",
        },
    }  # fmt: skip


def _picture(
    account: Account, history: History, overrides: list[Override], rules: Rules, day: date
) -> EarlyPicture:
    card = evaluate(facts(account), history, rules, as_of=day, trend_weeks=0)
    override = in_force(overrides, day, rules.team_timezone)
    return EarlyPicture(
        values={line.key: line.value for line in card.signals},
        score=card.score,
        status=card.status,
        override=override.status if override is not None else None,
    )


# The outcomes calibration can be asked to predict: `churn` (PRODUCT.md's bad outcome), or a
# low answer to the D+30 survey — CSAT 3 or lower (not satisfied), NPS 0–6 (a detractor).
OUTCOMES: dict[str, str] = {
    "churn": "churned, or not completed or expanded by day 90",
    "csat_d30": "CSAT at D+30 of 3 or lower (not satisfied)",
    "nps_d30": "NPS at D+30 of 6 or lower (a detractor)",
}
LOW_ANSWER = {"csat_d30": 3, "nps_d30": 6}


def _survey_outcome(outcome: str, answers: dict[str, int]) -> bool | None:
    """Whether the account's latest answer for `outcome` is low (None: not answered)."""
    score = answers.get(outcome)
    return None if score is None else score <= LOW_ANSWER[outcome]


def calibration_of(
    session: Session,
    rules: Rules,
    *,
    today: date,
    since: date | None = None,
    outcome: str = "churn",
) -> Calibration:
    """How well day-30 and day-60 scorecards (and the manual overrides in force then)
    predicted how onboardings ended — or, with `outcome` `csat_d30` / `nps_d30`, a low answer
    to the D+30 survey (every account that answered it counts, finished or not)."""
    if outcome not in OUTCOMES:
        raise InvalidValue(f"`{outcome}` is not an outcome; choose one of {', '.join(OUTCOMES)}")
    accounts, histories = _histories(session, rules)
    overrides = override_rows.overrides_by_account(session)
    answers = survey_rows.latest_by_account(session) if outcome != "churn" else {}
    finished = []
    for account in accounts:
        bad = (
            bad_outcome(account.outcome, account.outcome_on, account.signed_on, today=today)
            if outcome == "churn"
            else _survey_outcome(outcome, answers.get(account.id, {}))  # type: ignore[arg-type]
        )
        if bad is None or account.signed_on is None:
            continue
        history, called = histories[account.id], overrides.get(account.id, [])
        day30, day60 = (account.signed_on + timedelta(days=n) for n in (30, 60))
        finished.append(
            FinishedOnboarding(
                key=account.key,
                segment=account.segment,
                bad=bad,
                signed_on=account.signed_on,
                day30=_picture(account, history, called, rules, day30),
                day60=_picture(account, history, called, rules, day60),
            )
        )
    weights = {s.key: s.weight for s in rules.taxonomy.active}
    return calibrate(finished, weights=weights, since=since)
