"""The monthly second look at overrides (the seed playbook's override review): each month, a
few of the accounts whose status a person overrode are drawn for someone to look at again.

The draw is deterministic — seeded by the month — so every replica, every re-run and every
channel with the same accounts in scope draws the same accounts all month.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

REVIEW_SAMPLE = 3
REVIEW_DAYS = 7
"""The review rides on the first digest of each month: one dated in its first seven days."""


def review_month(as_of: date) -> str | None:
    """The month (`2026-12`) whose review the digest of `as_of` carries, or None."""
    return f"{as_of:%Y-%m}" if as_of.day <= REVIEW_DAYS else None


def override_sample(keys: Iterable[str], month: str, *, size: int = REVIEW_SAMPLE) -> list[str]:
    """`size` of the overridden accounts' `keys` (all of them when fewer), drawn with the month
    as the seed, in key order."""
    pool = sorted(set(keys))
    if len(pool) <= size:
        return pool
    return sorted(random.Random(f"override-review:{month}").sample(pool, size))
