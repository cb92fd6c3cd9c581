"""The standup in Block Kit: who needs help this week, one line and a Claim button per account,
paged into thread replies past STANDUP_PAGE accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import Block, ConfirmObject, SectionBlock

from bot.messages.ids import ActionId, standup_block_id
from bot.messages.kit import button, confirm_dialog, context, header, md, section
from bot.messages.limits import fit
from bot.messages.scorecard import trend_arrow
from bot.messages.text import STATUS_EMOJI, escape_mrkdwn, mention, score, short_date
from scoring.standup import StandupItem

STANDUP_PAGE = 20
REASONS_SHOWN = 4


def standup_item_blocks(item: StandupItem) -> list[Block]:
    card = item.card
    owner = mention(item.owner) + ("" if item.owned else " _(CSM, unclaimed)_")
    reasons = list(item.reasons[:REASONS_SHOWN])
    if len(item.reasons) > REASONS_SHOWN:
        reasons.append(f"+{len(item.reasons) - REASONS_SHOWN} more")
    text = (
        f"{STATUS_EMOJI[card.status]} *{escape_mrkdwn(card.account.name)}* "
        f"{score(card.score)}{trend_arrow(card)} · {owner} · due *{short_date(item.due)}*\n"
        f"Next: {fit(item.next_step, 300)}"
    )
    confirm = _claim_confirm(item) if item.owned else None
    blocks: list[Block] = [
        SectionBlock(
            block_id=standup_block_id(card.account.key),
            text=md(text),
            accessory=button("Claim", ActionId.CLAIM, card.account.key, confirm=confirm),
        )
    ]
    if reasons:  # Slack refuses an empty text
        blocks.append(context(fit("; ".join(reasons), 1500)))
    return blocks


def _claim_confirm(item: StandupItem) -> ConfirmObject:
    """Claiming a follow-up someone owns takes it from them: ask first, say they are told."""
    return confirm_dialog(
        "Take over this follow-up?",
        f"{mention(item.owner)} owns it now; they will be told you claimed it.",
        "Claim it",
    )


def standup_pages(items: Sequence[StandupItem], *, as_of: date, scope: str) -> list[list[Block]]:
    """The standup as a first message and, past STANDUP_PAGE accounts, thread replies."""
    head = _head(len(items), as_of=as_of, scope=scope)
    if not items:
        return [[*head, section("Nobody needs help this week. :tada:")]]
    pages: list[list[Block]] = []
    for start in range(0, len(items), STANDUP_PAGE):
        end = min(start + STANDUP_PAGE, len(items))
        page = [context(f"Continued: {start + 1}–{end} of {len(items)}")] if start else list(head)
        for item in items[start:end]:
            page.extend(standup_item_blocks(item))
        pages.append(page)
    return pages


def _head(count: int, *, as_of: date, scope: str) -> list[Block]:
    title = f"Standup · who needs help this week ({as_of.isoformat()})"
    return [
        header(title),
        context(
            f"{count} account{'s' if count != 1 else ''} {scope}· ranked: "
            "signal at 0 with no owner, falling, At risk, Watch, stale or overdue. "
            "*Claim* makes you the owner."
        ),
    ]
