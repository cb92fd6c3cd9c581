"""The score, its breakdown, coverage, status bands and floors, stale and overdue signals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from scoring.accounts import Handoff
from scoring.rules import Status
from scoring.scorecard import Flag
from scoring.signals import Segment
from tests.scoring.builders import KEYS, all_at, card, reading, rules, signal


@pytest.mark.parametrize(
    ("values", "score", "status"),
    [
        ((2, 2, 2, 2, 2, 2), 10.0, Status.HEALTHY),
        ((2, 2, 2, 2, 2, 1), 9.2, Status.HEALTHY),
        ((2, 2, 1, 1, 2, 2), 8.3, Status.HEALTHY),
        ((2, 2, 1, 1, 1, 2), 7.5, Status.HEALTHY),  # 7.5 is Healthy: bands are inclusive
        ((2, 1, 1, 1, 1, 2), 6.7, Status.WATCH),
        ((1, 1, 1, 1, 1, 1), 5.0, Status.WATCH),
        ((2, 1, 1, 1, 1, 1), 5.8, Status.WATCH),
    ],
)
def test_score_is_ten_times_weighted_share_of_the_maximum(values, score, status):
    result = card([reading(k, v, "2026-11-20") for k, v in zip(KEYS, values, strict=True)])
    assert result.score == score
    assert result.status is status
    assert result.coverage == 1.0


def test_a_signal_at_zero_needs_an_owner_and_caps_the_status_at_watch():
    result = card([*all_at(2, "2026-11-20"), reading("exec_update", 0, "2026-11-21")])
    assert result.score == 8.3  # the score alone would be Healthy
    assert result.band_status is Status.HEALTHY
    assert result.status is Status.WATCH
    assert Flag.SIGNAL_AT_ZERO in result.flags
    assert [line.key for line in result.zero_signals] == ["exec_update"]


def test_floors_never_raise_an_at_risk_account():
    result = card(all_at(0, "2026-11-20"), handoff=Handoff())
    assert result.score == 0.0
    assert result.status is Status.AT_RISK


def test_incomplete_handoff_caps_status_at_watch():
    missing_decision_maker = Handoff("Problem", "60 days", "ERP", "  ")
    result = card(all_at(2, "2026-11-20"), handoff=missing_decision_maker)
    assert result.score == 10.0
    assert result.status is Status.WATCH
    assert not result.handoff_complete
    assert result.account.handoff.missing == ("decision_maker",)


def test_coverage_below_half_caps_status_at_watch_and_half_is_enough():
    two_of_six = card(
        [reading("kickoff", 2, "2026-11-20"), reading("exec_update", 2, "2026-11-20")]
    )
    assert two_of_six.score == 10.0
    assert two_of_six.coverage == pytest.approx(1 / 3)
    assert two_of_six.status is Status.WATCH
    assert Flag.LOW_COVERAGE in two_of_six.flags
    three_of_six = card([reading(k, 2, "2026-11-20") for k in KEYS[:3]])
    assert three_of_six.status is Status.HEALTHY


def test_nothing_rated_has_no_score_and_is_watch():
    result = card([])
    assert result.score is None
    assert result.status is Status.WATCH
    assert result.coverage == 0.0
    assert Flag.UNSCORED in result.flags
    assert all(line.contribution == 0 and line.value is None for line in result.signals)


def test_score_rounds_half_up_to_one_decimal():
    four = [signal(k) for k in ("a", "b", "c", "d")]
    # 10 × 1 / 8 = 1.25: half-up gives 1.3 (banker's rounding would give 1.2)
    result = card([reading("a", 1, "2026-11-20"), *(reading(k, 0, "2026-11-20") for k in "bcd")],
                  rule_set=rules(four))  # fmt: skip
    assert result.score == 1.3


def test_status_is_decided_on_the_rounded_score():
    weighted = [signal("heavy", weight=49), signal("light", weight=51)]
    # 10 × (49×2 + 51×1) / 200 = 7.45, shown as 7.5, which is Healthy
    result = card([reading("heavy", 2, "2026-11-20"), reading("light", 1, "2026-11-20")],
                  rule_set=rules(weighted))  # fmt: skip
    assert result.score == 7.5
    assert result.status is Status.HEALTHY


def test_breakdown_contributions_add_up_to_the_score():
    weighted = [signal("a", weight=3), signal("b", weight=1), signal("c", weight="0.5")]
    result = card([reading("a", 2, "2026-11-20"), reading("b", 1, "2026-11-20"),
                   reading("c", 0, "2026-11-20")], rule_set=rules(weighted))  # fmt: skip
    # 10 × (6 + 1 + 0) / 9 = 7.78
    assert result.score == 7.8
    assert [line.contribution for line in result.signals] == [6.67, 1.11, 0.0]
    assert sum(line.contribution for line in result.signals) == pytest.approx(7.78)


def test_retired_signals_are_not_scored_or_shown():
    retired = [*rules().taxonomy.signals[:5], signal("exec_update", window=14, retired=True)]
    result = card([*all_at(2, "2026-11-20"), reading("exec_update", 0, "2026-11-21")],
                  rule_set=rules(retired))  # fmt: skip
    assert result.score == 10.0
    assert result.status is Status.HEALTHY
    assert "exec_update" not in [line.key for line in result.signals]


def test_latest_reading_wins_and_readings_after_as_of_are_ignored():
    history = [reading("kickoff", 0, "2026-11-01"), reading("kickoff", 2, "2026-11-10"),
               reading("kickoff", 1, "2026-11-30")]  # fmt: skip
    assert card(history, as_of="2026-11-24").line("kickoff").value == 2
    assert card(history, as_of="2026-11-09").line("kickoff").value == 0
    assert card(history, as_of="2026-10-31").line("kickoff").value is None
    assert card(history, as_of="2026-11-30").line("kickoff").value == 1


def test_a_reading_more_than_fourteen_days_old_is_stale_but_still_counts():
    fourteen = card(all_at(2, "2026-11-10"), as_of="2026-11-24")
    fifteen = card(all_at(2, "2026-11-09"), as_of="2026-11-24")
    assert not any(line.stale for line in fourteen.signals)
    assert all(line.stale and line.days_since_reading == 15 for line in fifteen.signals)
    assert fifteen.score == 10.0
    assert Flag.STALE in fifteen.flags


def test_unrated_signals_are_never_stale():
    assert not any(line.stale for line in card([], as_of="2027-06-01").signals)


@pytest.mark.parametrize(
    ("segment", "days_late"), [(Segment.SMB, 24), (Segment.MID, 9), (Segment.ENTERPRISE, 0)]
)
def test_data_import_window_depends_on_segment(segment, days_late):
    # signed 2026-09-01, as of 2026-10-25: 54 days since signature
    result = card([reading("data_import", 1, "2026-10-20")], as_of="2026-10-25", segment=segment)
    line = result.line("data_import")
    assert line.overdue is (days_late > 0)
    assert line.days_late == days_late


def test_unrated_counts_as_not_healthy_for_overdue_and_healthy_is_never_overdue():
    result = card([reading("admin_trained", 2, "2026-09-03")], as_of="2026-09-30")
    assert result.line("kickoff").overdue and result.line("kickoff").days_late == 22
    assert not result.line("admin_trained").overdue
    assert not result.line("ticket_trend").overdue  # no window: never overdue
    assert result.line("exec_update").days_late == 15


def test_overdue_starts_the_day_after_the_window():
    on_the_day = card([], as_of="2026-09-08")  # 7 days since signature
    day_after = card([], as_of="2026-09-09")
    assert not on_the_day.line("kickoff").overdue
    assert day_after.line("kickoff").overdue and day_after.line("kickoff").days_late == 1


def test_days_count_in_the_team_time_zone():
    tokyo = rules(team_timezone=ZoneInfo("Asia/Tokyo"))
    # 20:00 UTC on the 23rd is already the 24th in Tokyo
    late_evening = [reading("kickoff", 2, "2026-11-23", hour=20)]
    assert card(late_evening, as_of="2026-11-23").line("kickoff").value == 2
    assert card(late_evening, as_of="2026-11-23", rule_set=tokyo).line("kickoff").value is None


def test_an_unsigned_account_is_pre_kickoff_and_never_overdue():
    result = card([], signed_on=None, as_of="2026-11-24")
    assert result.phase.value == "pre_kickoff"
    assert not result.overdue_signals
    assert result.days_since_signature is None


def test_as_of_date_only_counts_whole_days():
    assert card([], as_of="2026-09-01").days_since_signature == 0
    assert card([], as_of="2026-12-01").days_since_signature == 91
    assert card([], as_of="2026-12-01").phase.value == "business_as_usual"
