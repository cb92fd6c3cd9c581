"""Escalation use cases: submit a recovery plan for a rescue, and decide it.

A decision locks the rescue's row, then the plan's, so two approvers clicking at once, a double
click or a Slack retry are applied one after the other against the decisions already recorded:
never two decisions from one approver, never a third approval, never a decision on a decided plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import Config
from bot.services import hubspot_notes
from bot.services.policy import Actor, authorize_decision
from bot.store import events
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Approval, Escalation, Rescue
from scoring.errors import DomainError
from scoring.escalation import (
    PLAN_FIELDS,
    Decision,
    NotAllowed,
    Outcome,
    PlanState,
    approvals_required,
    decide,
    plan_problems,
)


class PlanIncomplete(DomainError):
    """A plan with missing or invalid parts; `problems` maps each field to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("the recovery plan is incomplete: " + " ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Decided:
    plan: Escalation
    outcome: Outcome
    decisions: list[Approval]


def pending_plan(session: Session, rescue: Rescue) -> Escalation | None:
    return session.exec(
        select(Escalation).where(Escalation.rescue_id == rescue.id, Escalation.state == "pending")
    ).first()


def submit_plan(
    session: Session, config: Config, *, rescue: Rescue, requester: str,
    fields: dict[str, str | None], deadline: date | None, now: datetime, today: date,
) -> Escalation:  # fmt: skip
    """Send a whole plan to leadership; the rescue becomes escalated."""
    rescue_rows.lock_rescue(session, rescue_id=rescue.id)  # one pending plan, however many clicks
    if rescue.state == "resolved":
        raise DomainError("this rescue is resolved; there is nothing to escalate")
    problems = plan_problems(fields, deadline, today=today)
    if problems:
        raise PlanIncomplete(problems)
    if pending_plan(session, rescue) is not None:
        raise DomainError("a recovery plan for this rescue is already awaiting a decision")
    account = session.get(Account, rescue.account_id)
    assert account is not None and deadline is not None
    required = approvals_required(account.arr, config.escalation.two_approvals_from_arr)
    plan = Escalation(
        rescue_id=rescue.id, account_id=account.id, requested_by=requester,
        decision_deadline=deadline, state=PlanState.PENDING.value, created_at=now,
        approvals_required=required,
        **{k: (fields.get(k) or "").strip() for k in PLAN_FIELDS},
    )  # fmt: skip
    session.add(plan)
    rescue.state = "escalated"
    session.add(rescue)
    session.flush()
    events.record_event(
        session, account_id=account.id, kind="plan_submitted", actor=requester, at=now,
        payload={"rescue_id": rescue.id, "plan_id": plan.id, "deadline": deadline.isoformat(),
                 "approvals_required": plan.approvals_required,
                 **{k: getattr(plan, k) for k in PLAN_FIELDS}},
    )  # fmt: skip
    return plan


def decide_plan(
    session: Session, config: Config, *, plan_id: int, actor: Actor, decision: Decision,
    reason: str | None, now: datetime,
) -> Decided:  # fmt: skip
    """Record one approver's decision, or refuse it (NotAllowed) without writing anything.

    Two approvals are needed when the account's ARR was at or above the threshold when the plan
    was submitted or is now: lowering ARR cannot dodge the rule."""
    plan = session.get(Escalation, plan_id)
    if plan is None:
        raise DomainError("that recovery plan no longer exists")
    # The rescue first, then the plan, the order every transition locks them in: no deadlock,
    # and the rescue cannot be resolved while its plan is being decided.
    rescue = rescue_rows.lock_rescue(session, rescue_id=plan.rescue_id)
    session.exec(select(Escalation).where(Escalation.id == plan_id).with_for_update()).first()
    session.refresh(plan)
    account = session.get(Account, plan.account_id)
    assert rescue is not None and account is not None
    authorize_decision(actor, plan, rescue)
    approver = actor.user
    plan.approvals_required = max(
        plan.approvals_required,
        approvals_required(account.arr, config.escalation.two_approvals_from_arr),
    )
    earlier = list(session.exec(
        select(Approval).where(Approval.escalation_id == plan_id).order_by(col(Approval.id))
    ))  # fmt: skip
    reason = (reason or "").strip() or None
    outcome = decide(
        state=PlanState(plan.state), decision=decision, approver=approver,
        requester=plan.requested_by, approvers=actor.roles.approvers | {approver},
        earlier=[(a.approver, Decision(a.decision)) for a in earlier],
        required=plan.approvals_required, reason=reason,
    )  # fmt: skip
    approval = Approval(escalation_id=plan_id, approver=approver, decision=decision.value,
                        reason=reason, decided_at=now)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(approval)
    except IntegrityError as exc:
        raise NotAllowed("you have already decided this plan") from exc
    plan.state = outcome.state.value
    if outcome.final:
        plan.decided_at = now
        if outcome.state is not PlanState.APPROVED:
            rescue.state = "recovering"
            session.add(rescue)
    session.add(plan)
    session.flush()
    decided = events.record_event(
        session, account_id=plan.account_id, kind="plan_decided", actor=approver, at=now,
        payload={"plan_id": plan.id, "rescue_id": plan.rescue_id, "decision": decision.value,
                 "reason": reason, "state": plan.state, "approvals": outcome.approvals,
                 "approvals_required": plan.approvals_required, "final": outcome.final,
                 "decision_seconds": int((now - plan.created_at).total_seconds())},
    )  # fmt: skip
    hubspot_notes.note(session, decided)  # each decision and the plan's state, in HubSpot
    return Decided(plan, outcome, [*earlier, approval])
