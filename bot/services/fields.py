"""Account fields typed by people (in files or slash commands): parsed, or refused with the fix."""

from __future__ import annotations

import re
from datetime import date

from bot.messages import limits
from scoring.errors import InvalidValue

SEGMENTS = {"smb": "smb", "mid": "mid", "mid-market": "mid", "midmarket": "mid",
            "enterprise": "enterprise", "ent": "enterprise"}  # fmt: skip
OUTCOMES = ("completed", "churned", "expanded")
MAX_TEXT = limits.TEXT_INPUT  # what a modal's text input takes
MAX_NAME = 200
_USER = re.compile(r"^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")
_CHANNEL = re.compile(r"^<?#?([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>?$")


def text(value: str, name: str, *, limit: int = MAX_TEXT) -> str | None:
    """Trimmed text, None when blank."""
    value = value.strip()
    if len(value) > limit:
        raise InvalidValue(f"`{name}` is {len(value):,} characters; keep it under {limit:,}")
    return value or None


def segment(value: str, name: str = "segment") -> str:
    found = SEGMENTS.get(value.strip().lower())
    if found is None:
        raise InvalidValue(f"`{name}` is `{value}`; use smb, mid or enterprise")
    return found


def outcome(value: str, name: str = "outcome") -> str:
    if value.strip().lower() not in OUTCOMES:
        raise InvalidValue(f"`{name}` is `{value}`; use {', '.join(OUTCOMES)}")
    return value.strip().lower()


def day(value: str, name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"`{name}` is `{value}`; write a date as YYYY-MM-DD") from None


def count(value: str, name: str) -> int:
    """A whole number ≥ 0; `250,000`, `250_000` and `250000.0` are accepted."""
    cleaned = value.replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return 0
    try:
        number = float(cleaned)
    except ValueError:
        raise InvalidValue(f"`{name}` is `{value}`; expected a whole number") from None
    if not 0 <= number <= 10**15 or number != int(number):
        raise InvalidValue(f"`{name}` is `{value}`; expected a whole number ≥ 0")
    return int(number)


def user(value: str, name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if match := _USER.match(value):
        return match[1]
    raise InvalidValue(f"`{name}` is `{value}`; expected a Slack user like @alex (ID U0123ABCD)")


def channel(value: str, name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if match := _CHANNEL.match(value):
        return match[1]
    raise InvalidValue(
        f"`{name}` is `{value}`; expected a Slack channel like #cs-team (ID C0123ABCD)"
    )
