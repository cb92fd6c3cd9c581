"""Block Kit for manual status overrides: the modal that sets or clears one, and what it did."""

from __future__ import annotations

from slack_sdk.models.blocks import Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.messages.ids import CLEAR_OVERRIDE, CallbackId, OverrideInput
from bot.messages.kit import input_block, modal, plain, section, text_input
from bot.messages.models import OverrideChange
from bot.messages.scorecard import account_summary, override_text
from bot.messages.text import escape_mrkdwn
from scoring.overrides import MAX_REASON
from scoring.rules import Status
from scoring.scorecard import Scorecard


def override_modal(card: Scorecard, *, metadata: dict[str, str | None]) -> View:
    """Choose a status and say why; with an override in force, clearing it is a choice too."""
    options = [Option(value=s.value, text=s.label) for s in Status]
    if card.override is not None:
        options.append(Option(value=CLEAR_OVERRIDE, text="Clear the override"))
    overridden = override_text(card)
    intro = (
        account_summary(card.account.name, card)
        + (f"\n{overridden}" if overridden else "")
        + "\nThe computed status stays on the scorecard beside yours, and "
        "calibration later checks which call the outcome bore out."
    )
    status = StaticSelectElement(
        action_id=OverrideInput.STATUS,
        placeholder=plain("Healthy, Watch or At risk"),
        options=options,
    )
    blocks = [
        section(intro),
        input_block(OverrideInput.STATUS, "Status", status),
        text_input(
            OverrideInput.REASON,
            "Reason",
            optional=True,
            hint="Required to override: what does the score not see?",
            max_length=MAX_REASON,
        ),
    ]
    return modal(CallbackId.OVERRIDE, "Override status", blocks, metadata=metadata)


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
