"""The App Home tab, where the work is: plans awaiting my decision (approve, request changes,
reject), my open rescues (acknowledge, log an action), my stale signals (rate them again), and
my accounts by risk; for admins, first, the messages Slack refused.

Its buttons and selects carry the same action ids as the plan's message, the rescue card and
the scorecard (or, for the home's rating select, one of its own), so the same listeners and use
cases, with the same policy checks, serve them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.messages.fixes import fix_for
from bot.messages.ids import ActionId, RescueAction, signal_block_id
from bot.messages.kit import button, context, header, md, plain, section
from bot.messages.limits import VIEW_BLOCKS, fit
from bot.messages.rescue import decision_buttons
from bot.messages.scorecard import VALUE_WORDS, override_text, score_line, value_options
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.messages.wording import plural
from bot.store.deliveries import Failure
from scoring.rescue_steps import RescueStep
from scoring.scorecard import Scorecard, SignalLine
from scoring.standup import StandupItem

HOME_ACCOUNTS = 20
HOME_LINES = 30  # rescues, and plans, listed without buttons past HOME_WORK
HOME_WORK = 8  # rescues, plans and stale signals shown with their buttons, each
# The home tab's blocks, at most: failures 4, plans 2 + 2×8 + 1, rescues 2 + 2×8 + 1,
# stale signals 3 + 8 + 1, accounts 2 + 20 + 1 = 81 of Slack's 100.


@dataclass(frozen=True)
class HomeRescue:
    """One of my open rescues, with what may be done with it now."""

    id: int
    key: str
    name: str
    checkpoint_on: date
    next_step: str | None
    steps: frozenset[RescueStep]


@dataclass(frozen=True)
class HomePlan:
    """A recovery plan awaiting my decision."""

    id: int
    key: str
    name: str
    deadline: date


def home_view(
    *,
    user: str,
    mine: Sequence[StandupItem],
    cards: Sequence[Scorecard],
    rescues: Sequence[HomeRescue],
    plans: Sequence[HomePlan],
    failures: Sequence[Failure] = (),
) -> View:
    """The App Home: the decisions and rescues waiting for `user`, their stale signals, their
    accounts by risk; for an admin, first, the messages Slack refused for good."""
    blocks = [
        *_failures(failures),
        *_plans(plans),
        *_rescues(rescues),
        *_stale(cards),
        *_accounts(user, mine, cards),
    ]
    return View(type="home", blocks=blocks[:VIEW_BLOCKS])


def _failures(failures: Sequence[Failure]) -> list[Block]:
    """What Slack refused, where, why, and the fix; `rescuebot outbox retry` sends it again."""
    if not failures:
        return []
    lines = [
        f"• `{f.id}` to {_where(f)}: *{escape_mrkdwn(f.error)}* — {fit(fix_for(f.error), 300)}"
        + (f" ({f.waiting_children} waiting on it)" if f.waiting_children else "")
        for f in failures[:HOME_LINES]
    ]
    return [
        header("Messages Slack refused"),
        section("\n".join(lines)),
        context("After the fix, send them again: `rescuebot outbox retry ID` (or `--all-failed`)."),
        DividerBlock(),
    ]


def _where(failure: Failure) -> str:
    """A channel, or the person whose home tab or direct message it was."""
    channel = failure.channel
    return mention(channel) if channel.startswith(("U", "W")) else f"<#{channel}>"


def _heading(title: str) -> list[Block]:
    return [header(title)]


def _more(count: int, where: str) -> list[Block]:
    return [context(f"…and {count} more: {where}")] if count > 0 else []


def _plans(plans: Sequence[HomePlan]) -> list[Block]:
    """Each plan awaiting my decision with the plan message's buttons and confirm dialogs."""
    blocks: list[Block] = _heading("Plans awaiting my decision")
    for plan in plans[:HOME_WORK]:
        blocks.append(
            section(
                f"*{escape_mrkdwn(plan.name)}* `{plan.key}` · decide by {short_date(plan.deadline)}"
            )
        )
        blocks.append(decision_buttons(plan.id))
    rest = [
        f"• *{escape_mrkdwn(p.name)}* `{p.key}` · decide by {short_date(p.deadline)}"
        for p in plans[HOME_WORK:HOME_LINES]
    ]
    if rest:
        blocks.append(section("\n".join(rest)))
    if not plans:
        blocks.append(section("Nothing to decide."))
    return [*blocks, DividerBlock()]


def _rescues(rescues: Sequence[HomeRescue]) -> list[Block]:
    """My open rescues, soonest checkpoint first, each with Acknowledge (while it may be) and
    Log action."""
    blocks: list[Block] = _heading("My open rescues")
    for rescue in rescues[:HOME_WORK]:
        blocks.append(section(_rescue_line(rescue)))
        value = str(rescue.id)
        buttons = [button("Log action", RescueAction.LOG, value)]
        if RescueStep.ACKNOWLEDGE in rescue.steps:
            buttons.insert(
                0, button("Acknowledge", RescueAction.ACKNOWLEDGE, value, style="primary")
            )
        blocks.append(ActionsBlock(elements=buttons))
    rest = [f"• {_rescue_line(r)}" for r in rescues[HOME_WORK:HOME_LINES]]
    if rest:
        blocks.append(section("\n".join(rest)))
    if not rescues:
        blocks.append(section("None open."))
    return [*blocks, DividerBlock()]


def _rescue_line(rescue: HomeRescue) -> str:
    return f"*{escape_mrkdwn(rescue.name)}* `{rescue.key}` · checkpoint " + (
        f"{short_date(rescue.checkpoint_on)}"
        + (f" · next: {fit(rescue.next_step, 200)}" if rescue.next_step else "")
    )


def _stale(cards: Sequence[Scorecard]) -> list[Block]:
    """My stale signals, the oldest reading first, each with a select to rate it again (a
    re-rating with the same value is what makes a signal fresh)."""
    stale = sorted(
        ((card, line) for card in cards for line in card.stale_signals),
        key=lambda pair: (-(pair[1].days_since_reading or 0), pair[0].account.key, pair[1].key),
    )
    if not stale:
        return []
    blocks: list[Block] = [
        *_heading("Rate my stale signals"),
        context("Readings older than the team's stale limit: choose today's value."),
    ]
    blocks += [_stale_row(card, line) for card, line in stale[:HOME_WORK]]
    blocks += _more(len(stale) - HOME_WORK, "`/scorecard ACCOUNT` rates the rest")
    return [*blocks, DividerBlock()]


def _stale_row(card: Scorecard, line: SignalLine) -> SectionBlock:
    value = f"{VALUE_WORDS[line.value]} ({line.value})" if line.value is not None else "unrated"
    text = (
        f"*{escape_mrkdwn(card.account.name)}* · {escape_mrkdwn(line.signal.label)}: {value}, "
        f"rated {plural(line.days_since_reading or 0, 'day')} ago"
    )
    # No initial option: choosing the value it already has must still be a choice Slack sends.
    select = StaticSelectElement(
        action_id=ActionId.HOME_RATE, placeholder=plain("Rate again…"), options=value_options()
    )
    return SectionBlock(
        block_id=signal_block_id(card.account.key, line.key), text=md(text), accessory=select
    )


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
    blocks += _more(len(ordered) - HOME_ACCOUNTS, "`/onboard list mine`")
    if not ordered:
        blocks.append(section("No accounts yet. Add one with `/onboard add NAME csm:@you`."))
    return blocks


def _account_text(card: Scorecard) -> str:
    overridden = override_text(card)
    return f"*{escape_mrkdwn(card.account.name)}* `{card.account.key}`\n{score_line(card)}" + (
        f"\n{overridden}" if overridden else ""
    )
