"""One account's scorecard in Block Kit: its score line, a select per signal, the arithmetic and
the hand-off checklist; and the texts that say what a rating or a change did to the score."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.messages.gates import overdue_line
from bot.messages.ids import ActionId, signal_block_id
from bot.messages.kit import button, context, header, md, plain, section
from bot.messages.limits import fit
from bot.messages.models import Recorded
from bot.messages.text import STATUS_EMOJI, escape_mrkdwn, mention, score, signed
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.scorecard import Scorecard, SignalLine
from scoring.signals import Value
from scoring.trend_words import trend_words

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


def sparkline(card: Scorecard) -> str:
    marks = []
    for week in card.trend.weekly[-12:]:
        marks.append("·" if week.score is None else SPARK[min(7, int(week.score * 8 / 10.001))])
    return "".join(marks)


def trend_text(card: Scorecard) -> str:
    """The sparkline with the week's trend in words beside it, or nothing without a trend."""
    if not card.trend.weekly:
        return ""
    return f"trend {sparkline(card)} {trend_words(card.trend, now_tenths=card.score_tenths)}"


def last_week_text(line: SignalLine) -> str:
    """The signal's value at the end of last week: "last week: Watch (1)"."""
    value = line.last_week
    return "last week: " + ("unrated" if value is None else f"{VALUE_WORDS[value]} ({value})")


def trend_arrow(card: Scorecard) -> str:
    """The week's direction as " ↑" (with its space), or nothing without a trend."""
    return f" {card.trend.direction.arrow}" if card.trend.direction else ""


def score_line(card: Scorecard) -> str:
    trend = card.trend
    delta = f" ({signed(trend.delta)} vs last week)" if trend.delta is not None else ""
    falling = f" · *falling {trend.falling_weeks} weeks in a row*" if trend.falling else ""
    points = "no score yet" if card.score is None else f"*{card.score:.1f}*/10"
    return (
        f"{STATUS_EMOJI[card.status]} *{card.status.label}* · {points}{trend_arrow(card)}"
        f"{delta}{falling} · coverage {card.coverage:.0%}"
    )


def account_summary(name: str, card: Scorecard) -> str:
    """The account's name and score line: the first line of every modal about it."""
    return f"*{escape_mrkdwn(name)}* · {score_line(card)}"


def override_text(card: Scorecard) -> str | None:
    """A manual override, beside the computed status it never replaces; None without one."""
    override = card.override
    if override is None:
        return None
    computed = "(unscored)" if card.score is None else f"{card.score:.1f}"
    return (
        f":pushpin: Computed: {card.status.label} {computed} · "
        f"*Overridden to {override.status.label}* by {mention(override.author)}: "
        f"{fit(override.reason, OVERRIDE_PREVIEW)}"
    )


def weights_label(card: Scorecard) -> str:
    """Which weights the score was computed with."""
    version = card.weights_version
    return f"weights v{version}" + (" (as configured)" if version == 0 else "")


def value_options() -> list[Option]:
    return [Option(value=str(v), text=f"{v} · {VALUE_WORDS[v]}") for v in (2, 1, 0)]


def scorecard_blocks(
    card: Scorecard, *, interactive: bool = True, change: str | None = None,
    undo: str | None = None,
) -> list[Block]:  # fmt: skip
    """One account's scorecard: a select per signal, the breakdown and the trend; `change`
    says what the last edit did, where it was made, and `undo` (an Undo button's value) offers
    to take that rating back."""
    key = card.account.key
    options = value_options() if interactive else None
    undo_row = [ActionsBlock(elements=[undo_button(undo)])] if undo and interactive else []
    blocks = [*_heading(card, change), *undo_row, DividerBlock()]
    blocks += [_signal_row(key, line, options) for line in card.signals]
    blocks += [DividerBlock(), context(breakdown(card), weights_label(card)), _handoff_line(card)]
    if gates_late := overdue_line(card.overdue_gates):
        blocks.append(context(gates_late))
    if interactive:
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Add a note", ActionId.ADD_NOTE, key),
                    button("Override status", ActionId.OVERRIDE_STATUS, key),
                ]
            )
        )
    return blocks


def undo_button(value: str) -> ButtonElement:
    """Undo on a rating's answer: its value names the readings the rating recorded."""
    return button("Undo", ActionId.UNDO_RATING, value)


def _heading(card: Scorecard, change: str | None) -> list[Block]:
    """The name, the score line, what the last edit did, the override and the account's facts."""
    blocks: list[Block] = [
        header(f"{card.account.name} · scorecard"),
        section(score_line(card)),
    ]
    if change:
        blocks.append(context(f":pencil2: {change}"))
    overridden = override_text(card)
    if overridden:
        blocks.append(section(overridden))
    account = card.account
    day = f" · day {card.days_since_signature}" if card.days_since_signature else ""
    trend = f" · {trend_text(card)}" if card.trend.weekly else ""  # the words need the weeks
    blocks.append(
        context(f"`{account.key}` · {account.segment.value} · {card.phase.label}{day}{trend}")
    )
    return blocks


def _signal_row(account: str, line: SignalLine, options: list[Option] | None) -> SectionBlock:
    """One signal's reading, with a select to rate it where the card is interactive."""
    accessory = None
    if options is not None:
        accessory = StaticSelectElement(
            action_id=ActionId.SIGNAL_SELECT,
            placeholder=plain("Rate…"),
            options=options,
            initial_option=next((o for o in options if o.value == str(line.value)), None),
        )
    return SectionBlock(
        block_id=signal_block_id(account, line.key),
        text=md(_signal_text(line)),
        accessory=accessory,
    )


def _signal_text(line: SignalLine) -> str:
    parts = [f"{VALUE_EMOJI[line.value]} *{escape_mrkdwn(line.signal.label)}*"]
    parts.append("unrated" if line.value is None else f"{line.value} · {VALUE_WORDS[line.value]}")
    if line.value is not None:
        parts.append(f"+{line.contribution:.2f} pts")
    if line.stale:
        parts.append(f":hourglass: stale {line.days_since_reading}d")
    if line.overdue:
        parts.append(f":alarm_clock: overdue {line.days_late}d")
    parts.append(f"_{last_week_text(line)}_")
    text = " · ".join(parts)
    if line.note:
        who = f" — {mention(line.author)}" if line.author else ""
        text += f"\n>{fit(line.note, NOTE_PREVIEW)}{who}"
    return text


def _handoff_line(card: Scorecard) -> ContextBlock:
    """Whether sales answered every hand-off question; until then the status is capped."""
    missing = [HANDOFF_QUESTIONS[q] for q in card.account.handoff.missing]
    if not missing:
        return context(":white_check_mark: Hand-off checklist complete")
    return context(
        ":warning: Hand-off incomplete (caps the status at Watch): missing "
        + "; ".join(missing)
        + f". `/onboard handoff {card.account.key}`"
    )


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
    status = (
        f"{before.status.label} → *{after.status.label}*"
        if before.status is not after.status
        else f"still {after.status.label}"
    )
    return f"Score {score(before.score)} → *{score(after.score)}*, {status}."


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
