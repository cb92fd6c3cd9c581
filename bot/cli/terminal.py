"""Terminal output with rich: the scorecard, the standup and the digest as Slack would show it."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.messages.labels import flag_labels
from bot.messages.text import render, short_date
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.digest import Digest
from scoring.kpis import Kpis
from scoring.rules import Status
from scoring.scorecard import Scorecard
from scoring.standup import Focus

STATUS_STYLE = {Status.HEALTHY: "green", Status.WATCH: "yellow", Status.AT_RISK: "bold red"}
VALUE_TEXT = {None: ("unrated", "dim"), 0: ("0 At risk", "red"), 1: ("1 Watch", "yellow"),
              2: ("2 Healthy", "green")}  # fmt: skip
_EMOJI = {":large_green_circle:": "🟢", ":large_yellow_circle:": "🟡", ":red_circle:": "🔴",
          ":tada:": "🎉"}  # fmt: skip


def _status(status: Status) -> Text:
    return Text(status.label, style=STATUS_STYLE[status])


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def print_scorecard(console: Console, card: Scorecard) -> None:
    account = card.account
    trend = card.trend
    spark = " ".join(_score(w.score) for w in trend.weekly[-8:])
    head = Text.assemble(
        (f"{account.name}", "bold"), f"  ({account.key}, {account.segment.value})\n",
        "Score ", (_score(card.score), "bold"), " / 10  ", _status(card.status),
        f"   coverage {card.coverage:.0%}   {card.phase.label}\n",
        f"Trend {trend.direction.arrow if trend.direction else '·'} ",
        f"Δ {'—' if trend.delta is None else f'{trend.delta:+.1f}'} vs last week",
        f"   falling {trend.falling_weeks} wk   weekly: {spark}",
    )  # fmt: skip
    table = Table(show_edge=False, pad_edge=False)
    for column in ("signal", "value", "weight", "points", "state", "note"):
        table.add_column(column)
    for line in card.signals:
        text, style = VALUE_TEXT[line.value]
        state = []
        if line.stale:
            state.append(f"stale {line.days_since_reading}d")
        if line.overdue:
            state.append(f"overdue {line.days_late}d")
        table.add_row(
            line.signal.label, Text(text, style=style), f"{line.weight:g}",
            f"{line.contribution:.2f}", ", ".join(state), escape(line.note or ""),
        )  # fmt: skip
    missing = account.handoff.missing
    footer = (
        "Hand-off checklist complete"
        if not missing
        else "Hand-off incomplete: missing "
        + "; ".join(HANDOFF_QUESTIONS.get(q, q).lower() for q in missing)
    )
    flags = f"\nNeeds attention: {', '.join(flag_labels(card.flags))}" if card.flags else ""
    console.print(Panel.fit(head, title=f"Scorecard as of {card.as_of.isoformat()}"))
    console.print(table)
    console.print(footer + flags + f"\nWeights v{card.weights_version}", highlight=False)
    if card.override is not None:
        override = card.override
        console.print(
            Text.assemble(
                f"Computed: {card.status.label} {_score(card.score)} · Overridden to ",
                _status(override.status),
                f" by {override.author}: {override.reason}",
            )
        )


def print_standup(console: Console, split: Focus, *, title: str) -> None:
    """The focus, three short lines an account so it reads on an 80-column terminal, then the
    rest counted one line per need: one screen, as `/standup` posts it."""
    console.print(Text(title, style="bold underline"))
    if not split.items:
        console.print("Nobody needs help this week. 🎉")
    elif not split.shown:
        console.print("Nobody needs a decision today.")
    for n, item in enumerate(split.shown, start=1):
        card = item.card
        arrow = card.trend.direction.arrow if card.trend.direction else ""
        owner = f"@{item.owner}" if item.owner else "nobody"
        before = item.last_week_score
        since = "new this week" if before is None else f"Sunday {_score(before)}"
        console.print(Text.assemble(
            f"{n:>2}. ", (card.account.name, "bold"), "  ", _status(card.decided_status),
            f" {_score(card.score)} {arrow} ({since})  ", (owner, "cyan"),
            ("" if item.owned else " (CSM, unclaimed)", "dim"),
            f"  due {short_date(item.due)}",
        ))  # fmt: skip
        console.print(Text(f"    next: {item.next_step}"))
        console.print(Text(f"    why:  {item.why}", style="dim"))
    if split.counted:
        console.print(Text("Also in the standup (listed in its thread):", style="bold"))
        for group in split.counted:
            console.print(Text(f"    {len(group.items):>3} {group.need.counted}"))


def slack_to_rich(mrkdwn: str) -> str:
    """Slack mrkdwn to rich markup, for showing a message in the terminal as Slack reads it."""
    text = mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = escape(text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?!\w)", r"[bold]\1[/bold]", text)
    return re.sub(r"(?<![\w_])_([^_\n]+)_(?!\w)", r"[dim]\1[/dim]", text)


def print_digest(
    console: Console, digest: Digest, *, kpis: Kpis | None = None, limit: int = 10
) -> None:
    body = render("digest.mrkdwn.j2", digest=digest, limit=limit, kpis=kpis)
    console.print(Panel(slack_to_rich(body), title="The digest, as posted in Slack"))


def _ci(interval: list[float] | None, *, digits: int = 2) -> str:
    return "" if interval is None else f" ({interval[0]:.{digits}f}–{interval[1]:.{digits}f})"


def _metric(value: float | None, interval: list[float] | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        low_high = "" if interval is None else f" ({interval[0]:.0%}–{interval[1]:.0%})"
        return f"{value:.0%}{low_high}"
    return f"{value:.2f}{_ci(interval)}"


def print_calibration(console: Console, data: dict, *, version: int) -> None:
    """`rescuebot calibrate` as tables: each signal and the model, with 95% intervals."""
    cohort = data["cohort"]
    since = f" signed since {cohort['since']}" if cohort["since"] else ""
    console.print(
        f"[bold]Calibration[/bold] of weights v{version}: {cohort['accounts']} finished "
        f"onboardings{since}, {cohort['bad']} ended badly "
        f"(churned, or not completed by day 90)",
        highlight=False,
    )
    table = Table(
        title="How well each day-30 signal at 0 picked out bad outcomes", title_justify="left"
    )
    for column in ("signal", "weight", "precision", "recall", "lift", "AUC", "verdict"):
        table.add_column(column, justify="left" if column in ("signal", "verdict") else "right")
    for s in data["signals"]:
        ci = s["ci"]
        weight = f"{s['weight']:g}"
        if s["proposed_weight"] is not None and s["proposed_weight"] != s["weight"]:
            weight += f" → {s['proposed_weight']:g}"
        verdict = s["verdict"] + (" · [yellow]retire?[/yellow]" if s["retire_proposed"] else "")
        for flag in s["segment_flags"]:
            verdict += f"\n[yellow]{escape(flag['message'])}[/yellow]"
        table.add_row(
            escape(s["key"]), weight, _metric(s["precision"], ci["precision"], percent=True),
            _metric(s["recall"], ci["recall"], percent=True), _metric(s["lift"], ci["lift"]),
            _metric(s["auc"], ci["auc"]), verdict,
        )  # fmt: skip
    model = data["model"]
    table.add_row(
        "[bold]model (At risk at day 30)[/bold]", "",
        _metric(model["precision"], model["ci"]["precision"], percent=True),
        _metric(model["recall"], model["ci"]["recall"], percent=True),
        _metric(model["lift"], model["ci"]["lift"]), _metric(model["auc"], model["ci"]["auc"]),
        model["verdict"],
    )  # fmt: skip
    console.print(table)
    misses = (
        ("False alarms (flagged, ended well)", model["false_positives"]),
        ("Missed (not flagged, ended badly)", model["false_negatives"]),
    )
    for label, keys in misses:
        shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
        console.print(f"{label}: {shown or 'none'}", highlight=False)
