"""A rescue opened by mistake (a corrected rating opened it, nobody acted) is a false alarm: it
counts in neither the at-risk recovery nor the SLA adherence KPI."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scoring.kpis import RescueRecord, Window, kpis
from scoring.rules import Status

JAN = Window(date(2026, 1, 1), date(2026, 1, 31))
OPENED = datetime(2026, 1, 5, 9, tzinfo=UTC)
DUE = datetime(2026, 1, 6, 9, tzinfo=UTC)


def closed(*, mistake: bool, status: Status) -> RescueRecord:
    return RescueRecord(
        "acme", OPENED, Status.AT_RISK, DUE, closed_at=datetime(2026, 1, 5, 9, 2, tzinfo=UTC),
        status_at_close=status, opened_by_mistake=mistake,
    )  # fmt: skip


def test_a_false_alarm_is_left_out_of_recovery_and_sla():
    real = closed(mistake=False, status=Status.AT_RISK)
    false_alarm = closed(mistake=True, status=Status.HEALTHY)
    result = kpis([], [real, false_alarm], window=JAN)
    assert (result.at_risk_recovery.numerator, result.at_risk_recovery.denominator) == (0, 1)
    assert (result.sla_adherence.numerator, result.sla_adherence.denominator) == (1, 1)


def test_only_false_alarms_give_no_kpi_rather_than_zero():
    result = kpis([], [closed(mistake=True, status=Status.HEALTHY)], window=JAN)
    assert result.at_risk_recovery_rate is None and result.sla_adherence_rate is None
