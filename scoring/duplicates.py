"""The duplicate rule (PRODUCT.md, "Duplicates and corrections"), and its one window.

A Slack retry, or the same user giving a signal the value it already has within
`DUPLICATE_WINDOW` of that reading, is one reading. A different value is always a new reading,
even one that returns to an earlier value (a correction A → B → A ends at A), and re-rating
later with the same value is a new reading (that is how a signal stops being stale).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta

from scoring.readings import Reading

DUPLICATE_WINDOW = timedelta(minutes=10)


def repeated(
    history: Sequence[Reading],
    *,
    value: int,
    author: str | None,
    at: datetime,
    window: timedelta = DUPLICATE_WINDOW,
) -> Reading | None:
    """The reading of one signal that a new `value` by `author` at `at` repeats, else None.

    `history` is that signal's readings ordered by time. What the signal already has at `at`
    is its latest reading at or before `at`; only that one is compared, never an older one,
    so a correction back to an earlier value is new. The reading just after `at` is compared
    too: two clicks racing each other take their timestamps in one order and the account's
    lock in the other, so the one recorded first may carry the later time.
    """
    i = bisect_right([r.recorded_at for r in history], at)
    for neighbour in (history[i - 1] if i else None, history[i] if i < len(history) else None):
        if (
            neighbour is not None
            and neighbour.value == value
            and neighbour.author == author
            and abs(neighbour.recorded_at - at) <= window
        ):
            return neighbour
    return None
