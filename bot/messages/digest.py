"""The Monday digest in Block Kit: a first message answering the four weekly questions, and
thread replies carrying whatever would not fit in it.

Every text is escaped, then cut to Slack's limits (`bot.messages.limits`); no message exceeds
50 blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
)

from bot.messages import limits
from bot.messages.kit import as_dicts, context, header, md, section
from bot.messages.limits import MESSAGE_BLOCKS, cut, fit
from bot.messages.review import OverrideLook, second_look_text
from bot.messages.text import (
    STATUS_EMOJI,
    change,
    days,
    escape_mrkdwn,
    hours,
    mention,
    percent,
    score,
    short_date,
    signed,
)
from bot.messages.wording import digest_title, plural
from scoring.digest import Digest
from scoring.kpis import Kpis
from scoring.rules import Status
from scoring.standup import StandupItem, focus

PAGE_LINES = 20  # lines per thread reply section
SecondLook = tuple[str, Sequence[OverrideLook]]  # the month, and the accounts drawn for it
SECTION_CHARS = limits.SECTION_TEXT


@dataclass(frozen=True)
class DigestMessage:
    """One message of the digest: fallback text and its blocks (as dicts, ready to send)."""

    text: str
    blocks: list[dict]


def digest_messages(
    digest: Digest,
    *,
    scope: str,
    kpis: Kpis | None,
    second_look: SecondLook | None = None,
    title: str | None = None,
) -> list[DigestMessage]:
    """The first message, then the thread replies (each within Block Kit's limits); the first
    digest of a month also asks for a `second_look` at a few overridden accounts. `title` says
    when it is posted, from its schedule ("Weekly digest, Mon 2 Dec")."""
    first: list[Block] = [
        header(title or digest_title("0 9 * * mon", digest.as_of)),
        ContextBlock(elements=[md(f"{scope} · {digest.week}", 300)]),
        section(_portfolio(digest)),
    ]
    if kpis is not None:
        first.append(context(_kpi_line(kpis)))
    first.append(DividerBlock())
    split = digest.focus or focus(digest.needs_help)
    help_lines = [_help_line(i, item) for i, item in enumerate(split.shown, 1)]
    first.append(section(f"*Who needs help this week* ({len(help_lines)} need a decision today)"))
    if help_lines:
        first.extend(_sections(help_lines))
    elif not digest.needs_help:
        first.append(section("Nobody: every account is Healthy and on time. :tada:"))
    else:
        first.append(section("Nobody needs a decision today."))
    if split.counted:
        counted = "; ".join(f"{len(g.items)} {g.need.counted}" for g in split.counted)
        first.append(context(cut(f"Also in the standup (listed in the thread): {counted}.", 2000)))
    first.extend(
        [
            DividerBlock(),
            section(_delays(digest)),
            section(_promises(digest)),
            section(_expansion(digest, limit=10)),
        ]
    )
    if second_look is not None and second_look[1]:
        first.append(section(second_look_text(*second_look, limit=SECTION_CHARS)))
    thread: list[Block] = []
    if split.rest:
        thread.append(section("*Also in the standup*"))
        start = len(help_lines) + 1
        thread.extend(
            _sections(_help_line(n, i, focused=False) for n, i in enumerate(split.rest, start))
        )
    if len(digest.promises) > 5 or len(digest.expansion) > 10:
        thread.append(section("*Every promise past due*"))
        thread.extend(_sections(_promise_lines(digest)))
        thread.append(section("*Every account ready for expansion*"))
        thread.extend(_sections(_expansion_lines(digest)))
    messages = [DigestMessage(_fallback(digest), as_dicts(first))]
    continued = f"Onboarding digest {digest.week}, continued"
    messages += [DigestMessage(continued, as_dicts(page)) for page in _pages(thread)]
    return messages


def _portfolio(digest: Digest) -> str:
    counts = " · ".join(
        f"{STATUS_EMOJI[s]} {s.label} *{digest.counts[s]}* ({change(digest.change(s))})"
        for s in Status
    )
    onboarding = plural(digest.total, "account")
    return f"*Portfolio:* {onboarding} onboarding · {counts} since last week"


def _kpi_line(kpis: Kpis) -> str:
    return (
        f"KPIs, last 90 days: completion {percent(kpis.completion_rate)} · time to value "
        f"{days(kpis.time_to_value_days)} (median) · at-risk recovery "
        f"{percent(kpis.at_risk_recovery_rate)} · rescue SLA met {percent(kpis.sla_adherence_rate)}"
        f" · plan decisions {hours(kpis.escalation_decision_hours)} (median)"
        f" · risk identification {percent(kpis.risk_identification_completeness)}"
        f" · mitigation ownership {percent(kpis.mitigation_ownership_rate)}"
        f" · CSAT D+30 {_mean(kpis.csat_d30)} · NPS D+30 {_nps(kpis.nps_d30)}"
        f" · churn within 90 days {percent(kpis.churn_90_rate)}"
    )


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _nps(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0f}"


def _help_line(n: int, item: StandupItem, *, focused: bool = True) -> str:
    """A focus line mentions its owner; a line of the rest names nobody (no ping)."""
    card = item.card
    arrow = f" {card.trend.direction.arrow}" if card.trend.direction else ""
    owner = ""
    if focused:
        owner = f" · {mention(item.owner)}" + ("" if item.owned else " (CSM, unclaimed)")
    return (
        f"{n}. {STATUS_EMOJI[card.decided_status]} *{fit(card.account.name, 80)}* "
        f"{score(card.score)}{arrow}{owner} · next: {fit(item.next_step, 150)}"
        f" · due {short_date(item.due)}\n      _{fit(item.why or '; '.join(item.reasons), 300)}_"
    )


def _delays(digest: Digest) -> str:
    lines = [
        f"• {escape_mrkdwn(d.label)}: {d.overdue_accounts} account"
        f"{'s' if d.overdue_accounts != 1 else ''} overdue, {d.mean_days_late} days late on "
        f"average (worst {d.max_days_late})"
        for d in digest.delays[:5]
    ] or ["• No step is overdue."]
    return "*Which step creates the most delays*\n" + "\n".join(lines)


def _promises(digest: Digest) -> str:
    by_segment: dict[str, list[str]] = {}
    for p in digest.promises:
        by_segment.setdefault(p.segment, []).append(
            f"{fit(p.name, 60)} ({p.days_past}d past {short_date(p.promised_on)})"
        )
    lines = [
        f"• {segment}: {', '.join(names[:5])}"
        + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        for segment, names in by_segment.items()
    ] or ["• None: every promised date is still ahead or met."]
    text = "*Promises hard to keep* (past the promised timeline, no first value yet)\n"
    return cut(text + "\n".join(lines), SECTION_CHARS)


def _promise_lines(digest: Digest) -> list[str]:
    return [
        f"• {p.segment} · *{fit(p.name, 80)}*: promised "
        f"“{fit(p.promised, 80)}”, {plural(p.days_past, 'day')} past "
        f"{short_date(p.promised_on)}"
        for p in digest.promises
    ] or ["• None."]


def _expansion(digest: Digest, *, limit: int) -> str:
    lines = _expansion_lines(digest)
    shown = lines[:limit] + ([f"…and {len(lines) - limit} more."] if len(lines) > limit else [])
    if not digest.expansion:
        shown = [
            "• Nobody yet: expansion needs Healthy, first value reached, stable or rising, "
            "and no open rescue."
        ]
    return "*Ready for an expansion conversation*\n" + "\n".join(shown)


def _expansion_lines(digest: Digest) -> list[str]:
    return [
        f"• *{fit(c.name, 80)}* {score(c.score)}"
        + (f" ({signed(c.delta)})" if c.delta else "")
        + f" · ARR {c.arr:,}"
        for c in digest.expansion
    ]


def _fallback(digest: Digest) -> str:
    counts = ", ".join(f"{digest.counts[s]} {s.label}" for s in Status)
    return (
        f"Onboarding digest {digest.week}: {digest.total} accounts ({counts}); "
        f"{len(digest.needs_help)} need help this week."
    )


def _sections(lines: Iterable[str]) -> list[Block]:
    """Lines packed into sections of at most PAGE_LINES lines and SECTION_CHARS characters."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = cut(line, SECTION_CHARS)
        if chunk and (len(chunk) >= PAGE_LINES or size + len(line) + 1 > SECTION_CHARS):
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def _pages(blocks: Sequence[Block]) -> list[list[Block]]:
    return [
        list(blocks[start : start + MESSAGE_BLOCKS])
        for start in range(0, len(blocks), MESSAGE_BLOCKS)
    ]
