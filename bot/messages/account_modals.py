"""The modals the scorecard opens about one account: a note on a signal, and the hand-off
checklist sales fills in."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.ids import ActionId, BlockId, CallbackId, handoff_block_id
from bot.messages.kit import input_block, modal, plain, section, text_input
from bot.messages.limits import clip
from bot.messages.scorecard import account_summary, value_options
from bot.messages.text import escape_mrkdwn
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.scorecard import Scorecard
from scoring.signals import Signal


def note_modal(card: Scorecard, signals: Sequence[Signal], *, metadata: dict[str, str]) -> View:
    signal = StaticSelectElement(
        action_id=ActionId.NOTE_SIGNAL,
        placeholder=plain("Which signal?"),
        options=[Option(value=s.key, text=clip(s.label, limits.OPTION_TEXT)) for s in signals],
    )
    value = StaticSelectElement(
        action_id=ActionId.NOTE_VALUE, placeholder=plain("Keep current"), options=value_options()
    )
    blocks = [
        section(account_summary(card.account.name, card)),
        input_block(BlockId.NOTE_SIGNAL, "Signal", signal),
        input_block(
            BlockId.NOTE_VALUE,
            "Value",
            value,
            optional=True,
            hint="Leave empty to keep the current value.",
        ),
        text_input(
            BlockId.NOTE_TEXT,
            "Note",
            action_id=ActionId.NOTE_TEXT,
            placeholder="What happened, what is next?",
        ),
    ]
    return modal(CallbackId.NOTE, "Add a note", blocks, metadata=metadata)


def handoff_modal(card: Scorecard, answers: dict[str, str | None], *, metadata: str) -> View:
    intro = (
        f"*{escape_mrkdwn(card.account.name)}*: what sales promised. "
        "Until every answer is in, the account is at best *Watch*."
    )
    blocks: list[Block] = [section(intro)]
    blocks += [
        text_input(
            handoff_block_id(question),
            label,
            action_id=ActionId.HANDOFF_ANSWER,
            optional=True,
            initial=answers.get(question),
        )
        for question, label in HANDOFF_QUESTIONS.items()
    ]
    return modal(CallbackId.HANDOFF, "Hand-off checklist", blocks, metadata=metadata)
