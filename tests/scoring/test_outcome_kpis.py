"""Customer-outcome KPIs, false alarms and misses on hand-computed cohorts (empty → None)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.kpis import (
    KPI_NAMES,
    OnboardingRecord,
    Outcome,
    RescueRecord,
    SurveyAnswer,
    SurveyKind,
    Window,
    kpis,
    movement,
)
from scoring.rules import Status

JAN = Window(date(2026, 1, 1), date(2026, 1, 31))
CSAT, NPS = SurveyKind.CSAT, SurveyKind.NPS


def answer(key: str, kind: SurveyKind, day: int, score: int, on: str = "2026-01-10"):
    return SurveyAnswer(key, kind, day, score, date.fromisoformat(on))


def onboarding(key: str, signed: str, **kwargs: object) -> OnboardingRecord:
    return OnboardingRecord(key, "mid", date.fromisoformat(signed), **kwargs)  # type: ignore[arg-type]


def rescue(key: str, opened: str, **kwargs: object) -> RescueRecord:
    at = datetime.fromisoformat(opened).replace(hour=9, tzinfo=UTC)
    values: dict[str, object] = {"status_at_open": Status.AT_RISK, "sla_due_at": at}
    values.update(kwargs)
    return RescueRecord(key, at, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scores", "csat"),
    [((5,), 5.0), ((4, 5, 3), 4.0), ((1, 2), 1.5)],
)
def test_csat_is_the_mean_of_the_answers(scores, csat):
    answers = [answer(f"a{i}", CSAT, 30, s) for i, s in enumerate(scores)]
    assert kpis([], window=JAN, surveys=answers).csat_d30 == csat


@pytest.mark.parametrize(
    ("scores", "nps"),
    [
        ((10, 9, 8, 7, 6), 20.0),  # 2 promoters, 1 detractor of 5
        ((0, 6, 10), -100 / 3),
        ((7, 8), 0.0),  # passives only
        ((9,), 100.0),
        ((0,), -100.0),
    ],
)
def test_nps_is_promoters_minus_detractors_in_percent(scores, nps):
    answers = [answer(f"a{i}", NPS, 7, s) for i, s in enumerate(scores)]
    assert kpis([], window=JAN, surveys=answers).nps_d7 == pytest.approx(nps)


def test_the_latest_answer_per_account_counts_and_days_are_kept_apart():
    answers = [
        answer("acme", CSAT, 7, 2, "2026-01-05"),
        answer("acme", CSAT, 7, 4, "2026-01-06"),  # a correction: replaces the 2
        answer("beta", CSAT, 7, 5),
        answer("acme", CSAT, 30, 1),
        answer("beta", CSAT, 7, 1, "2026-02-03"),  # after the window: unknown as of Jan 31
    ]
    result = kpis([], window=JAN, surveys=answers)
    assert (result.csat_d7, result.csat_d30) == (4.5, 1.0)
    assert result.nps_d7 is None and result.nps_d30 is None


def test_answers_outside_the_window_are_not_counted():
    answers = [answer("acme", CSAT, 7, 5, "2025-12-20")]
    assert kpis([], window=JAN, surveys=answers).csat_d7 is None


def test_churn_within_90_days_over_the_accounts_whose_day_90_falls_in_the_window():
    cohort = [
        # signed 2025-10-10: day 90 is 2026-01-08, in January
        onboarding("early-churn", "2025-10-10", outcome=Outcome.CHURNED,
                   outcome_on=date(2025, 12, 1)),
        onboarding("late-churn", "2025-10-10", outcome=Outcome.CHURNED,
                   outcome_on=date(2026, 1, 20)),  # after day 90: not churn within 90
        onboarding("kept", "2025-10-20", outcome=Outcome.COMPLETED,
                   outcome_on=date(2026, 1, 2)),
        onboarding("no-outcome", "2025-11-01"),  # day 90 = 2026-01-30
        onboarding("too-young", "2025-12-01", outcome=Outcome.CHURNED,
                   outcome_on=date(2026, 1, 5)),  # day 90 in March: not in the cohort yet
    ]  # fmt: skip
    result = kpis(cohort, window=JAN)
    assert (result.churn_90.numerator, result.churn_90.denominator) == (1, 4)
    assert result.churn_90_rate == 0.25


def test_expansion_within_six_months_is_182_days():
    signed = date(2026, 1, 15) - timedelta(days=182)  # day 182 on Jan 15
    cohort = [
        OnboardingRecord("grew", "smb", signed, Outcome.EXPANDED, date(2026, 1, 15)),
        OnboardingRecord("grew-late", "smb", signed, Outcome.EXPANDED, date(2026, 1, 16)),
        OnboardingRecord("done", "smb", signed, Outcome.COMPLETED, date(2025, 9, 1)),
    ]
    result = kpis(cohort, window=JAN)
    assert (result.expansion_6m.numerator, result.expansion_6m.denominator) == (1, 3)


def test_activation_is_first_value_healthy_within_its_window():
    cohort = [
        # a 30-day window ending 2026-01-10
        onboarding("on-time", "2025-12-11", first_value_window_days=30,
                   first_value_healthy_on=date(2026, 1, 10)),
        onboarding("late", "2025-12-11", first_value_window_days=30,
                   first_value_healthy_on=date(2026, 1, 11)),
        onboarding("never", "2025-12-11", first_value_window_days=30),
        # a 60-day window ending in February: not past it yet
        onboarding("still-time", "2025-12-11", first_value_window_days=60),
        onboarding("no-window", "2025-12-11"),
    ]  # fmt: skip
    result = kpis(cohort, window=JAN)
    assert (result.activation.numerator, result.activation.denominator) == (1, 3)


def test_false_alarms_are_not_needed_or_opened_by_mistake_among_closed_rescues():
    closed_at = datetime(2026, 1, 20, tzinfo=UTC)
    rescues = [
        rescue("acme", "2026-01-05", closed_at=closed_at, status_at_close=Status.HEALTHY,
               not_needed=True),
        rescue("beta", "2026-01-05", closed_at=closed_at, status_at_close=Status.HEALTHY,
               opened_by_mistake=True),
        rescue("gamma", "2026-01-05", closed_at=closed_at, status_at_close=Status.HEALTHY),
        rescue("delta", "2026-01-05"),  # still open: not judged yet
    ]  # fmt: skip
    result = kpis([], rescues, window=JAN)
    assert (result.false_alarms.numerator, result.false_alarms.denominator) == (2, 3)
    assert result.false_alarm_accounts == ("acme", "beta")
    # a rescue that was not needed proves no recovery
    assert (result.at_risk_recovery.numerator, result.at_risk_recovery.denominator) == (1, 1)


def test_a_miss_is_a_churn_no_real_rescue_saw_coming():
    churned = {"outcome": Outcome.CHURNED, "outcome_on": date(2026, 1, 15)}
    cohort = [
        onboarding("unseen", "2025-10-01", **churned),
        onboarding("caught", "2025-10-01", **churned),
        onboarding("false-alarm-only", "2025-10-01", **churned),
        onboarding("rescued-after", "2025-10-01", **churned),
        onboarding("completed", "2025-10-01", outcome=Outcome.COMPLETED,
                   outcome_on=date(2026, 1, 15)),
    ]  # fmt: skip
    rescues = [
        rescue("caught", "2026-01-02"),
        rescue("false-alarm-only", "2026-01-02", opened_by_mistake=True),
        rescue("rescued-after", "2026-01-20"),
    ]
    result = kpis(cohort, rescues, window=JAN)
    assert result.missed_accounts == ("false-alarm-only", "rescued-after", "unseen")
    assert (result.misses.numerator, result.misses.denominator) == (3, 4)


def test_empty_cohorts_give_none_not_zero():
    result = kpis([onboarding("young", "2026-01-01")], window=JAN)
    outcomes = KPI_NAMES[KPI_NAMES.index("csat_d7") :]
    for name in outcomes:
        assert result.values()[name] is None, name
    detail = result.as_json()["detail"]
    assert detail["churn_90"] == {"value": None, "numerator": 0, "denominator": 0}
    assert detail["surveys"]["csat_d30"] == {"answers": 0}


def test_week_4_and_week_8_follow_the_baseline_window_for_surveys():
    baseline = kpis([], window=JAN, surveys=[answer("acme", CSAT, 30, 2)])
    feb_answers = [answer("acme", CSAT, 30, 2), answer("beta", CSAT, 30, 4, "2026-02-20")]
    week4, week8 = movement([], baseline=baseline, as_of=date(2026, 3, 1), surveys=feb_answers)
    assert week4.kpis is not None and week4.kpis.csat_d30 == 4.0  # Jan 29 – Feb 28
    assert week4.deltas["csat_d30"] == 2.0
    assert week8.kpis is None  # ends after as_of


@given(st.lists(st.integers(0, 10), min_size=1, max_size=40))
def test_nps_stays_between_minus_100_and_100(scores):
    answers = [answer(f"a{i}", NPS, 30, s) for i, s in enumerate(scores)]
    nps = kpis([], window=JAN, surveys=answers).nps_d30
    assert nps is not None and -100 <= nps <= 100


@given(st.lists(st.integers(1, 5), min_size=1, max_size=40))
def test_csat_stays_between_the_lowest_and_highest_answer(scores):
    answers = [answer(f"a{i}", CSAT, 7, s) for i, s in enumerate(scores)]
    csat = kpis([], window=JAN, surveys=answers).csat_d7
    assert csat is not None and min(scores) <= csat <= max(scores)
