"""Escalation rules: severity, plan completeness, and who may decide what."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import DomainError
from scoring.escalation import (
    Decision,
    NotAllowed,
    PlanState,
    approvals_required,
    decide,
    is_severe,
    plan_problems,
)
from scoring.rules import Status

TODAY = date(2026, 11, 24)
APPROVERS = {"U1", "U2", "U3"}
WHOLE = {
    "root_cause": "ERP export",
    "impact": "No invoices",
    "intervention": "Joint fix",
    "success_criteria": "Import green",
}


@pytest.mark.parametrize(
    ("status", "falling", "checkpoint", "severe"),
    [
        (Status.AT_RISK, False, date(2026, 11, 23), True),  # past the checkpoint
        (Status.AT_RISK, False, date(2026, 11, 24), False),  # on the checkpoint day
        (Status.AT_RISK, True, None, True),  # falling while At risk
        (Status.WATCH, True, date(2026, 11, 1), False),  # never severe unless At risk
        (Status.AT_RISK, False, None, False),
    ],
)
def test_severe_means_at_risk_past_checkpoint_or_falling_at_risk(
    status, falling, checkpoint, severe
):
    reason = is_severe(status, falling=falling, checkpoint_on=checkpoint, today=TODAY)
    assert (reason is not None) is severe


def test_a_plan_needs_every_field_and_a_future_deadline():
    assert plan_problems(WHOLE, date(2026, 11, 25), today=TODAY) == {}
    problems = plan_problems(
        {**WHOLE, "impact": "   ", "root_cause": "x" * 3001}, TODAY, today=TODAY
    )
    assert set(problems) == {"impact", "root_cause", "decision_deadline"}
    assert "after today" in problems["decision_deadline"]
    assert "3,001 characters" in problems["root_cause"]
    assert "decision_deadline" in plan_problems(WHOLE, None, today=TODAY)


def test_two_approvals_from_the_arr_threshold():
    assert approvals_required(249_999, 250_000) == 1
    assert approvals_required(250_000, 250_000) == 2
    assert approvals_required(10**9, None) == 1


def outcome(
    decision=Decision.APPROVE,
    approver="U1",
    earlier=(),
    required=1,
    reason=None,
    state=PlanState.PENDING,
):
    return decide(
        state=state,
        decision=decision,
        approver=approver,
        requester="U9",
        approvers=APPROVERS,
        earlier=list(earlier),
        required=required,
        reason=reason,
    )


def test_one_approval_approves_a_normal_plan():
    result = outcome()
    assert (result.state, result.approvals, result.final) == (PlanState.APPROVED, 1, True)


def test_a_high_arr_plan_needs_two_distinct_approvers():
    first = outcome(required=2)
    assert (first.state, first.final) == (PlanState.PENDING, False)
    with pytest.raises(NotAllowed, match="already decided this plan"):
        outcome(required=2, earlier=[("U1", Decision.APPROVE)])
    second = outcome(approver="U2", required=2, earlier=[("U1", Decision.APPROVE)])
    assert (second.state, second.approvals) == (PlanState.APPROVED, 2)


@pytest.mark.parametrize(
    ("approver", "message"),
    [("U7", "only the configured approvers"), ("U9", "you requested this plan")],
)
def test_outsiders_and_the_requester_cannot_decide(approver, message):
    with pytest.raises(NotAllowed, match=message):
        decide(
            state=PlanState.PENDING,
            decision=Decision.APPROVE,
            approver=approver,
            requester="U9",
            approvers=APPROVERS | {"U9"},
            earlier=[],
            required=1,
            reason=None,
        )


def test_request_changes_and_reject_need_a_reason_and_end_the_plan():
    for decision in (Decision.REQUEST_CHANGES, Decision.REJECT):
        with pytest.raises(DomainError, match="needs a reason"):
            outcome(decision=decision, reason="  ")
    assert outcome(decision=Decision.REJECT, reason="No budget").state is PlanState.REJECTED
    changes = outcome(decision=Decision.REQUEST_CHANGES, reason="Add owner")
    assert (changes.state, changes.final) == (PlanState.CHANGES_REQUESTED, True)


def test_a_decided_plan_takes_no_more_decisions():
    with pytest.raises(NotAllowed, match="already decided"):
        outcome(state=PlanState.APPROVED, approver="U2")


clicks = st.lists(
    st.tuples(st.sampled_from(["U1", "U2", "U3", "U9", "U7"]), st.sampled_from(list(Decision))),
    max_size=8,
)


@given(clicks, st.integers(1, 2))
def test_no_sequence_of_clicks_exceeds_the_rules(sequence, required):
    """Whatever people click, in whatever order: no requester or outsider decides, nobody
    counts twice, and a plan is approved exactly when `required` distinct approvers approved."""
    state, earlier = PlanState.PENDING, []
    for approver, decision in sequence:
        try:
            result = decide(
                state=state,
                decision=decision,
                approver=approver,
                requester="U9",
                approvers=APPROVERS,
                earlier=earlier,
                required=required,
                reason="because",
            )
        except DomainError:
            continue
        earlier.append((approver, decision))
        state = result.state
    deciders = [who for who, _ in earlier]
    assert "U9" not in deciders and "U7" not in deciders
    assert len(deciders) == len(set(deciders))
    approvals = sum(1 for _, d in earlier if d is Decision.APPROVE)
    assert approvals <= required
    assert (state is PlanState.APPROVED) == (approvals == required)
