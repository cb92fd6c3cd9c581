"""A rating's answer with its Undo button, and what an undo says it did."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.messages.kit import context, section
from bot.messages.models import Recorded
from bot.messages.scorecard import change_summary, recorded_text, undo_button, value_word
from bot.messages.text import escape_mrkdwn
from scoring.signals import Value

UNDO_HINT = "Undo puts back the values from before, for 10 minutes; only you can."


def recorded_blocks(recorded: Recorded, *, undo: str | None) -> list[Block]:
    """The answer to `/signal`: what was recorded and, when it can be undone, Undo."""
    blocks: list[Block] = [section(recorded_text(recorded))]
    if undo:
        blocks += [ActionsBlock(elements=[undo_button(undo)]), context(UNDO_HINT)]
    return blocks


def undone_text(recorded: Recorded, *, kept: Sequence[str], rescue_closed: bool) -> str:
    """What an undo put back, what it left as it was (`kept`, said in words) and whether the
    rescue the rating opened closed as opened by mistake."""
    name = escape_mrkdwn(recorded.account.name)
    moves = [
        f"{c.signal.label}: {value_word(c.value)}"
        + ("" if c.before is None else f" (was {value_word(Value(c.before))})")
        for c in recorded.recorded
    ]
    text = f"Undone on *{name}*: back to " + "; ".join(moves) + ". "
    text += change_summary(recorded.before, recorded.after)
    if kept:
        text += " Left as it is: " + "; ".join(kept) + "."
    if rescue_closed:
        text += " The rescue it opened is closed: opened by mistake."
    return text
