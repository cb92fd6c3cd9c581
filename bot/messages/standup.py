"""The standup in Block Kit: the focus (the accounts that need a decision today, one line and a
Claim button each, their owners mentioned), the rest counted one line per need, and the rest
listed in the message's thread by name, without pinging anyone. The live message re-renders the
same lines in their places, with who took each and when; a superseded one points to the newer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block, ConfirmObject, SectionBlock

from bot.messages.ids import ActionId, claim_value, standup_block_id
from bot.messages.kit import button, confirm_dialog, context, header, md, section
from bot.messages.limits import MESSAGE_BLOCKS, SECTION_TEXT, cut, fit
from bot.messages.text import STATUS_EMOJI, escape_mrkdwn, mention, score, short_date, signed
from scoring.standup import Focus, StandupItem

THREAD_LINES = 20  # lines per thread section

# A user id → the name people know them by (Slack's profile); None when nobody could say.
Names = Callable[[str], str | None]


@dataclass(frozen=True)
class Taken:
    """Who took a line's follow-up since the standup was posted, and when ("10:42")."""

    user: str
    when: str


@dataclass(frozen=True)
class Line:
    """One focus line of a posted standup: the account as it is now (`item` None: it no longer
    needs help), and who took it."""

    key: str
    name: str
    item: StandupItem | None
    taken: Taken | None = None


def standup_item_blocks(item: StandupItem, taken: Taken | None = None) -> list[Block]:
    """A focus line: owner, next step, due date, last Sunday's score and the change since, why."""
    card = item.card
    owner = mention(item.owner) + ("" if item.owned else " _(CSM, unclaimed)_")
    text = (
        f"{STATUS_EMOJI[card.decided_status]} *{escape_mrkdwn(card.account.name)}* · {owner} · "
        f"due *{short_date(item.due)}*\nNext: {fit(item.next_step, 300)}"
    )
    facts = [fit(item.why, 300), _score_since_sunday(item)]
    if taken is not None:
        facts.append(f"claimed by {mention(taken.user)} {taken.when}")
    confirm = _claim_confirm(item) if item.owned else None
    # The owner the line shows rides on the button: a click on a line someone claimed since
    # is asked to confirm. Unclaim is offered to the owner in Claim's answer (no block here).
    shown = claim_value(card.account.key, item.owner if item.owned else None)
    return [
        SectionBlock(
            block_id=standup_block_id(card.account.key),
            text=md(text),
            accessory=button("Claim", ActionId.CLAIM, shown, confirm=confirm),
        ),
        context(cut(" · ".join(facts), 1500)),
    ]


def _score_since_sunday(item: StandupItem) -> str:
    now, before = item.card.score, item.last_week_score
    if before is None:
        return f"score {score(now)}, not scored last Sunday"
    change = "no change" if now == before or now is None else signed(round(now - before, 1))
    return f"score {score(now)} (Sunday {score(before)}, {change})"


def _done_line_blocks(line: Line) -> list[Block]:
    """A focus line whose account no longer needs help: it keeps its place, without Claim."""
    text = f":white_check_mark: *{escape_mrkdwn(line.name)}* · no longer needs help"
    if line.taken is not None:
        text += f" · claimed by {mention(line.taken.user)} {line.taken.when}"
    return [SectionBlock(block_id=standup_block_id(line.key), text=md(text))]


def _claim_confirm(item: StandupItem) -> ConfirmObject:
    """Claiming a follow-up someone owns takes it from them: ask first, say they are told."""
    return confirm_dialog(
        "Take over this follow-up?",
        f"{mention(item.owner)} owns it now; they will be told you claimed it.",
        "Claim it",
    )


def standup_message(
    lines: Sequence[Line], counts: Sequence[tuple[str, int]], *, as_of: date, scope: str
) -> list[Block]:
    """The standup's message: the focus lines in their places, then one line per counted need
    (`counts`: what, how many), the accounts themselves being listed in the thread."""
    total = len(lines) + sum(n for _, n in counts)
    blocks = _head(total, len(lines), as_of=as_of, scope=scope)
    if not total:
        return [*blocks, section("Nobody needs help this week. :tada:")]
    if not lines:
        blocks.append(section("Nobody needs a decision today."))
    for line in lines:
        if line.item is None:
            blocks.extend(_done_line_blocks(line))
        else:
            blocks.extend(standup_item_blocks(line.item, line.taken))
    if counts:
        counted = "\n".join(
            f"• *{n}* {what}" if what.startswith("more") else f"• *{n}* {_accounts(n)} {what}"
            for what, n in counts
        )
        blocks.append(section(cut(f"*Also in the standup* (listed in the thread)\n{counted}",
                                  SECTION_TEXT)))  # fmt: skip
    return blocks


def _accounts(n: int) -> str:
    return "account" if n == 1 else "accounts"


def focus_message(split: Focus, *, as_of: date, scope: str) -> list[Block]:
    """The standup as first posted: the focus, and the rest counted."""
    lines = [Line(i.account, i.card.account.name, i) for i in split.shown]
    counts = [(group.need.counted, len(group.items)) for group in split.counted]
    return standup_message(lines, counts, as_of=as_of, scope=scope)


def thread_pages(split: Focus, names: Names) -> list[list[Block]]:
    """The accounts outside the focus, by need, as thread replies: names, no mentions."""
    blocks: list[Block] = []
    for group in split.counted:
        rows = [_thread_row(item, names) for item in group.items]
        title = f"*{len(rows)}* {group.need.counted}" if group.need.counted.startswith(
            "more") else f"*{len(rows)}* {_accounts(len(rows))} {group.need.counted}"  # fmt: skip
        for start in range(0, len(rows), THREAD_LINES):
            heading = title if start == 0 else f"{title}, continued"
            chunk = "\n".join(rows[start : start + THREAD_LINES])
            blocks.append(section(cut(f"{heading}\n{chunk}", SECTION_TEXT)))
    return [
        list(blocks[start : start + MESSAGE_BLOCKS])
        for start in range(0, len(blocks), MESSAGE_BLOCKS)
    ]


def _thread_row(item: StandupItem, names: Names) -> str:
    owner = names(item.owner) if item.owner else None
    who = escape_mrkdwn(owner) if owner else (f"`{item.owner}`" if item.owner else "nobody")
    return (
        f"• {STATUS_EMOJI[item.card.decided_status]} *{fit(item.card.account.name, 80)}* — "
        f"{fit(item.why, 150)} · {who}{'' if item.owned else ' (CSM)'} · next: "
        f"{fit(item.next_step, 150)} · due {short_date(item.due)}"
    )


def superseded_message(*, as_of: date, scope: str, link: str | None) -> list[Block]:
    """An old standup once a newer one is posted for the same channel and scope: no buttons."""
    where = f"<{link}|the newer standup>" if link else "the newer standup below"
    return [
        header(f"Standup · {as_of.isoformat()} (superseded)"),
        section(f"This standup {scope}was superseded: the team works from {where}."),
    ]


def _head(total: int, shown: int, *, as_of: date, scope: str) -> list[Block]:
    title = f"Standup · who needs a decision today ({as_of.isoformat()})"
    return [
        header(title),
        context(
            f"{total} {_accounts(total)} in the standup {scope}· {shown} need a decision today, "
            "ranked: signal at 0 with no owner, falling, At risk, Watch with something overdue. "
            "*Claim* makes you the owner."
        ),
    ]
