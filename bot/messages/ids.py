"""Action, block and callback ids: one definition shared by the builders and the listeners."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    SIGNAL_SELECT = "scorecard.signal_select"
    ADD_NOTE = "scorecard.add_note"
    CLAIM = "standup.claim"
    UNCLAIM = "standup.unclaim"
    UNDO_RATING = "rating.undo"
    NOTE_SIGNAL = "note.signal"
    NOTE_VALUE = "note.value"
    NOTE_TEXT = "note.text"
    HANDOFF_ANSWER = "handoff.answer"
    OVERRIDE_STATUS = "scorecard.override"
    HOME_RATE = "home.rate"  # a stale signal's select on the App Home


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


def undo_value(surface: str, reading_ids: tuple[int, ...]) -> str:
    """An Undo button's value: where the rating was given (`signal`: the command's answer,
    `card`: a scorecard) and the readings it recorded."""
    return f"{surface}{SEPARATOR}{','.join(str(i) for i in reading_ids)}"


def parse_undo_value(value: str) -> tuple[str, tuple[int, ...]]:
    surface, _, ids = value.partition(SEPARATOR)
    if surface not in ("signal", "card") or not ids:
        raise ValueError(f"not an Undo value: {value}")
    return surface, tuple(int(i) for i in ids.split(","))


def claim_value(account: str, owner: str | None) -> str:
    """A Claim button's value: the account and the owner its line showed (blank: nobody but
    the CSM by default), so a click on a line someone claimed since is asked to confirm."""
    return f"{account}{SEPARATOR}{owner or ''}"


def parse_claim_value(value: str) -> tuple[str, str | None]:
    """The account and the owner shown; a value without the owner (a message posted before
    it was carried) shows none, so such a click is confirmed against the owner in force."""
    account, separator, owner = value.partition(SEPARATOR)
    return account, (owner or None) if separator else None


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
