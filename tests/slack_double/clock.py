"""A manual clock for tests: inject it where the double (or the app) would read time.monotonic.

The double reads its clock for rate limits, trigger_id expiry (3 s) and response_url expiry
(30 min). With a `ManualClock` a test moves time forward itself instead of sleeping.
"""

from __future__ import annotations

import threading


class ManualClock:
    """A monotonic clock that only moves when `advance()` is called; safe across threads."""

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` and return the new time."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        with self._lock:
            self._now += seconds
            return self._now
