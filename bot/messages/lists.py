"""Lists of accounts (`/onboard list`): one line per account, paged into sections, and the
count per status. A status override decides the status shown and counted; the computed one is
shown beside it."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.messages.kit import context, section
from bot.messages.limits import MESSAGE_BLOCKS
from bot.messages.scorecard import trend_arrow
from bot.messages.text import STATUS_EMOJI, escape_mrkdwn, score
from scoring.rules import Status
from scoring.scorecard import Scorecard

SECTION_LINES = 20


def account_list_blocks(cards: Sequence[Scorecard], *, title: str) -> list[Block]:
    """`title` is mrkdwn the app wrote (it may mention people), not user text."""
    lines = [_line(card) for card in cards]
    blocks: list[Block] = [section(f"*{title}*")]
    if not lines:
        blocks.append(section("No accounts match."))
    for start in range(0, len(lines), SECTION_LINES):
        if len(blocks) >= MESSAGE_BLOCKS - 1:
            blocks.append(context(f"…and {len(lines) - start} more."))
            break
        blocks.append(section("\n".join(lines[start : start + SECTION_LINES])))
    return blocks


def _line(card: Scorecard) -> str:
    account = card.account
    called = (
        ""
        if card.override is None
        else f" · {card.override.status.label} by override (computed {card.status.label})"
    )
    return (
        f"{STATUS_EMOJI[card.decided_status]} *{escape_mrkdwn(account.name)}* `{account.key}` "
        f"{score(card.score)}{trend_arrow(card)} · {account.segment.value}{called}"
    )


def status_counts(cards: Sequence[Scorecard]) -> str:
    counts = dict.fromkeys(Status, 0)
    for card in cards:
        counts[card.decided_status] += 1
    return " · ".join(f"{STATUS_EMOJI[s]} {s.label} {counts[s]}" for s in Status)
