"""What `rescuebot demo` prints: the standup's focus and the weekly digest as Slack shows them
(the very Block Kit messages `/standup` and the schedule post, rendered in the terminal), with
the demo team's names where Slack would show mentions, and where to look next.

A feature that adds to what the demo is worth seeing (phase gates, risks, surveys…) adds a
section to `SECTIONS`: a function of the `Shown` data returning what to print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rich.console import Console

from bot.cli.slackview import print_message
from bot.messages.blocks import as_dicts
from bot.messages.digest import digest_messages
from bot.messages.standup import focus_message, thread_pages
from bot.messages.wording import digest_title, plural
from bot.services.demo import PEOPLE
from scoring.digest import Digest
from scoring.kpis import Kpis
from scoring.standup import Focus

STANDUP_CHANNEL = "#cs-standup"
DIGEST_CHANNEL = "#cs-leadership"
DIGEST_CRON = "0 9 * * mon"  # the default digest schedule


@dataclass(frozen=True)
class Shown:
    """Everything the demo prints, read once from the demo database."""

    day: date
    split: Focus
    digest: Digest
    kpis: Kpis | None
    database_url: str
    reused: bool


def _standup(console: Console, shown: Shown) -> None:
    blocks = as_dicts(focus_message(shown.split, as_of=shown.day, scope=""))
    replies = len(thread_pages(shown.split, PEOPLE.get))
    footer = f"💬 {plural(replies, 'reply')} in the thread" if replies else None
    print_message(console, blocks, title=f"{STANDUP_CHANNEL} · /standup", names=PEOPLE,
                  footer=footer)  # fmt: skip


def _digest(console: Console, shown: Shown) -> None:
    messages = digest_messages(
        shown.digest,
        scope="All accounts",
        kpis=shown.kpis,
        title=digest_title(DIGEST_CRON, shown.day),
    )
    replies = len(messages) - 1
    footer = f"💬 {plural(replies, 'reply')} in the thread" if replies else None
    print_message(console, messages[0].blocks, title=f"{DIGEST_CHANNEL} · the weekly digest",
                  names=PEOPLE, footer=footer)  # fmt: skip


def _next(console: Console, shown: Shown) -> None:
    example = shown.split.shown[0].account if shown.split.shown else None
    console.print("Explore it from the command line:", style="bold")
    for command in (
        f"rescuebot scorecard {example}" if example else None,
        f"rescuebot timeline {example}" if example else None,
        "rescuebot standup --json",
        "rescuebot report delays",
        "rescuebot kpis",
    ):
        if command:
            console.print(f"  DATABASE_URL={shown.database_url} {command}", style="cyan",
                          highlight=False)  # fmt: skip


# In the order printed; each prints one part of the demo.
SECTIONS: list[Callable[[Console, Shown], None]] = [_standup, _digest, _next]


def show_demo(console: Console, shown: Shown) -> None:
    onboarding = shown.digest.total
    console.print(
        f"[bold]Onboarding Rescue demo[/bold] · {plural(onboarding, 'account')} onboarding, "
        f"{len(shown.split.items)} in this week's standup · "
        f"{'reused' if shown.reused else 'seeded'} {shown.database_url}\n",
        highlight=False,
    )
    for section in SECTIONS:
        section(console, shown)
        console.print()
