"""Escalations and approvals: each approver decides a plan at most once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.store.rescues import add_rescue
from bot.store.tables import Account, Approval, Escalation

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def plan(session: Session, account: Account) -> Escalation:
    assert account.id is not None
    rescue = add_rescue(
        session,
        account_id=account.id,
        trigger="manual",
        reason="sponsor left",
        owner="U1",
        opened_by="U1",
        opened_at=AT,
        sla_due_at=AT + timedelta(days=1),
        checkpoint_on=date(2026, 11, 23),
        status_at_open="at_risk",
        score_at_open=3.0,
    )
    assert rescue.id is not None
    escalation = Escalation(
        rescue_id=rescue.id,
        account_id=account.id,
        requested_by="U1",
        root_cause="sponsor left",
        impact="renewal at risk",
        intervention="exec-to-exec call",
        success_criteria="new sponsor named",
        decision_deadline=date(2026, 11, 20),
        state="pending",
        approvals_required=2,
    )
    session.add(escalation)
    session.flush()
    return escalation


def _decide(session: Session, plan: Escalation, approver: str, decision: str) -> None:
    assert plan.id is not None
    session.add(
        Approval(escalation_id=plan.id, approver=approver, decision=decision, decided_at=AT)
    )
    session.flush()


def test_two_approvers_may_each_decide(session: Session, plan: Escalation) -> None:
    _decide(session, plan, "U2", "approve")
    _decide(session, plan, "U3", "approve")
    recorded = session.exec(select(Approval).where(Approval.escalation_id == plan.id)).all()
    assert sorted(a.approver for a in recorded) == ["U2", "U3"]


def test_an_approver_cannot_decide_the_same_plan_twice(session: Session, plan: Escalation) -> None:
    _decide(session, plan, "U2", "approve")
    with pytest.raises(IntegrityError):
        _decide(session, plan, "U2", "reject")
