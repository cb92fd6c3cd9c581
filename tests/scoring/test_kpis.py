"""KPIs with hand-computed expectations: rates, medians with ties, SLA boundaries, empty cohorts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scoring.kpis import (
    KPI_NAMES,
    Distribution,
    Kpis,
    OnboardingRecord,
    Outcome,
    PlanRecord,
    RescueRecord,
    TicketCount,
    Window,
    compare,
    kpis,
    movement,
)
from scoring.rules import Status

JAN = Window(date(2026, 1, 1), date(2026, 1, 31))
SIGNED = date(2025, 12, 1)


def onboarding(key: str = "acme", **kwargs: object) -> OnboardingRecord:
    values: dict[str, object] = {"segment": "mid", "signed_on": SIGNED}
    values.update(kwargs)
    return OnboardingRecord(key, **values)  # type: ignore[arg-type]


def moment(day: str, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, second=second, tzinfo=UTC)


def rescue(**kwargs: object) -> RescueRecord:
    values: dict[str, object] = {
        "account_key": "acme",
        "opened_at": moment("2026-01-05"),
        "status_at_open": Status.AT_RISK,
        "sla_due_at": moment("2026-01-06"),
    }
    values.update(kwargs)
    return RescueRecord(**values)  # type: ignore[arg-type]


def jan(*onboardings: OnboardingRecord, **kwargs: object) -> Kpis:
    return kpis(onboardings, window=JAN, **kwargs)  # type: ignore[arg-type]


# --- empty and single-account cohorts -------------------------------------------------------


def test_an_empty_cohort_gives_none_for_every_kpi_never_zero():
    result = jan()
    assert result.values() == dict.fromkeys(KPI_NAMES)
    assert result.completion.denominator == 0
    assert result.time_to_value is None and result.decision_hours is None


def test_a_single_account_cohort_gives_that_accounts_numbers():
    result = kpis(
        [
            onboarding(
                outcome=Outcome.CHURNED,
                outcome_on=date(2026, 1, 20),
                first_value_healthy_on=date(2026, 1, 10),
                users=250,
            )
        ],
        tickets=[TicketCount("acme", date(2026, 1, 3), 4)],
        window=JAN,
    )
    assert result.completion_rate == 0.0  # one account with an outcome: a real 0, not "none"
    assert result.time_to_value_days == 40
    assert result.time_to_value == Distribution(1, 40, 40, 40, 40, 40)
    assert result.tickets_per_1000_users == 16.0
    assert result.at_risk_recovery_rate is None and result.sla_adherence_rate is None


# --- completion rate ------------------------------------------------------------------------


def test_completion_rate_counts_completed_and_expanded_over_accounts_with_an_outcome():
    result = jan(
        onboarding("a", outcome=Outcome.COMPLETED, outcome_on=date(2026, 1, 2)),
        onboarding("b", outcome=Outcome.EXPANDED, outcome_on=date(2026, 1, 31)),
        onboarding("c", outcome=Outcome.CHURNED, outcome_on=date(2026, 1, 1)),
        onboarding("d"),  # no outcome yet: not in the denominator
        onboarding("e", outcome=Outcome.COMPLETED, outcome_on=date(2025, 12, 31)),  # before
        onboarding("f", outcome=Outcome.CHURNED, outcome_on=date(2026, 2, 1)),  # after
        onboarding("g", outcome=Outcome.COMPLETED),  # undated: cannot be placed in a window
    )
    assert (result.completion.numerator, result.completion.denominator) == (2, 3)
    assert result.completion_rate == pytest.approx(2 / 3)


# --- time to value --------------------------------------------------------------------------


def reached(key: str, days: int, signed: date = SIGNED) -> OnboardingRecord:
    return onboarding(key, signed_on=signed, first_value_healthy_on=signed + timedelta(days))


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # (count, min, p25, median, p75, max); quartiles at rank q·(n−1), interpolated
        ((31, 45, 45, 61), (4, 31, 41.5, 45, 49, 61)),  # a tie in the middle: median 45
        ((31, 41, 51, 61), (4, 31, 38.5, 46, 53.5, 61)),  # even count: mean of the middle two
        ((40, 40, 40), (3, 40, 40, 40, 40, 40)),  # all tied
        ((35, 50, 60), (3, 35, 42.5, 50, 55, 60)),  # odd count: the middle one
    ],
)
def test_time_to_value_median_and_distribution(days, expected):
    # every first value lands in January: signed in early December
    result = jan(*(reached(f"a{i}", d, date(2025, 12, 1)) for i, d in enumerate(days)))
    assert result.time_to_value == Distribution(*expected)
    assert result.time_to_value_days == expected[3]


def test_time_to_value_counts_only_accounts_that_reached_first_value_in_the_window():
    result = jan(
        reached("in", 40),  # 2026-01-10
        reached("later", 70),  # 2026-02-09: after the window
        reached("earlier", 20),  # 2025-12-21: before it
        onboarding("never"),
        onboarding("unsigned", signed_on=None, first_value_healthy_on=date(2026, 1, 5)),
    )
    assert result.time_to_value == Distribution(1, 40, 40, 40, 40, 40)


def test_a_first_value_recorded_before_signature_counts_as_day_zero():
    result = jan(onboarding(signed_on=date(2026, 1, 20), first_value_healthy_on=date(2026, 1, 15)))
    assert result.time_to_value_days == 0


# --- at-risk recovery -----------------------------------------------------------------------


def test_at_risk_recovery_is_closed_healthy_over_closed_rescues_opened_at_risk():
    closed = moment("2026-01-20")
    rescues = [
        rescue(closed_at=closed, status_at_close=Status.HEALTHY),  # recovered
        rescue(closed_at=closed, status_at_close=Status.WATCH),  # better, not recovered
        rescue(closed_at=closed, status_at_close=Status.AT_RISK),  # escalated, not recovered
        rescue(status_at_open=Status.WATCH, closed_at=closed, status_at_close=Status.HEALTHY),
        rescue(),  # still open
        rescue(closed_at=moment("2026-02-01", 0), status_at_close=Status.HEALTHY),  # after
    ]
    result = kpis([], rescues, window=JAN)
    assert (result.at_risk_recovery.numerator, result.at_risk_recovery.denominator) == (1, 3)
    assert result.at_risk_recovery_rate == pytest.approx(1 / 3)


def test_at_risk_recovery_accepts_plain_status_strings_from_the_store():
    rows = [rescue(status_at_open="at_risk", closed_at=moment("2026-01-20"),
                   status_at_close="healthy")]  # fmt: skip
    assert kpis([], rows, window=JAN).at_risk_recovery_rate == 1.0


def test_no_closed_at_risk_rescue_gives_no_recovery_rate():
    assert kpis([], [rescue()], window=JAN).at_risk_recovery_rate is None


# --- rescue SLA adherence -------------------------------------------------------------------

DUE = moment("2026-01-06", 9)


@pytest.mark.parametrize(
    ("fields", "decided", "in_time"),
    [
        ({"acknowledged_at": DUE}, 1, 1),  # exactly at the deadline: within
        ({"acknowledged_at": DUE - timedelta(hours=20)}, 1, 1),
        ({"acknowledged_at": DUE + timedelta(seconds=1)}, 1, 0),  # a second late
        ({}, 1, 0),  # never answered, deadline passed in January
        ({"closed_at": DUE - timedelta(hours=1)}, 1, 1),  # resolved without an ack: answered
        ({"sla_due_at": moment("2026-01-31", 23, 59, 59)}, 1, 0),  # passed a second before end
        ({"sla_due_at": moment("2026-02-01", 0)}, 0, 0),  # due at the window's end: undecided
        ({"sla_due_at": moment("2026-02-03")}, 0, 0),  # not yet due, unanswered: undecided
        (  # answered in time, but in February: decided after this window
            {"sla_due_at": moment("2026-02-03"), "acknowledged_at": moment("2026-02-02")},
            0,
            0,
        ),
        (  # answered late in February, but missed when the deadline passed in January
            {"sla_due_at": moment("2026-01-30"), "acknowledged_at": moment("2026-02-02")},
            1,
            0,
        ),
    ],
)
def test_sla_adherence_counts_rescues_whose_sla_was_decided_in_the_window(fields, decided, in_time):
    fields = {"sla_due_at": DUE, **fields}
    result = kpis([], [rescue(**fields)], window=JAN)
    assert (result.sla_adherence.numerator, result.sla_adherence.denominator) == (in_time, decided)


def test_sla_adherence_over_several_rescues():
    rescues = [
        rescue(acknowledged_at=DUE),
        rescue(acknowledged_at=DUE - timedelta(hours=2)),
        rescue(acknowledged_at=DUE + timedelta(minutes=5)),
        rescue(),
        rescue(sla_due_at=moment("2026-03-01")),  # undecided
    ]
    assert kpis([], rescues, window=JAN).sla_adherence_rate == 0.5


def test_the_window_is_read_in_the_team_timezone():
    plus_one = timezone(timedelta(hours=1))
    late_evening = moment("2026-01-31", 23, 30)  # already 1 February in UTC+1
    rows = [rescue(closed_at=late_evening, status_at_close=Status.HEALTHY)]
    assert kpis([], rows, window=JAN).at_risk_recovery.denominator == 1
    assert kpis([], rows, window=JAN, tz=plus_one).at_risk_recovery.denominator == 0


# --- escalation decision time ---------------------------------------------------------------


def plan(hours: float, created: str = "2026-01-10") -> PlanRecord:
    start = moment(created)
    return PlanRecord("acme", start, start + timedelta(hours=hours))


def test_escalation_decision_time_is_the_median_hours_over_decided_plans():
    plans = [
        plan(2),
        plan(30),
        plan(4.5),
        PlanRecord("acme", moment("2026-01-10"), None),  # pending
        plan(1, created="2025-12-01"),  # decided in December
    ]
    result = kpis([], plans=plans, window=JAN)
    assert result.escalation_decision_hours == 4.5
    assert result.decision_hours is not None and result.decision_hours.count == 3


def test_escalation_decision_time_with_an_even_count_and_a_tie():
    result = kpis([], plans=[plan(2), plan(6), plan(6), plan(10)], window=JAN)
    assert result.escalation_decision_hours == 6
    result = kpis([], plans=[plan(2), plan(3)], window=JAN)
    assert result.escalation_decision_hours == 2.5


def test_no_decided_plan_gives_no_decision_time():
    pending = PlanRecord("acme", moment("2026-01-10"))
    assert kpis([], plans=[pending], window=JAN).escalation_decision_hours is None


# --- tickets per 1,000 users ----------------------------------------------------------------


def test_ticket_rate_per_thousand_users_over_the_accounts_onboarding_in_the_window():
    accounts = [
        onboarding("a", users=200),
        onboarding("b", users=300),
        onboarding("gone", users=1000, outcome=Outcome.CHURNED, outcome_on=date(2025, 12, 20)),
        onboarding("future", users=1000, signed_on=date(2026, 2, 10)),
    ]
    tickets = [
        TicketCount("a", date(2026, 1, 5), 5),
        TicketCount("b", date(2026, 1, 31), 10),
        TicketCount("b", date(2026, 2, 1), 3),  # after the window
        TicketCount("gone", date(2026, 1, 5), 50),  # its onboarding ended before the window
    ]
    result = kpis(accounts, tickets=tickets, window=JAN)
    assert (result.tickets, result.users) == (15, 500)
    assert result.tickets_per_1000_users == 30.0


def test_no_users_gives_no_ticket_rate():
    result = kpis([onboarding(users=0)], tickets=[TicketCount("acme", date(2026, 1, 5), 2)],
                  window=JAN)  # fmt: skip
    assert result.tickets_per_1000_users is None


# --- baseline, comparison and movement ------------------------------------------------------


def test_compare_gives_current_minus_baseline_and_none_where_either_is_missing():
    baseline = jan(
        onboarding("a", outcome=Outcome.COMPLETED, outcome_on=date(2026, 1, 5)),
        onboarding("b", outcome=Outcome.CHURNED, outcome_on=date(2026, 1, 5)),
        reached("c", 40),
    )
    current = jan(
        onboarding("a", outcome=Outcome.COMPLETED, outcome_on=date(2026, 1, 5)),
        reached("c", 35),
    )
    deltas = compare(current, baseline)
    assert list(deltas) == list(KPI_NAMES)
    assert deltas["completion_rate"] == pytest.approx(0.5)
    assert deltas["time_to_value_days"] == -5
    assert deltas["sla_adherence_rate"] is None


def test_week_4_and_week_8_movement_shift_the_baseline_window_and_wait_for_their_end():
    window = Window(date(2026, 1, 1), date(2026, 1, 28))
    accounts = [
        onboarding("a", outcome=Outcome.CHURNED, outcome_on=date(2026, 1, 10)),
        onboarding("b", outcome=Outcome.COMPLETED, outcome_on=date(2026, 1, 12)),
        onboarding("c", outcome=Outcome.COMPLETED, outcome_on=date(2026, 2, 3)),  # week 4 window
        onboarding("d", outcome=Outcome.COMPLETED, outcome_on=date(2026, 3, 20)),  # not yet
    ]
    baseline = kpis(accounts, window=window)
    assert baseline.completion_rate == 0.5

    week4, week8 = movement(accounts, baseline=baseline, as_of=date(2026, 3, 1))
    assert week4.week == 4
    assert week4.window == Window(date(2026, 1, 29), date(2026, 2, 25))
    assert week4.kpis is not None and week4.kpis.completion_rate == 1.0
    assert week4.deltas["completion_rate"] == 0.5
    assert week8.window == Window(date(2026, 2, 26), date(2026, 3, 25))
    assert week8.kpis is None and week8.deltas == {}  # 25 March is after as_of
    assert week8.as_json()["reached"] is False

    later = movement(accounts, baseline=baseline, as_of=date(2026, 3, 25))
    assert later[1].kpis is not None and later[1].kpis.completion_rate == 1.0


def test_a_window_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Window(date(2026, 2, 1), date(2026, 1, 1))


def test_a_window_may_be_given_as_a_pair_of_dates():
    result = kpis([], window=(date(2026, 1, 1), date(2026, 1, 31)))
    assert result.window == JAN and JAN.days == 31


def test_as_json_carries_the_headline_numbers_and_the_counts_behind_them():
    result = jan(onboarding(outcome=Outcome.COMPLETED, outcome_on=date(2026, 1, 5)))
    data = result.as_json()
    assert data["completion_rate"] == 1.0
    assert data["window"] == {"start": "2026-01-01", "end": "2026-01-31"}
    assert data["detail"]["completion"] == {"value": 1.0, "numerator": 1, "denominator": 1}  # type: ignore[index]
    assert data["detail"]["time_to_value_days"] is None  # type: ignore[index]
