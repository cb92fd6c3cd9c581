"""The digest's answers: counts and change, delays per step, broken promises, expansion."""

from __future__ import annotations

from datetime import date

from scoring.accounts import Handoff
from scoring.digest import build_digest
from scoring.promises import promised_on
from scoring.rules import Status
from scoring.standup import AccountState, OpenRescue
from tests.scoring.builders import all_at, card, reading

TODAY = date(2026, 11, 24)


def state(readings, rescue=None, **account) -> AccountState:
    return AccountState(card(readings, as_of="2026-11-24", **account), rescue=rescue)


def test_counts_by_status_and_change_since_last_week():
    states = [
        state(all_at(2, "2026-11-20"), key="a"),
        state(all_at(1, "2026-11-20"), key="b"),
        state(all_at(0, "2026-11-20"), key="c"),
    ]
    digest = build_digest(
        states, as_of=TODAY, previous_status={"a": Status.HEALTHY, "b": Status.HEALTHY},
        promised_timelines={},
    )  # fmt: skip
    assert digest.week == "2026-W48"
    assert digest.counts == {Status.HEALTHY: 1, Status.WATCH: 1, Status.AT_RISK: 1}
    assert digest.change(Status.HEALTHY) == -1
    assert digest.change(Status.AT_RISK) == 1
    assert [i.account for i in digest.needs_help] == ["c", "b"]


def test_the_step_with_most_overdue_accounts_comes_first_with_mean_days_late():
    # signed 2026-09-01: 84 days. mid windows: data import 45 (39 late), first value 60 (24 late)
    late_import = [*all_at(2, "2026-11-20"), reading("data_import", 1, "2026-11-21")]
    both_late = [*all_at(1, "2026-11-20")]
    states = [state(late_import, key="a"), state(both_late, key="b", segment="smb")]
    digest = build_digest(states, as_of=TODAY, previous_status={}, promised_timelines={})
    first = digest.delays[0]
    assert (first.signal, first.overdue_accounts) == ("data_import", 2)
    assert first.mean_days_late == 46.5  # (39 + 54) / 2
    assert first.max_days_late == 54


def test_promises_past_due_without_first_value_are_listed_by_segment():
    states = [
        state(all_at(1, "2026-11-20"), key="late", signed_on=date(2026, 9, 1)),
        state(all_at(2, "2026-11-20"), key="kept", signed_on=date(2026, 9, 1)),
        state(all_at(1, "2026-11-20"), key="ahead", signed_on=date(2026, 9, 1)),
    ]
    timelines = {"late": "Live within 60 days", "kept": "Live within 60 days",
                 "ahead": "Go-live by 2027-01-15"}  # fmt: skip
    digest = build_digest(states, as_of=TODAY, previous_status={}, promised_timelines=timelines)
    assert [(p.account, p.days_past, p.promised_on) for p in digest.promises] == [
        ("late", 24, date(2026, 10, 31))
    ]


def test_promised_timelines_are_read_as_dates_or_relative_to_signature():
    signed = date(2026, 9, 1)
    assert promised_on("Go-live by 2026-12-01", signed) == date(2026, 12, 1)
    assert promised_on("within 6 weeks", signed) == date(2026, 10, 13)
    assert promised_on("3 months", signed) == date(2026, 11, 30)
    assert promised_on("ASAP", signed) is None
    assert promised_on("by 2026-02-30", signed) is None
    assert promised_on(None, signed) is None


def test_expansion_needs_healthy_first_value_stable_and_no_rescue():
    ready = [*all_at(2, "2026-11-10")]
    rescue = OpenRescue(owner="U1", next_step=None, checkpoint_on=TODAY)
    no_first_value = [*all_at(2, "2026-11-10"), reading("first_value", 1, "2026-11-23")]
    states = [
        state(ready, key="ready", arr=90_000),
        state(ready, rescue=rescue, key="rescued"),
        state(no_first_value, key="no-value"),
        state(ready, key="no-handoff", handoff=Handoff()),
    ]
    digest = build_digest(states, as_of=TODAY, previous_status={}, promised_timelines={})
    assert [(c.account, c.score, c.arr) for c in digest.expansion] == [("ready", 10.0, 90_000)]
