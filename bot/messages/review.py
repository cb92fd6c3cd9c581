"""The digest's monthly second look at overrides: a few overridden accounts, each with the status
a person set, the status the score gives, and why they overrode it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.messages.limits import cut, fit
from bot.messages.text import escape_mrkdwn, mention, score, short_date
from scoring.rules import Status


@dataclass(frozen=True, slots=True)
class OverrideLook:
    """One overridden account drawn for the review."""

    name: str
    override: Status
    computed: Status
    score: float | None
    reason: str
    author: str
    since: date


def second_look_text(month: str, looks: Sequence[OverrideLook], *, limit: int) -> str:
    """The section: a line per account, and what to do with it."""
    lines = [
        f"• *{fit(look.name, 80)}*: overridden to {look.override.label} by {mention(look.author)} "
        f"on {short_date(look.since)} (computed {look.computed.label}, {score(look.score)}): "
        f"“{escape_mrkdwn(fit(look.reason, 200))}”"
        for look in looks
    ]
    head = (
        f"*Second look at overrides* ({month}: {len(looks)} drawn at random). Does each call "
        "still hold? Clear it with `/onboard override ACCOUNT clear` if not."
    )
    return cut("\n".join([head, *lines]), limit)
