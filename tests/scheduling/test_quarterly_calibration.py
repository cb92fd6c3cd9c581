"""The quarterly calibration as scheduled work: once per quarter across replicas, its weight
proposal posted to the leadership channel for an approver, like `/onboard weights propose`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from bot.store.db import session_scope
from bot.store.tables import WeightProposal
from tests.scheduling.conftest import Scheduled
from tests.scheduling.test_replicas import at_once
from tests.services.cohort import seed_finished_cohort

QUARTER_STARTS = datetime(2027, 1, 1, 7, tzinfo=UTC)  # 07:00 on the first day of Q1, team UTC


def proposals(scheduled: Scheduled) -> list[WeightProposal]:
    with session_scope(scheduled.engine, read_only=True) as session:
        return list(session.exec(select(WeightProposal)))


def test_three_replicas_make_one_quarterly_proposal_for_an_approver(scheduled: Scheduled):
    with session_scope(scheduled.engine) as session:
        seed_finished_cohort(session, today=date(2026, 12, 31))
    scheduled.clock.to(QUARTER_STARTS)
    workers = [scheduled.work(f"replica:{i}") for i in range(3)]
    at_once([w.sweep for w in workers])
    (proposal,) = proposals(scheduled)
    assert proposal.state == "pending" and proposal.weights["data_import"] > 0
    runs = [r.key for r in scheduled.runs() if r.job == "calibration"]
    assert runs == ["calibration:2027-Q1"]
    scheduled.deliver_all()
    posted = [m for m in scheduled.double.messages("C0LEADERS")
              if f"Weight proposal #{proposal.id}" in str(m.blocks)]  # fmt: skip
    assert len(posted) == 1
    assert "Proposed by the quarterly calibration" in str(posted[0].blocks)
    # later that quarter, nothing more: the run of Q1 is done
    scheduled.clock.to(datetime(2027, 1, 1, 12, tzinfo=UTC))
    assert all(not key.startswith("calibration") for key in scheduled.work().sweep().runs)
    assert len(proposals(scheduled)) == 1


def test_a_quarter_with_nothing_worth_proposing_finishes_its_run_quietly(scheduled: Scheduled):
    scheduled.clock.to(QUARTER_STARTS)  # only the six onboarding accounts: nothing finished
    assert "calibration:2027-Q1" in scheduled.work().sweep().runs
    assert proposals(scheduled) == []
    assert [r.finished_at is not None for r in scheduled.runs() if r.job == "calibration"] == [True]
