"""Words that depend on a number or a schedule: "1 day past" but "3 days past", and a digest's
title from its cron ("Weekly digest, Mon 2 Dec"), so no message says "1 days" or calls a digest
posted on a Wednesday a Monday digest."""

from __future__ import annotations

from datetime import date

# Words whose plural is not the word + "s".
IRREGULAR = {"reply": "replies", "company": "companies", "person": "people", "was": "were",
             "needs": "need", "is": "are", "has": "have"}  # fmt: skip


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word` in agreement: plural(1, "day") is "1 day", plural(3, "day") "3 days"."""
    return f"{n} {noun(n, word, many)}"


def noun(n: int, word: str, many: str | None = None) -> str:
    """`word` as it agrees with `n`, without the number: noun(2, "account") is "accounts"."""
    if n == 1:
        return word
    return many or IRREGULAR.get(word) or f"{word}s"


def short_day(day: date) -> str:
    return day.strftime("%a %-d %b")


def cadence(cron: str | None) -> str:
    """How often a cron line posts, in a word: Weekly, Daily or Monthly (else Scheduled)."""
    fields = (cron or "").split()
    if len(fields) != 5:
        return "Scheduled"
    _, _, day_of_month, month, day_of_week = fields
    if month != "*":
        return "Scheduled"
    if day_of_month != "*":
        return "Monthly" if day_of_week == "*" and day_of_month.isdigit() else "Scheduled"
    if day_of_week in ("*", "mon-fri", "1-5"):
        return "Daily"
    return "Weekly" if not any(c in day_of_week for c in ",-/") else "Scheduled"


def digest_title(cron: str | None, posted_on: date) -> str:
    """The digest's title: its cadence and the day it is posted ("Weekly digest, Wed 2 Dec")."""
    return f"{cadence(cron)} digest, {short_day(posted_on)}"
