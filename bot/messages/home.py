"""The App Home tab: my accounts by risk, my open rescues, plans awaiting my decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import Block, DividerBlock, SectionBlock
from slack_sdk.models.views import View

from bot.messages.fixes import fix_for
from bot.messages.kit import context, header, section
from bot.messages.limits import VIEW_BLOCKS, fit
from bot.messages.scorecard import override_text, score_line
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.store.deliveries import Failure
from scoring.scorecard import Scorecard
from scoring.standup import StandupItem

HOME_ACCOUNTS = 25
HOME_LINES = 30  # rescues, and plans, listed


def home_view(
    *,
    user: str,
    mine: Sequence[StandupItem],
    cards: Sequence[Scorecard],
    rescues: Sequence[tuple[str, str, date, str | None]],
    plans: Sequence[tuple[str, str, date]],
    failures: Sequence[Failure] = (),
) -> View:
    """The App Home: my accounts by risk, my open rescues, plans awaiting my decision; for an
    admin, first, the messages Slack refused for good."""
    blocks = [
        *_failures(failures),
        *_accounts(user, mine, cards),
        *_heading("My open rescues"),
        _rescues(rescues),
        *_heading("Plans awaiting my decision"),
        _plans(plans),
    ]
    return View(type="home", blocks=blocks[:VIEW_BLOCKS])


def _failures(failures: Sequence[Failure]) -> list[Block]:
    """What Slack refused, where, why, and the fix; `rescuebot outbox retry` sends it again."""
    if not failures:
        return []
    lines = [
        f"• `{f.id}` to <#{f.channel}>: *{escape_mrkdwn(f.error)}* — {fit(fix_for(f.error), 300)}"
        + (f" ({f.waiting_children} waiting on it)" if f.waiting_children else "")
        for f in failures[:HOME_LINES]
    ]
    return [
        header("Messages Slack refused"),
        section("\n".join(lines)),
        context("After the fix, send them again: `rescuebot outbox retry ID` (or `--all-failed`)."),
        DividerBlock(),
    ]


def _heading(title: str) -> list[Block]:
    return [DividerBlock(), header(title)]


def _accounts(user: str, mine: Sequence[StandupItem], cards: Sequence[Scorecard]) -> list[Block]:
    """The accounts that need help first, then by status and score, the worst on top."""
    blocks: list[Block] = [
        header("My accounts"),
        context(f"Accounts where {mention(user)} is the CSM or the owner, most at risk first."),
    ]
    needs = {item.card.account.key for item in mine}
    ordered = sorted(
        cards,
        key=lambda c: (
            c.account.key not in needs,
            -c.decided_status.severity,  # an override decides the rank
            c.score if c.score is not None else -1,
        ),
    )
    blocks += [section(_account_text(card)) for card in ordered[:HOME_ACCOUNTS]]
    if len(ordered) > HOME_ACCOUNTS:
        blocks.append(context(f"…and {len(ordered) - HOME_ACCOUNTS} more: `/onboard list mine`"))
    if not ordered:
        blocks.append(section("No accounts yet. Add one with `/onboard add NAME csm:@you`."))
    return blocks


def _account_text(card: Scorecard) -> str:
    overridden = override_text(card)
    return f"*{escape_mrkdwn(card.account.name)}* `{card.account.key}`\n{score_line(card)}" + (
        f"\n{overridden}" if overridden else ""
    )


def _rescues(rescues: Sequence[tuple[str, str, date, str | None]]) -> SectionBlock:
    lines = [
        f"• *{escape_mrkdwn(name)}* `{key}` · checkpoint {short_date(due)}"
        + (f" · next: {fit(step, 200)}" if step else "")
        for key, name, due, step in rescues[:HOME_LINES]
    ]
    return section("\n".join(lines) or "None open.")


def _plans(plans: Sequence[tuple[str, str, date]]) -> SectionBlock:
    lines = [
        f"• *{escape_mrkdwn(name)}* `{key}` · decide by {short_date(deadline)}"
        for key, name, deadline in plans[:HOME_LINES]
    ]
    return section("\n".join(lines) or "Nothing to decide.")
