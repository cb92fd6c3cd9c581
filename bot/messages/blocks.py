"""Block Kit for every message, modal and home view, built with slack_sdk's typed models.

Builders take domain values and return blocks; they escape user text, then cut it to Slack's
limits (`bot.messages.limits`), and split long lists into pages so no message exceeds 50 blocks
(100 for views).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.ids import (
    ActionId,
    BlockId,
    CallbackId,
    handoff_block_id,
    signal_block_id,
    standup_block_id,
)
from bot.messages.limits import MESSAGE_BLOCKS, VIEW_BLOCKS, clip, cut, fit
from bot.messages.models import Recorded
from bot.messages.text import STATUS_EMOJI, escape_mrkdwn, mention, short_date, signed
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.rules import Status
from scoring.scorecard import Scorecard, SignalLine
from scoring.signals import Signal, Value
from scoring.standup import StandupItem

STANDUP_PAGE = 20
HOME_ACCOUNTS = 25
NOTE_PREVIEW = 150
OVERRIDE_PREVIEW = 500
SPARK = "▁▂▃▄▅▆▇█"
VALUE_WORDS = {0: "At risk", 1: "Watch", 2: "Healthy"}
VALUE_EMOJI = {
    None: ":white_circle:",
    0: ":red_circle:",
    1: ":large_yellow_circle:",
    2: ":large_green_circle:",
}


def md(text: str, limit: int = limits.SECTION_TEXT) -> MarkdownTextObject:
    """Mrkdwn the app composed from escaped pieces, cut to `limit` (a section's by default)."""
    return MarkdownTextObject(text=cut(text, limit))


def plain(text: str, limit: int = limits.BUTTON_TEXT) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def decision_confirm(title: str, confirm: str, *, first: str = "") -> ConfirmObject:
    """The confirm dialog of a decision button (`first`: what the decision does)."""
    return ConfirmObject(
        title=plain(title, limits.CONFIRM_TITLE),
        text=md(f"{first} Your decision is recorded with your name.".lstrip(), limits.CONFIRM_TEXT),
        confirm=plain(confirm, limits.CONFIRM_BUTTON),
        deny=plain("Cancel", limits.CONFIRM_BUTTON),
    )


def as_dicts(blocks: Sequence[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def sparkline(card: Scorecard) -> str:
    marks = []
    for week in card.trend.weekly[-12:]:
        marks.append("·" if week.score is None else SPARK[min(7, int(week.score * 8 / 10.001))])
    return "".join(marks)


def score_line(card: Scorecard) -> str:
    trend = card.trend
    arrow = f" {trend.direction.arrow}" if trend.direction else ""
    delta = f" ({signed(trend.delta)} vs last week)" if trend.delta is not None else ""
    falling = f" · *falling {trend.falling_weeks} weeks in a row*" if trend.falling else ""
    score = "no score yet" if card.score is None else f"*{card.score:.1f}*/10"
    return (
        f"{STATUS_EMOJI[card.status]} *{card.status.label}* · {score}{arrow}{delta}{falling}"
        f" · coverage {card.coverage:.0%}"
    )


def override_text(card: Scorecard) -> str | None:
    """A manual override, beside the computed status it never replaces; None without one."""
    override = card.override
    if override is None:
        return None
    score = "(unscored)" if card.score is None else f"{card.score:.1f}"
    return (
        f":pushpin: Computed: {card.status.label} {score} · "
        f"*Overridden to {override.status.label}* by {mention(override.author)}: "
        f"{fit(override.reason, OVERRIDE_PREVIEW)}"
    )


def weights_label(card: Scorecard) -> str:
    """Which weights the score was computed with."""
    version = card.weights_version
    return f"weights v{version}" + (" (as configured)" if version == 0 else "")


def _value_options() -> list[Option]:
    return [Option(value=str(v), text=f"{v} · {VALUE_WORDS[v]}") for v in (2, 1, 0)]


def _signal_text(line: SignalLine) -> str:
    parts = [f"{VALUE_EMOJI[line.value]} *{escape_mrkdwn(line.signal.label)}*"]
    parts.append("unrated" if line.value is None else f"{line.value} · {VALUE_WORDS[line.value]}")
    if line.value is not None:
        parts.append(f"+{line.contribution:.2f} pts")
    if line.stale:
        parts.append(f":hourglass: stale {line.days_since_reading}d")
    if line.overdue:
        parts.append(f":alarm_clock: overdue {line.days_late}d")
    text = " · ".join(parts)
    if line.note:
        who = f" — {mention(line.author)}" if line.author else ""
        text += f"\n>{fit(line.note, NOTE_PREVIEW)}{who}"
    return text


def scorecard_blocks(
    card: Scorecard, *, interactive: bool = True, change: str | None = None
) -> list[Block]:
    """One account's scorecard: a select per signal, the breakdown and the trend; `change`
    says what the last edit did, where it was made."""
    account = card.account
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"{account.name} · scorecard", limits.HEADER_TEXT)),
        SectionBlock(text=md(score_line(card))),
        ContextBlock(
            elements=[
                md(
                    f"`{account.key}` · {account.segment.value} · {card.phase.label}"
                    + (f" · day {card.days_since_signature}" if card.days_since_signature else "")
                    + (f" · trend {sparkline(card)}" if card.trend.weekly else ""),
                    limits.CONTEXT_TEXT,
                )
            ]
        ),
        DividerBlock(),
    ]
    overridden = override_text(card)
    if overridden:
        blocks.insert(2, SectionBlock(text=md(overridden)))
    if change:
        blocks.insert(2, ContextBlock(elements=[md(f":pencil2: {change}", limits.CONTEXT_TEXT)]))
    options = _value_options()
    for line in card.signals:
        current = next((o for o in options if o.value == str(line.value)), None)
        accessory = (
            StaticSelectElement(
                action_id=ActionId.SIGNAL_SELECT,
                placeholder=plain("Rate…"),
                options=options,
                initial_option=current,
            )
            if interactive
            else None
        )
        blocks.append(
            SectionBlock(
                block_id=signal_block_id(account.key, line.key),
                text=md(_signal_text(line)),
                accessory=accessory,
            )
        )
    blocks.append(DividerBlock())
    blocks.append(
        ContextBlock(
            elements=[
                md(breakdown(card), limits.CONTEXT_TEXT),
                md(weights_label(card), limits.CONTEXT_TEXT),
            ]
        )
    )
    missing = [HANDOFF_QUESTIONS[q] for q in account.handoff.missing]
    blocks.append(
        ContextBlock(
            elements=[
                md(
                    ":white_check_mark: Hand-off checklist complete"
                    if not missing
                    else ":warning: Hand-off incomplete (caps the status at Watch): missing "
                    + "; ".join(missing)
                    + f". `/onboard handoff {account.key}`",
                    limits.CONTEXT_TEXT,
                )
            ]
        )
    )
    if interactive:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=plain("Add a note"), action_id=ActionId.ADD_NOTE, value=account.key
                    ),
                    ButtonElement(
                        text=plain("Override status"),
                        action_id=ActionId.OVERRIDE_STATUS,
                        value=account.key,
                    ),
                ]
            )
        )
    return blocks


def breakdown(card: Scorecard) -> str:
    """The arithmetic, so nobody has to trust a black box."""
    rated = [line for line in card.signals if line.value is not None]
    if not rated:
        return "No signal rated yet: the score needs at least one reading."
    terms = " + ".join(f"{line.weight:g}×{line.value}" for line in rated)
    maximum = " + ".join(f"{line.weight:g}×2" for line in rated)
    floors = []
    if card.band_status is not None and card.status is not card.band_status:
        floors.append(f"capped at {card.status.label} (was {card.band_status.label} by score)")
    return f"Score = 10 × ({terms}) / ({maximum}) = *{card.score:.1f}*" + (
        f" · {'; '.join(floors)}" if floors else ""
    )


def change_summary(before: Scorecard, after: Scorecard) -> str:
    """What a change did to the score and status."""

    def score(card: Scorecard) -> str:
        return "—" if card.score is None else f"{card.score:.1f}"

    status = (
        f"{before.status.label} → *{after.status.label}*"
        if before.status is not after.status
        else f"still {after.status.label}"
    )
    return f"Score {score(before)} → *{score(after)}*, {status}."


def standup_item_blocks(item: StandupItem) -> list[Block]:
    card = item.card
    arrow = f" {card.trend.direction.arrow}" if card.trend.direction else ""
    owner = mention(item.owner) + ("" if item.owned else " _(CSM, unclaimed)_")
    score = "—" if card.score is None else f"{card.score:.1f}"
    reasons = list(item.reasons[:4]) + (
        [f"+{len(item.reasons) - 4} more"] if len(item.reasons) > 4 else []
    )
    text = (
        f"{STATUS_EMOJI[card.status]} *{escape_mrkdwn(card.account.name)}* {score}{arrow} · "
        f"{owner} · due *{short_date(item.due)}*\n"
        f"Next: {fit(item.next_step, 300)}"
    )
    blocks: list[Block] = [
        SectionBlock(
            block_id=standup_block_id(card.account.key),
            text=md(text),
            accessory=ButtonElement(
                text=plain("Claim"),
                action_id=ActionId.CLAIM,
                value=card.account.key,
                confirm=_claim_confirm(item) if item.owned else None,
            ),
        )
    ]
    if reasons:  # Slack refuses an empty text
        blocks.append(
            ContextBlock(elements=[md(fit("; ".join(reasons), 1500), limits.CONTEXT_TEXT)])
        )
    return blocks


def _claim_confirm(item: StandupItem) -> ConfirmObject:
    """Claiming a follow-up someone owns takes it from them: ask first, say they are told."""
    return ConfirmObject(
        title=plain("Take over this follow-up?", limits.CONFIRM_TITLE),
        text=md(
            f"{mention(item.owner)} owns it now; they will be told you claimed it.",
            limits.CONFIRM_TEXT,
        ),
        confirm=plain("Claim it", limits.CONFIRM_BUTTON),
        deny=plain("Cancel", limits.CONFIRM_BUTTON),
    )


def standup_pages(items: Sequence[StandupItem], *, as_of: date, scope: str) -> list[list[Block]]:
    """The standup as a first message and, past STANDUP_PAGE accounts, thread replies."""
    head: list[Block] = [
        HeaderBlock(
            text=plain(
                f"Standup · who needs help this week ({as_of.isoformat()})", limits.HEADER_TEXT
            )
        ),
        ContextBlock(
            elements=[
                md(
                    f"{len(items)} account{'s' if len(items) != 1 else ''} {scope}· ranked: "
                    "signal at 0 with no owner, falling, At risk, Watch, stale or overdue. "
                    "*Claim* makes you the owner.",
                    limits.CONTEXT_TEXT,
                )
            ]
        ),
    ]
    if not items:
        return [[*head, SectionBlock(text=md("Nobody needs help this week. :tada:"))]]
    pages: list[list[Block]] = []
    for start in range(0, len(items), STANDUP_PAGE):
        page: list[Block] = [] if start else list(head)
        if start:
            page.append(
                ContextBlock(
                    elements=[
                        md(
                            f"Continued: {start + 1}–{min(start + STANDUP_PAGE, len(items))}"
                            f" of {len(items)}",
                            limits.CONTEXT_TEXT,
                        )
                    ]
                )
            )
        for item in items[start : start + STANDUP_PAGE]:
            page.extend(standup_item_blocks(item))
        pages.append(page)
    return pages


def account_list_blocks(cards: Sequence[Scorecard], *, title: str) -> list[Block]:
    """`title` is mrkdwn the app wrote (it may mention people), not user text."""
    lines = []
    for card in cards:
        score = "—" if card.score is None else f"{card.score:.1f}"
        arrow = f" {card.trend.direction.arrow}" if card.trend.direction else ""
        name = escape_mrkdwn(card.account.name)
        lines.append(
            f"{STATUS_EMOJI[card.status]} *{name}* `{card.account.key}` {score}{arrow}"
            f" · {card.account.segment.value}"
        )
    blocks: list[Block] = [SectionBlock(text=md(f"*{title}*"))]
    if not lines:
        blocks.append(SectionBlock(text=md("No accounts match.")))
    for start in range(0, len(lines), 20):
        if len(blocks) >= MESSAGE_BLOCKS - 1:
            more = md(f"…and {len(lines) - start} more.", limits.CONTEXT_TEXT)
            blocks.append(ContextBlock(elements=[more]))
            break
        blocks.append(SectionBlock(text=md("\n".join(lines[start : start + 20]))))
    return blocks


def note_modal(card: Scorecard, signals: Sequence[Signal], *, metadata: dict[str, str]) -> View:
    return View(
        type="modal",
        callback_id=CallbackId.NOTE,
        title=plain("Add a note", limits.VIEW_TITLE),
        submit=plain("Save", limits.VIEW_BUTTON),
        close=plain("Cancel", limits.VIEW_BUTTON),
        private_metadata=json.dumps(metadata),
        blocks=[
            SectionBlock(text=md(f"*{escape_mrkdwn(card.account.name)}* · {score_line(card)}")),
            InputBlock(
                block_id=BlockId.NOTE_SIGNAL,
                label=plain("Signal"),
                element=StaticSelectElement(
                    action_id=ActionId.NOTE_SIGNAL,
                    placeholder=plain("Which signal?"),
                    options=[
                        Option(value=s.key, text=clip(s.label, limits.OPTION_TEXT)) for s in signals
                    ],
                ),
            ),
            InputBlock(
                block_id=BlockId.NOTE_VALUE,
                label=plain("Value"),
                optional=True,
                hint=plain("Leave empty to keep the current value.", limits.INPUT_HINT),
                element=StaticSelectElement(
                    action_id=ActionId.NOTE_VALUE,
                    placeholder=plain("Keep current"),
                    options=_value_options(),
                ),
            ),
            InputBlock(
                block_id=BlockId.NOTE_TEXT,
                label=plain("Note"),
                element=PlainTextInputElement(
                    action_id=ActionId.NOTE_TEXT,
                    multiline=True,
                    max_length=limits.TEXT_INPUT,
                    placeholder=plain("What happened, what is next?", limits.PLACEHOLDER),
                ),
            ),
        ],
    )


def handoff_modal(card: Scorecard, answers: dict[str, str | None], *, metadata: str) -> View:
    inputs: list[Block] = [
        InputBlock(
            block_id=handoff_block_id(question),
            label=plain(label, limits.INPUT_LABEL),
            optional=True,
            element=PlainTextInputElement(
                action_id=ActionId.HANDOFF_ANSWER,
                multiline=True,
                max_length=limits.TEXT_INPUT,
                initial_value=answers.get(question) or None,
            ),
        )
        for question, label in HANDOFF_QUESTIONS.items()
    ]
    return View(
        type="modal",
        callback_id=CallbackId.HANDOFF,
        title=plain("Hand-off checklist", limits.VIEW_TITLE),
        submit=plain("Save", limits.VIEW_BUTTON),
        close=plain("Cancel", limits.VIEW_BUTTON),
        private_metadata=metadata,
        blocks=[
            SectionBlock(
                text=md(
                    f"*{escape_mrkdwn(card.account.name)}*: what sales promised. "
                    "Until every answer is in, the account is at best *Watch*."
                )
            ),
            *inputs,
        ],
    )


def home_view(
    *,
    user: str,
    mine: Sequence[StandupItem],
    cards: Sequence[Scorecard],
    rescues: Sequence[tuple[str, str, date, str | None]],
    plans: Sequence[tuple[str, str, date]],
) -> View:
    """The App Home: my accounts by risk, my open rescues, plans awaiting my decision."""
    blocks: list[Block] = [
        HeaderBlock(text=plain("My accounts", limits.HEADER_TEXT)),
        ContextBlock(
            elements=[
                md(
                    f"Accounts where {mention(user)} is the CSM or the owner, most at risk first.",
                    limits.CONTEXT_TEXT,
                )
            ]
        ),
    ]
    needs = {item.card.account.key for item in mine}
    ordered = sorted(
        cards,
        key=lambda c: (
            c.account.key not in needs,
            -c.status.severity,
            c.score if c.score is not None else -1,
        ),
    )
    for card in ordered[:HOME_ACCOUNTS]:
        overridden = override_text(card)
        blocks.append(
            SectionBlock(
                text=md(
                    f"*{escape_mrkdwn(card.account.name)}* `{card.account.key}`\n{score_line(card)}"
                    + (f"\n{overridden}" if overridden else "")
                )
            )
        )
    if len(ordered) > HOME_ACCOUNTS:
        blocks.append(
            ContextBlock(
                elements=[
                    md(
                        f"…and {len(ordered) - HOME_ACCOUNTS} more: `/onboard list mine`",
                        limits.CONTEXT_TEXT,
                    )
                ]
            )
        )
    if not ordered:
        blocks.append(
            SectionBlock(text=md("No accounts yet. Add one with `/onboard add NAME csm:@you`."))
        )
    blocks += [DividerBlock(), HeaderBlock(text=plain("My open rescues", limits.HEADER_TEXT))]
    lines = [
        f"• *{escape_mrkdwn(name)}* `{key}` · checkpoint {short_date(due)}"
        + (f" · next: {fit(step, 200)}" if step else "")
        for key, name, due, step in rescues[:30]
    ]
    blocks.append(SectionBlock(text=md("\n".join(lines) or "None open.")))
    blocks += [
        DividerBlock(),
        HeaderBlock(text=plain("Plans awaiting my decision", limits.HEADER_TEXT)),
    ]
    plan_lines = [
        f"• *{escape_mrkdwn(name)}* `{key}` · decide by {short_date(deadline)}"
        for key, name, deadline in plans[:30]
    ]
    blocks.append(SectionBlock(text=md("\n".join(plan_lines) or "Nothing to decide.")))
    return View(type="home", blocks=blocks[:VIEW_BLOCKS])


def status_counts(cards: Sequence[Scorecard]) -> str:
    counts = {s: 0 for s in Status}
    for card in cards:
        counts[card.status] += 1
    return " · ".join(f"{STATUS_EMOJI[s]} {s.label} {counts[s]}" for s in Status)


def value_word(value: Value) -> str:
    return f"{int(value)} {VALUE_WORDS[int(value)]}"


def recorded_text(recorded: Recorded) -> str:
    name = escape_mrkdwn(recorded.account.name)
    moves = []
    for change in recorded.changes:
        was = "unrated" if change.before is None else value_word(Value(change.before))
        line = f"{change.signal.label}: {was} → *{value_word(change.value)}*"
        moves.append(line + (" (already recorded a moment ago)" if change.duplicate else ""))
    if not recorded.recorded:
        return f"Nothing new for *{name}*: " + "; ".join(moves) + "."
    return (f"Recorded for *{name}*: " + "; ".join(moves) + ". "
            + change_summary(recorded.before, recorded.after))  # fmt: skip
