"""Weight versions over the taxonomy, whether a calibration has a proposal, and who decides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.calibration import EarlyPicture, FinishedOnboarding, calibrate
from scoring.errors import DomainError
from scoring.escalation import Decision, NotAllowed
from scoring.readings import History, Reading
from scoring.scorecard import evaluate
from scoring.weights import ProposalState, apply_version, decide_proposal, proposal_problem
from tests.scoring.builders import KEYS, account, rules, signal

AS_OF = date(2026, 11, 24)
START = datetime(2026, 9, 1, tzinfo=UTC)

histories = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(0, 2), st.integers(0, 80 * 24 * 60)),
    max_size=40,
    unique_by=lambda t: t[2],
).map(lambda rows: [Reading(k, v, START + timedelta(minutes=m)) for k, v, m in rows])
weights = st.lists(
    st.sampled_from(["0.25", "0.5", "1", "1.5", "2", "3.75"]), min_size=6, max_size=6
).map(lambda ws: [signal(k, weight=w) for k, w in zip(KEYS, ws, strict=True)])


def card(readings, rule_set):
    return evaluate(account(), History(readings), rule_set, as_of=AS_OF)


@given(histories, weights)
def test_applying_the_weights_already_in_force_changes_no_score(readings, signals):
    configured = rules(signals)
    same = apply_version(
        configured,
        version=3,
        weights={s.key: float(s.weight) for s in signals},
        retired=[],
    )
    before, after = card(readings, configured), card(readings, same)
    assert (after.score, after.status, after.coverage) == (
        before.score,
        before.status,
        before.coverage,
    )
    assert [line.contribution for line in after.signals] == [
        line.contribution for line in before.signals
    ]
    assert after.weights_version == 3 and before.weights_version == 0


@given(histories, weights, st.sampled_from(KEYS))
def test_retiring_a_signal_removes_it_from_the_score(readings, signals, key):
    configured = rules(signals)
    retired = apply_version(configured, version=1, weights={}, retired=[key])
    without = [r for r in readings if r.signal != key]
    got = card(readings, retired)
    assert key not in {line.key for line in got.signals}
    # an unrated signal never counts in the score: retired, it is as if it had no readings
    assert got.score == card(without, configured).score


def test_a_version_sets_the_weights_it_names_and_keeps_the_others():
    applied = apply_version(
        rules(), version=2, weights={"kickoff": 2.5, "gone_signal": 9}, retired=["ticket_trend"]
    )
    by_key = applied.taxonomy.by_key
    assert by_key["kickoff"].weight == Fraction(5, 2)
    assert by_key["data_import"].weight == 1
    assert by_key["ticket_trend"].retired
    assert "gone_signal" not in by_key
    assert applied.weights_version == 2


def test_a_signal_retired_in_the_config_stays_retired():
    configured = rules([signal("kickoff"), signal("exec_update", retired=True)])
    applied = apply_version(configured, version=1, weights={"exec_update": 2}, retired=[])
    assert [s.key for s in applied.taxonomy.active] == ["kickoff"]


@pytest.mark.parametrize(
    ("weights_", "retired", "problem"),
    [
        ({"kickoff": -1}, [], "weights are ≥ 0"),
        ({"kickoff": float("nan")}, [], "is not a weight"),
        (dict.fromkeys(KEYS, 0), [], "no scored signal"),
        ({}, list(KEYS), "no scored signal"),
    ],
)
def test_weights_that_cannot_score_are_refused(weights_, retired, problem):
    with pytest.raises(DomainError, match=problem):
        apply_version(rules(), version=1, weights=weights_, retired=retired)


# --- is there a proposal? -------------------------------------------------------------------


def cohort(n: int, *, rated: bool = True) -> list[FinishedOnboarding]:
    """`n` bad and `n` good onboardings: at day 30 `data_import` tells them apart, `kickoff`
    says the opposite (inverted), the other signals are unrated (all of them unless `rated`)."""
    records = []
    for i in range(2 * n):
        bad = i < n
        tells = 0 if bad else 2
        values = {"data_import": tells, "kickoff": 2 - tells} if rated else {}
        records.append(
            FinishedOnboarding(f"a{i:03}", "mid", bad, EarlyPicture(values), signed_on=AS_OF)
        )
    return records


CURRENT = dict.fromkeys(KEYS, 1)


def test_a_clear_cohort_has_a_proposal_that_does_better_held_out():
    result = calibrate(cohort(15), weights=CURRENT)
    assert proposal_problem(result) is None
    # data_import takes what the two judged signals weighed; the unrated keep their weight.
    assert result.proposal.weights["data_import"] == 2
    assert result.proposal.weights["first_value"] == 1
    assert "kickoff" in result.proposal.retire
    assert result.proposal.gain is not None and result.proposal.gain > 0


def test_no_finished_onboardings_is_said_plainly():
    assert "no finished onboardings" in proposal_problem(calibrate([], weights=CURRENT))


def test_too_few_outcomes_is_no_proposal_however_clear_they_look():
    problem = proposal_problem(calibrate(cohort(9), weights=CURRENT))
    assert problem is not None
    assert "too few finished onboardings to propose weights: 9 bad and 9 good" in problem
    assert "at least 10 of each" in problem


def test_outcomes_no_signal_explains_are_nothing_to_propose():
    problem = proposal_problem(calibrate(cohort(15, rated=False), weights=CURRENT))
    assert problem is not None
    assert "nothing to propose: 30 finished onboardings (15 bad)" in problem


def test_weights_that_do_worse_held_out_are_not_proposed():
    def backwards(training, current):
        return {**dict.fromkeys(current, 0.0), "kickoff": 6.0}

    problem = proposal_problem(calibrate(cohort(15), weights=CURRENT, fit=backwards))
    assert problem is not None and "did worse on held-out onboardings" in problem


# --- who decides ----------------------------------------------------------------------------

APPROVERS = {"U1", "U2"}


def decide(**overrides):
    values = {
        "state": ProposalState.PENDING,
        "decision": Decision.APPROVE,
        "approver": "U1",
        "proposer": "U9",
        "approvers": APPROVERS,
        "reason": None,
    }
    values.update(overrides)
    return decide_proposal(**values)


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"approver": "U7"}, "only the configured approvers"),
        ({"proposer": "U1"}, "you proposed these weights"),
        ({"state": ProposalState.APPROVED}, "already decided: approved"),
        ({"state": ProposalState.WITHDRAWN}, "already decided: withdrawn"),
    ],
)
def test_who_may_not_decide_is_refused_with_the_reason(overrides, refusal):
    with pytest.raises(NotAllowed, match=refusal):
        decide(**overrides)


def test_rejecting_needs_a_reason_and_changes_are_not_requested():
    with pytest.raises(DomainError, match="Rejected needs a reason"):
        decide(decision=Decision.REJECT, reason="  ")
    with pytest.raises(DomainError, match="approved or rejected"):
        decide(decision=Decision.REQUEST_CHANGES, reason="tweak it")


def test_one_approval_decides_a_proposal():
    assert decide() is ProposalState.APPROVED
    assert decide(decision=Decision.REJECT, reason="too few churns") is ProposalState.REJECTED
