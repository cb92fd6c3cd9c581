"""Versioned weights on both databases: proposing from calibration, deciding once (even under
concurrent clicks), every score using the version in force, and going back to the config."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.config import load_config
from bot.services import portfolio
from bot.services.recompute import recompute
from bot.services.weights import (
    NothingToPropose,
    calibrated,
    decide,
    propose,
    reset_to_config,
    rules_in_force,
    withdraw,
)
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.tables import Event, WeeklySnapshot, WeightProposal, WeightVersion
from scoring.errors import DomainError
from scoring.escalation import Decision, NotAllowed
from tests.services.cohort import seed_finished_cohort

CONFIG = load_config(None)
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
APPROVERS = {"U1", "U2", "U3"}
PROPOSER = "U9"


def propose_as(engine, proposer: str = PROPOSER) -> WeightProposal:
    with session_scope(engine, read_only=True) as session:
        found = calibrated(session, CONFIG, today=TODAY)
    with session_scope(engine) as session:
        return propose(session, found, proposer=proposer, now=NOW)


def proposed(engine, *, per_outcome: int = 15) -> int:
    with session_scope(engine) as session:
        seed_finished_cohort(session, today=TODAY, per_outcome=per_outcome)
    return propose_as(engine).id


def decide_as(engine, proposal_id: int, approver: str, decision=Decision.APPROVE, reason=None):
    with session_scope(engine) as session:
        return decide(
            session, CONFIG, proposal_id=proposal_id, approver=approver, decision=decision,
            reason=reason, approvers=APPROVERS | {PROPOSER}, now=NOW + timedelta(hours=1),
        )  # fmt: skip


def stored(engine) -> tuple[list[WeightProposal], list[WeightVersion], list[str]]:
    with session_scope(engine, read_only=True) as session:
        proposals = list(session.exec(select(WeightProposal).order_by(col(WeightProposal.id))))
        versions = list(session.exec(select(WeightVersion).order_by(col(WeightVersion.version))))
        kinds = [e.kind for e in session.exec(select(Event).order_by(col(Event.id)))]
        return proposals, versions, kinds


def live_score(engine) -> tuple[float | None, int]:
    """An onboarding account with its kickoff Healthy and its data import at Watch."""
    with session_scope(engine) as session:
        account = account_rows.get_account(session, key="live")
        if account is None:
            account = account_rows.add_account(session, key="live", name="Live", segment="mid")
            for signal, value in (("kickoff", 2), ("data_import", 1)):
                reading_rows.add_reading(
                    session, account_id=account.id, signal=signal, value=value, note=None,
                    author="U0CSM", source="slash_command", recorded_at=NOW - timedelta(days=1),
                )  # fmt: skip
        rules = rules_in_force(session, CONFIG)
        card = portfolio.scorecard(session, account, rules, as_of=TODAY)
        return card.score, card.weights_version


def test_without_an_approved_version_the_configured_weights_are_in_force(session):
    rules = rules_in_force(session, CONFIG)
    assert rules is CONFIG.rules and rules.weights_version == 0


def test_too_few_outcomes_is_said_plainly_and_nothing_is_stored(engine):
    with pytest.raises(NothingToPropose, match=r"too few finished onboardings .* 4 bad and 4 good"):
        proposed(engine, per_outcome=4)
    proposals, versions, kinds = stored(engine)
    assert (proposals, versions, kinds) == ([], [], [])


def test_a_proposal_keeps_its_evidence_and_only_one_awaits_a_decision(engine):
    proposal_id = proposed(engine)
    [proposal], versions, kinds = stored(engine)
    assert (proposal.id, proposal.state, proposal.based_on) == (proposal_id, "pending", 0)
    assert proposal.weights["data_import"] == 2 and proposal.retire == ["kickoff"]
    assert proposal.weights["first_value"] == 1  # never rated: kept, not zeroed
    assert proposal.auc_after > proposal.auc_before
    evidence = {s["key"]: s for s in proposal.evidence["signals"]}
    assert evidence["kickoff"]["verdict"] == "inverted" and evidence["kickoff"]["retire"]
    assert evidence["data_import"]["auc"] == 1.0
    assert proposal.evidence["held_out"]["folds"] == 5
    assert (versions, kinds) == ([], ["weights_proposed"])
    with pytest.raises(DomainError, match="proposal #1 is still awaiting a decision"):
        propose_as(engine, "U2")


def test_weights_approved_while_calibrating_make_the_calibration_stale(engine):
    with session_scope(engine) as session:
        seed_finished_cohort(session, today=TODAY)
    with session_scope(engine, read_only=True) as session:
        found = calibrated(session, CONFIG, today=TODAY)
    with session_scope(engine) as session:
        session.add(WeightVersion(version=1, source="config", approved_by=["cli"], created_at=NOW))
    with (
        session_scope(engine) as session,
        pytest.raises(DomainError, match="weights v1 were put in force while calibrating"),
    ):
        propose(session, found, proposer=PROPOSER, now=NOW)
    assert stored(engine)[0] == []


def test_approval_puts_the_next_version_in_force_and_scores_use_it(engine):
    proposal_id = proposed(engine)
    assert live_score(engine) == (7.5, 0)
    decided = decide_as(engine, proposal_id, "U1")
    assert decided.version is not None and decided.version.version == 1
    [proposal], [version], kinds = stored(engine)
    assert (proposal.state, proposal.decided_by, proposal.version) == ("approved", "U1", 1)
    assert (version.source, version.approved_by) == (f"proposal {proposal_id}", ["U1"])
    assert kinds == ["weights_proposed", "weights_approved"]
    # the import alone is weighed now: Watch is half marks
    assert live_score(engine) == (5.0, 1)
    with session_scope(engine, read_only=True) as session:
        assert "kickoff" not in rules_in_force(session, CONFIG).taxonomy.scaled_weight


def test_weekly_snapshots_record_the_weight_version_they_were_computed_with(engine):
    decide_as(engine, proposed(engine), "U1")
    live_score(engine)
    recompute(engine, CONFIG, today=TODAY, since=None, now=NOW, run_key="recompute:test")
    with session_scope(engine, read_only=True) as session:
        snapshots = list(session.exec(select(WeeklySnapshot)))
    assert [(s.score, s.weights_version) for s in snapshots] == [(5.0, 1)]


def test_non_approvers_and_the_proposer_are_refused_and_nothing_is_written(engine):
    proposal_id = proposed(engine)
    with pytest.raises(NotAllowed, match="only the configured approvers"):
        decide_as(engine, proposal_id, "U7")
    with pytest.raises(NotAllowed, match="you proposed these weights"):
        decide_as(engine, proposal_id, PROPOSER)
    [proposal], versions, kinds = stored(engine)
    assert (proposal.state, versions, kinds) == ("pending", [], ["weights_proposed"])


def test_simultaneous_approvals_record_one_decision_and_one_version(engine):
    proposal_id = proposed(engine)
    approvers = ["U1", "U2", "U3", "U1", "U2", "U3"]
    start = threading.Barrier(len(approvers))
    results: list[str] = []

    def click(approver: str) -> None:
        start.wait()
        try:
            decide_as(engine, proposal_id, approver)
            results.append("ok")
        except DomainError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=click, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    [proposal], versions, kinds = stored(engine)
    assert results.count("ok") == 1
    assert all("already decided: approved" in r for r in results if r != "ok")
    assert [v.version for v in versions] == [1] and kinds.count("weights_approved") == 1
    assert proposal.state == "approved" and versions[0].approved_by == [proposal.decided_by]


def test_rejecting_needs_a_reason_and_keeps_the_weights(engine):
    proposal_id = proposed(engine)
    with pytest.raises(DomainError, match="Rejected needs a reason"):
        decide_as(engine, proposal_id, "U2", Decision.REJECT, "  ")
    decided = decide_as(engine, proposal_id, "U2", Decision.REJECT, " Too few churns yet ")
    assert decided.version is None
    [proposal], versions, kinds = stored(engine)
    assert (proposal.state, proposal.reason, versions) == ("rejected", "Too few churns yet", [])
    assert kinds == ["weights_proposed", "weights_rejected"]
    assert live_score(engine) == (7.5, 0)


def test_a_proposal_computed_against_older_weights_is_not_applied(engine):
    proposal_id = proposed(engine)
    with session_scope(engine) as session:  # weights changed meanwhile
        session.add(WeightVersion(version=1, source="config", approved_by=["cli"], created_at=NOW))
    with pytest.raises(DomainError, match="computed against weights v0, but v1 is in force"):
        decide_as(engine, proposal_id, "U1")
    [proposal], versions, _ = stored(engine)
    assert proposal.state == "pending" and [v.version for v in versions] == [1]


def test_reset_puts_the_configured_weights_back_as_a_new_version(engine):
    with session_scope(engine) as session, pytest.raises(DomainError, match="already in force"):
        reset_to_config(session, CONFIG, actor="cli", now=NOW)
    decide_as(engine, proposed(engine), "U1")
    assert live_score(engine) == (5.0, 1)
    with session_scope(engine) as session:
        assert reset_to_config(session, CONFIG, actor="cli", now=NOW).version == 2
    assert live_score(engine) == (7.5, 2)
    _, versions, kinds = stored(engine)
    assert [(v.version, v.source) for v in versions] == [(1, "proposal 1"), (2, "config")]
    assert kinds[-1] == "weights_reset"
    with session_scope(engine) as session, pytest.raises(DomainError, match="already in force"):
        reset_to_config(session, CONFIG, actor="cli", now=NOW)


def test_a_proposal_that_never_reached_the_approvers_is_withdrawn(engine):
    proposal_id = proposed(engine)
    with session_scope(engine) as session:
        withdraw(session, proposal_id=proposal_id, why="not posted (not_in_channel)", now=NOW)
    again = propose_as(engine)
    proposals, _, kinds = stored(engine)
    assert [(p.id, p.state) for p in proposals] == [
        (proposal_id, "withdrawn"),
        (again.id, "pending"),
    ]
    assert kinds == ["weights_proposed", "weights_withdrawn", "weights_proposed"]
    with pytest.raises(NotAllowed, match="already decided: withdrawn"):
        decide_as(engine, proposal_id, "U1")
