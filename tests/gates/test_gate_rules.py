"""Phase gates as pure rules: which items are overdue given the phase windows, the account's
gate-tracking start and the as-of day (table cases and hypothesis properties)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.gates import (
    GateItem,
    GatePhase,
    Gates,
    GateState,
    is_met,
    overdue_gates,
    tracking_start,
)

SIGNED = date(2026, 1, 1)
STAKEHOLDERS = GateItem("stakeholders", "Stakeholders identified", GatePhase.DAY0)
SSO = GateItem("sso_tested", "SSO tested", GatePhase.DAYS_1_30)
UAT = GateItem("uat_coverage", "UAT coverage", GatePhase.DAYS_31_60, target=95, unit="%")
BAU = GateItem("bau_ownership", "BAU ownership accepted", GatePhase.DAYS_61_90)
GATES = Gates((STAKEHOLDERS, SSO, UAT, BAU))


def late(as_of: date, states: dict[str, GateState] | None = None, *, tracking=SIGNED) -> dict:
    found = overdue_gates(
        GATES, states or {}, signed_on=SIGNED, tracking_from=tracking, as_of=as_of
    )
    return {gate.key: gate.days_late for gate in found}


@pytest.mark.parametrize(
    ("days_since", "expected"),
    [
        (0, {}),
        (7, {}),  # Day 0 ends on day 7 after signature: still its last day
        (8, {"stakeholders": 1}),
        (30, {"stakeholders": 23}),
        (31, {"stakeholders": 24, "sso_tested": 1}),
        (61, {"stakeholders": 54, "sso_tested": 31, "uat_coverage": 1}),
        (95, {"stakeholders": 88, "sso_tested": 65, "uat_coverage": 35, "bau_ownership": 5}),
    ],
)
def test_an_open_item_is_overdue_once_its_phase_has_ended(days_since: int, expected: dict):
    assert late(SIGNED + timedelta(days=days_since)) == expected


@pytest.mark.parametrize(
    ("state", "met"),
    [
        (None, False),
        (GateState(done=True), False),  # a measured item is met by its value, not a tick
        (GateState(value=80), False),
        (GateState(value=95), True),
        (GateState(value=99.5), True),
    ],
)
def test_a_measured_item_is_met_when_its_value_reaches_the_target(state, met):
    assert is_met(UAT, state) is met


def test_ticked_and_measured_items_are_not_overdue():
    states = {"stakeholders": GateState(done=True), "uat_coverage": GateState(value=95)}
    assert late(SIGNED + timedelta(days=70), states) == {"sso_tested": 40}


def test_a_measured_item_short_of_its_target_says_how_far():
    (gate,) = overdue_gates(
        Gates((UAT,)), {"uat_coverage": GateState(value=80)},
        signed_on=SIGNED, tracking_from=SIGNED, as_of=SIGNED + timedelta(days=63),
    )  # fmt: skip
    assert gate.describe() == "UAT coverage 80% of 95%, 3d late"


@pytest.mark.parametrize(
    ("tracking_days", "expected"),
    [
        (0, {"stakeholders": 43, "sso_tested": 20}),
        (7, {"stakeholders": 43, "sso_tested": 20}),  # Day 0 ended on the day tracking started
        (8, {"sso_tested": 20}),  # Day 0 ended before tracking started: never overdue
        (30, {"sso_tested": 20}),
        (31, {}),
    ],
)
def test_phases_that_ended_before_tracking_started_never_flood(tracking_days, expected):
    tracking = SIGNED + timedelta(days=tracking_days)
    assert late(SIGNED + timedelta(days=50), tracking=tracking) == expected


@pytest.mark.parametrize(
    ("added", "configured", "start"),
    [
        (date(2026, 3, 1), None, date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 4, 1), date(2026, 4, 1)),
    ],
)
def test_tracking_starts_at_the_later_of_added_and_gates_configured(added, configured, start):
    assert tracking_start(added, configured) == start


def test_an_unsigned_account_has_no_overdue_items():
    assert (
        overdue_gates(GATES, {}, signed_on=None, tracking_from=SIGNED, as_of=date(2027, 1, 1)) == ()
    )


days = st.integers(min_value=-30, max_value=400)
states = st.dictionaries(
    st.sampled_from([item.key for item in GATES.items]),
    st.builds(GateState, st.booleans(), st.none() | st.floats(0, 200)),
)


@given(signed=days, added=days, configured=st.none() | days, as_of=days, states=states)
def test_history_never_floods(signed, added, configured, as_of, states):
    """No item is overdue for a phase that ended before tracking started, or that has not
    ended; a met item is never overdue; days late count from the phase's last day."""
    base = date(2026, 6, 1)
    signed_on = base + timedelta(days=signed)
    start = tracking_start(
        base + timedelta(days=added),
        None if configured is None else base + timedelta(days=configured),
    )
    today = base + timedelta(days=as_of)
    for gate in overdue_gates(GATES, states, signed_on=signed_on, tracking_from=start, as_of=today):
        ends = gate.item.phase.ends_on(signed_on)
        assert start <= ends < today
        assert not is_met(gate.item, states.get(gate.key))
        assert gate.days_late == (today - ends).days >= 1


@given(signed=days, as_of=days, states=states)
def test_ticking_items_never_adds_an_overdue_one(signed, as_of, states):
    signed_on = date(2026, 6, 1) + timedelta(days=signed)
    today = date(2026, 6, 1) + timedelta(days=as_of)
    before = overdue_gates(GATES, states, signed_on=signed_on, tracking_from=signed_on, as_of=today)
    ticked = {**states, "stakeholders": GateState(done=True)}
    after = overdue_gates(GATES, ticked, signed_on=signed_on, tracking_from=signed_on, as_of=today)
    assert {g.key for g in after} <= {g.key for g in before}
