"""Escalation rules: when a rescue is severe, what a recovery plan needs, and who may decide.

Decisions are computed, not performed: `decide` says what a click means for a plan given the
decisions already recorded, so the store can apply it in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scoring.errors import DomainError
from scoring.rules import Status

PLAN_FIELDS = {
    "root_cause": "Root cause",
    "impact": "Impact",
    "intervention": "Intervention path",
    "success_criteria": "Success criteria",
}
MAX_FIELD = 3000


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {"approve": "Approved", "request_changes": "Changes requested",
                "reject": "Rejected"}[self.value]  # fmt: skip


class PlanState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class NotAllowed(DomainError):
    """The person may not take this decision; the message says why."""


@dataclass(frozen=True)
class Awaiting:
    """Something that waits for an approver's decision, as refusals name it."""

    plural: str  # "recovery plans"
    this: str  # "this plan"
    authored: str  # why the one who asked for it may not decide it


PLAN = Awaiting(
    "recovery plans", "this plan", "you requested this plan, so someone else has to decide it"
)


def require_decider(
    awaiting: Awaiting,
    *,
    approver: str,
    author: str,
    approvers: Collection[str],
    decided: str | None,
) -> None:
    """Refuse (NotAllowed, saying why) anyone but a configured approver who did not ask for it,
    and everyone once it is decided (`decided`: what it was decided as; None while pending)."""
    if approver not in approvers:
        raise NotAllowed(f"only the configured approvers can decide {awaiting.plural}")
    if approver == author:
        raise NotAllowed(awaiting.authored)
    if decided is not None:
        raise NotAllowed(f"{awaiting.this} was already decided: {decided}")


def is_severe(
    status: Status, *, falling: bool, checkpoint_on: date | None, today: date
) -> str | None:
    """Why an account in rescue is severe enough to escalate, or None.

    Severe: At risk and past the rescue's customer checkpoint, or falling while At risk.
    """
    if status is not Status.AT_RISK:
        return None
    if checkpoint_on is not None and today > checkpoint_on:
        late = (today - checkpoint_on).days
        return f"still At risk {late} day{'' if late == 1 else 's'} past the checkpoint"
    if falling:
        return "falling three weeks in a row while At risk"
    return None


def plan_problems(
    fields: dict[str, str | None], deadline: date | None, *, today: date
) -> dict[str, str]:
    """Each missing or invalid part of a recovery plan, by field; empty when the plan is whole."""
    problems: dict[str, str] = {}
    for key, label in PLAN_FIELDS.items():
        text = (fields.get(key) or "").strip()
        if not text:
            problems[key] = f"{label} is required."
        elif len(text) > MAX_FIELD:
            problems[key] = f"{label} is {len(text):,} characters; keep it under {MAX_FIELD:,}."
    if deadline is None:
        problems["decision_deadline"] = "Pick the date by which leadership must decide."
    elif deadline <= today:
        problems["decision_deadline"] = "The decision deadline must be after today."
    return problems


def approvals_required(arr: int, threshold: int | None) -> int:
    """Accounts at or above the ARR threshold need two distinct approvals."""
    return 2 if threshold is not None and arr >= threshold else 1


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision does: the plan's new state and whether it is now final."""

    state: PlanState
    approvals: int
    final: bool


def decide(
    *,
    state: PlanState,
    decision: Decision,
    approver: str,
    requester: str,
    approvers: Collection[str],
    earlier: Sequence[tuple[str, Decision]],
    required: int,
    reason: str | None,
) -> Outcome:
    """Apply one approver's decision to a pending plan, or refuse it with the reason why."""
    pending = state is PlanState.PENDING
    require_decider(
        PLAN, approver=approver, author=requester, approvers=approvers,
        decided=None if pending else state.value.replace("_", " "),
    )  # fmt: skip
    if any(who == approver for who, _ in earlier):
        raise NotAllowed("you have already decided this plan; a second approver is needed")
    if decision is not Decision.APPROVE and not (reason or "").strip():
        raise DomainError(f"{decision.label} needs a reason")
    if decision is Decision.REQUEST_CHANGES:
        return Outcome(PlanState.CHANGES_REQUESTED, _approvals(earlier), True)
    if decision is Decision.REJECT:
        return Outcome(PlanState.REJECTED, _approvals(earlier), True)
    approvals = _approvals(earlier) + 1
    if approvals >= required:
        return Outcome(PlanState.APPROVED, approvals, True)
    return Outcome(PlanState.PENDING, approvals, False)


def _approvals(earlier: Sequence[tuple[str, Decision]]) -> int:
    return sum(1 for _, decision in earlier if decision is Decision.APPROVE)
