"""What Claim and Unclaim tell the person who clicked: the confirm step when someone else took
the follow-up since the line was shown, and what changed, with Unclaim for the new owner."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.messages.ids import ActionId, claim_value
from bot.messages.kit import button, section
from bot.messages.text import escape_mrkdwn, mention

CLAIM_CONFIRM_BLOCK = "claim.confirm"


def claim_confirm_blocks(key: str, name: str, owner: str) -> list[Block]:
    """Someone else owns the follow-up now: take it from them (they are told), or leave it."""
    return [
        section(
            f"{mention(owner)} owns the follow-up of *{escape_mrkdwn(name)}* now. Take it over? "
            "They will be told you claimed it."
        ),
        ActionsBlock(
            block_id=CLAIM_CONFIRM_BLOCK,
            elements=[button("Claim it anyway", ActionId.CLAIM, claim_value(key, owner))],
        ),
    ]


def claimed_text(name: str, *, changed: bool) -> str:
    if not changed:
        return f"You already own the follow-up of *{escape_mrkdwn(name)}*."
    return f"You own the follow-up of *{escape_mrkdwn(name)}* now."


def claimed_blocks(key: str, name: str, *, changed: bool) -> list[Block]:
    """Claim's answer to its owner, with Unclaim: giving it back is one click away."""
    return [
        section(claimed_text(name, changed=changed)),
        ActionsBlock(elements=[button("Unclaim", ActionId.UNCLAIM, key)]),
    ]


def unclaimed_text(name: str, owner: str | None) -> str:
    """After Unclaim: who the follow-up falls back to."""
    back = f"it falls back to {mention(owner)}" if owner else "it has no owner now"
    return f"You gave up the follow-up of *{escape_mrkdwn(name)}*; {back}."
