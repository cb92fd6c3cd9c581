"""Block Kit for manual status overrides: the modal that sets or clears one, and what it did."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.blocks import md, override_text, plain, score_line
from bot.messages.ids import CLEAR_OVERRIDE, CallbackId, OverrideInput
from bot.messages.models import OverrideChange
from bot.messages.text import escape_mrkdwn
from scoring.overrides import MAX_REASON
from scoring.rules import Status
from scoring.scorecard import Scorecard


def override_modal(card: Scorecard, *, metadata: dict[str, str | None]) -> View:
    """Choose a status and say why; with an override in force, clearing it is a choice too."""
    options = [Option(value=s.value, text=s.label) for s in Status]
    if card.override is not None:
        options.append(Option(value=CLEAR_OVERRIDE, text="Clear the override"))
    summary = f"*{escape_mrkdwn(card.account.name)}* · {score_line(card)}"
    overridden = override_text(card)
    return View(
        type="modal",
        callback_id=CallbackId.OVERRIDE,
        title=plain("Override status", limits.VIEW_TITLE),
        submit=plain("Save", limits.VIEW_BUTTON),
        close=plain("Cancel", limits.VIEW_BUTTON),
        private_metadata=json.dumps(metadata),
        blocks=[
            SectionBlock(
                text=md(
                    summary
                    + (f"\n{overridden}" if overridden else "")
                    + "\nThe computed status stays on the scorecard beside yours, and "
                    "calibration later checks which call the outcome bore out."
                )
            ),
            InputBlock(
                block_id=OverrideInput.STATUS,
                label=plain("Status"),
                element=StaticSelectElement(
                    action_id=OverrideInput.STATUS,
                    placeholder=plain("Healthy, Watch or At risk"),
                    options=options,
                ),
            ),
            InputBlock(
                block_id=OverrideInput.REASON,
                label=plain("Reason"),
                optional=True,
                hint=plain("Required to override: what does the score not see?", limits.INPUT_HINT),
                element=PlainTextInputElement(
                    action_id=OverrideInput.REASON, multiline=True, max_length=MAX_REASON
                ),
            ),
        ],
    )


def change_text(change: OverrideChange, *, cleared: bool) -> str:
    """What an override change did, for the person who made it."""
    card = change.card
    name = escape_mrkdwn(card.account.name)
    score = "(unscored)" if card.score is None else f"{card.score:.1f}"
    if cleared:
        return (
            f"Cleared the override of *{name}* (was {Status(change.override.status).label}): "
            f"the computed status stands, {card.status.label} {score}."
        )
    replaced = (
        f" It replaces the override to {Status(change.replaced.status).label}."
        if change.replaced is not None
        else ""
    )
    return (
        f"*{name}* is overridden to *{Status(change.override.status).label}*; computed: "
        f"{card.status.label} {score}.{replaced}"
    )
