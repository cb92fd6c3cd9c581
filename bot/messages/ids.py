"""Action, block and callback ids: one definition shared by the builders and the listeners."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    SIGNAL_SELECT = "scorecard.signal_select"
    ADD_NOTE = "scorecard.add_note"
    CLAIM = "standup.claim"
    NOTE_SIGNAL = "note.signal"
    NOTE_VALUE = "note.value"
    NOTE_TEXT = "note.text"
    HANDOFF_ANSWER = "handoff.answer"
    OVERRIDE_STATUS = "scorecard.override"


class CallbackId(StrEnum):
    NOTE = "modal.note"
    HANDOFF = "modal.handoff"
    OVERRIDE = "modal.override"


class BlockId(StrEnum):
    NOTE_SIGNAL = "note.signal"
    NOTE_VALUE = "note.value"
    NOTE_TEXT = "note.text"


SEPARATOR = "|"


def signal_block_id(account: str, signal: str) -> str:
    """The block of one signal's select on an account's scorecard."""
    return f"signal{SEPARATOR}{account}{SEPARATOR}{signal}"


def parse_signal_block_id(block_id: str) -> tuple[str, str]:
    kind, account, signal = block_id.split(SEPARATOR)
    if kind != "signal":
        raise ValueError(f"not a signal block: {block_id}")
    return account, signal


def standup_block_id(account: str) -> str:
    """The block of one account's line in a standup message."""
    return f"standup{SEPARATOR}{account}"


def handoff_block_id(question: str) -> str:
    return f"handoff{SEPARATOR}{question}"


class RescueAction(StrEnum):
    """Buttons on a rescue's message; each button's value is the rescue id."""

    ACKNOWLEDGE = "rescue.acknowledge"
    LOG = "rescue.log"
    CHANGE = "rescue.change"
    RESOLVE = "rescue.resolve"
    ESCALATE = "rescue.escalate"


class PlanAction(StrEnum):
    """Decision buttons on a recovery plan; each button's value is the plan id."""

    APPROVE = "plan.approve"
    REQUEST_CHANGES = "plan.request_changes"
    REJECT = "plan.reject"


class RescueModal(StrEnum):
    """Callback ids of the rescue and plan modals."""

    LOG = "modal.rescue_log"
    CHANGE = "modal.rescue_change"
    RESOLVE = "modal.rescue_resolve"
    PLAN = "modal.plan"
    REASON = "modal.plan_reason"


class RescueInput(StrEnum):
    """Block ids (also used as action ids) of the rescue and plan modals' inputs."""

    DONE = "log.done"
    CUSTOMER = "log.customer"
    NEXT = "log.next"
    OWNER = "change.owner"
    CHECKPOINT = "change.checkpoint"
    OUTCOME = "resolve.outcome"
    NOTE = "resolve.note"
    DEADLINE = "plan.decision_deadline"
    REASON = "plan.reason"


def plan_block_id(field: str) -> str:
    return f"plan.{field}"


class OverrideInput(StrEnum):
    """Block ids (also used as action ids) of the status override modal."""

    STATUS = "override.status"
    REASON = "override.reason"


CLEAR_OVERRIDE = "clear"
"""The override modal's status option that clears the override in force."""


class WeightAction(StrEnum):
    """Decision buttons on a weight proposal; each button's value is the proposal id."""

    APPROVE = "weights.approve"
    REJECT = "weights.reject"


class WeightModal(StrEnum):
    """Callback id of the reject-reason modal, and its input's block (and action) id."""

    REASON = "modal.weights_reason"
    REASON_INPUT = "weights.reason"
