"""A rescue card offers only the actions valid in the rescue's state: one row per state (and
latest plan), the buttons it shows, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.messages.blocks import as_dicts
from bot.messages.ids import RescueAction
from bot.messages.models import RescueView
from bot.messages.rescue import rescue_blocks
from bot.store.tables import Account, Escalation, Rescue
from scoring.escalation import PlanState
from scoring.rescue_steps import RescueStep, rescue_steps
from tests.scoring.builders import card, reading
from tests.slack_double.blockkit import check_blocks

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ACK, LOG, CHANGE, RESOLVE, ESCALATE = (
    RescueAction.ACKNOWLEDGE, RescueAction.LOG, RescueAction.CHANGE, RescueAction.RESOLVE,
    RescueAction.ESCALATE,
)  # fmt: skip
SEVERE = "At risk and past its checkpoint"

# state, acknowledged, latest plan, severe → the buttons, in order
CARDS = [
    ("open", False, None, None, [ACK, LOG, CHANGE, RESOLVE, ESCALATE]),
    ("open", False, None, SEVERE, [ESCALATE, ACK, LOG, CHANGE, RESOLVE]),
    ("acknowledged", True, None, None, [LOG, CHANGE, RESOLVE, ESCALATE]),
    ("recovering", True, None, None, [LOG, CHANGE, RESOLVE, ESCALATE]),
    ("recovering", True, None, SEVERE, [ESCALATE, LOG, CHANGE, RESOLVE]),
    ("escalated", False, PlanState.PENDING, SEVERE, [ACK, LOG, CHANGE, RESOLVE]),
    ("escalated", True, PlanState.PENDING, None, [LOG, CHANGE, RESOLVE]),
    ("escalated", False, PlanState.APPROVED, SEVERE, [LOG, CHANGE, RESOLVE]),
    ("escalated", True, PlanState.APPROVED, None, [LOG, CHANGE, RESOLVE]),
    ("recovering", True, PlanState.CHANGES_REQUESTED, SEVERE, [ESCALATE, LOG, CHANGE, RESOLVE]),
    ("recovering", False, PlanState.REJECTED, None, [ACK, LOG, CHANGE, RESOLVE, ESCALATE]),
    ("resolved", True, None, None, []),
    ("resolved", False, PlanState.APPROVED, None, []),
    ("resolved", True, PlanState.PENDING, None, []),
]


def view(state: str, acknowledged: bool, plan: PlanState | None, severe: str | None):
    account = Account(id=1, key="acme", name="Acme", segment="mid", csm="U0ALICE")
    rescue = Rescue(
        id=7, account_id=1, state=state, trigger="at_risk", reason="turned At risk",
        owner="U0ALICE", opened_by="U0ALICE", opened_at=NOW - timedelta(days=3),
        sla_due_at=NOW - timedelta(days=2), checkpoint_on=NOW.date() + timedelta(days=4),
        acknowledged_at=NOW - timedelta(days=2) if acknowledged else None,
        resolved_at=NOW if state == "resolved" else None,
        resolution="recovered" if state == "resolved" else None, status_at_open="at_risk",
    )  # fmt: skip
    escalation = (
        None if plan is None else Escalation(
            id=3, rescue_id=7, account_id=1, requested_by="U0ALICE", root_cause="ERP",
            impact="No invoices", intervention="Pair", success_criteria="Green 5 days",
            decision_deadline=NOW.date() + timedelta(days=3), state=plan.value,
        )
    )  # fmt: skip
    scorecard = card([reading("kickoff", 0, "2026-11-20")], as_of="2026-11-24")
    return RescueView(rescue, account, scorecard, severe, escalation)


def buttons(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(("state", "acknowledged", "plan", "severe", "shown"), CARDS)
def test_the_card_shows_only_the_actions_valid_in_its_state(state, acknowledged, plan, severe,
                                                            shown):  # fmt: skip
    blocks = as_dicts(rescue_blocks(view(state, acknowledged, plan, severe), now=NOW))
    check_blocks(blocks)
    assert buttons(blocks) == shown
    text = str(blocks)
    assert ("Escalate to leadership" in text) == (bool(severe) and ESCALATE in shown)


def test_every_state_and_plan_is_covered():
    covered = {(state, ack, plan) for state, ack, plan, _, _ in CARDS}
    live = {("open", False), ("acknowledged", True), ("recovering", True), ("escalated", True),
            ("escalated", False), ("recovering", False)}  # fmt: skip
    assert {(s, a) for s, a, _ in covered} >= live | {("resolved", True), ("resolved", False)}
    assert {p for _, _, p in covered} == {None, *PlanState}


@pytest.mark.parametrize("plan", [None, *PlanState])
@pytest.mark.parametrize("acknowledged", [False, True])
def test_the_rules_behind_the_buttons(plan: PlanState | None, acknowledged: bool):
    steps = rescue_steps("recovering", acknowledged=acknowledged, plan=plan)
    assert {RescueStep.LOG, RescueStep.CHANGE, RescueStep.RESOLVE} <= steps
    assert (RescueStep.ACKNOWLEDGE in steps) == (
        not acknowledged and plan is not PlanState.APPROVED
    )
    assert (RescueStep.ESCALATE in steps) == (plan not in (PlanState.PENDING, PlanState.APPROVED))
    assert rescue_steps("resolved", acknowledged=acknowledged, plan=plan) == frozenset()
