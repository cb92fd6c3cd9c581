"""Promises made in the sale: reading a promised timeline as a date."""

from __future__ import annotations

import re
from datetime import date, timedelta

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_RELATIVE = re.compile(r"\b(\d{1,4})\s*(day|week|month)s?\b", re.IGNORECASE)
_DAYS_PER = {"day": 1, "week": 7, "month": 30}


def promised_on(timeline: str | None, signed_on: date | None) -> date | None:
    """The date a promised timeline names: an ISO date in it, or "N days/weeks/months"
    after signature. None when the text names neither."""
    if not timeline:
        return None
    if match := _ISO_DATE.search(timeline):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if signed_on is not None and (match := _RELATIVE.search(timeline)):
        return signed_on + timedelta(days=int(match[1]) * _DAYS_PER[match[2].lower()])
    return None
