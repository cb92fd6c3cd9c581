"""Fault injection for the Slack double: planned failures, random failures and rate limits.

This module owns the decision "does this request fail, and how": `fail_next` / `rate_limit_next`
/ `accept_then_fail` rules consumed in the order they were planned, a seeded random failure
ratio, and a per-channel token bucket for chat.postMessage (about 1 message per second per
channel with short bursts, as Slack allows). It reads time only from the injected clock. Going
down (refused connections or 503s) is the server's business, since it closes the listening
socket.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ERROR_BY_STATUS = {
    429: "ratelimited",
    500: "fatal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "request_timeout",
}


@dataclass
class Fault:
    """An answer that replaces the normal one: HTTP status, JSON body and extra headers.

    With `after`, the request takes effect first (Slack did the work) and only its answer is
    lost: replaced by this one, or with `drop` by a connection closed without an answer, after
    holding it `hang` seconds (the client's timeout may run out first)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    after: bool = False
    drop: bool = False
    hang: float = 0.0


def error_fault(status: int, error: str | None = None) -> Fault:
    """A failed answer with Slack's error name for the status (or the given one)."""
    return Fault(
        status, {"ok": False, "error": error or ERROR_BY_STATUS.get(status, "fatal_error")}
    )


def rate_limit_fault(retry_after: float) -> Fault:
    """HTTP 429 with a whole-second Retry-After header, as Slack sends it."""
    seconds = max(0, math.ceil(retry_after))
    return Fault(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(seconds)})


@dataclass
class _Rule:
    remaining: int
    method: str | None
    fault: Fault


class _TokenBucket:
    """Per-key token bucket: `burst` requests at once, refilled at `per_second`."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float]) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """Spend a token for `key`; return 0 when allowed, else seconds until one is free."""
        now = self.clock()
        tokens, last = self._state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens >= 1:
            self._state[key] = (tokens - 1, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1 - tokens) / self.per_second


class Faults:
    """The failures planned for the double; consulted once per request, under its lock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        """Drop every planned failure, the random ratio and the per-channel limit."""
        self._rules: list[_Rule] = []
        self._ratio = 0.0
        self._ratio_status = 500
        self._ratio_method: str | None = None
        self._random = random.Random()
        self._channel_bucket: _TokenBucket | None = None
        self._workspace_bucket: _TokenBucket | None = None
        self._workspace_methods: frozenset[str] = frozenset()

    def plan(self, n: int, fault: Fault, method: str | None) -> None:
        """Make the next `n` requests to `method` (any when None) answer `fault`."""
        if n < 1:
            raise ValueError("n must be at least 1")
        self._rules.append(_Rule(n, method, fault))

    def set_ratio(self, ratio: float, *, seed: int | None, status: int, method: str | None) -> None:
        """Fail a random share of requests (0 turns it off), reproducibly with a seed."""
        if not 0 <= ratio <= 1:
            raise ValueError("ratio must be between 0 and 1")
        self._ratio, self._ratio_status, self._ratio_method = ratio, status, method
        self._random = random.Random(seed)

    def limit_channels(self, per_second: float | None, burst: int) -> None:
        """Rate-limit chat.postMessage per channel; None turns the limit off."""
        self._channel_bucket = (
            None if per_second is None else _TokenBucket(per_second, burst, self.clock)
        )

    def limit_workspace(
        self, per_second: float | None, burst: int, methods: frozenset[str]
    ) -> None:
        """Rate-limit each of `methods` across the whole workspace (Slack's tiers are per method
        per workspace per app); None turns the limit off."""
        self._workspace_bucket = (
            None if per_second is None else _TokenBucket(per_second, burst, self.clock)
        )
        self._workspace_methods = frozenset(methods) if per_second is not None else frozenset()

    def injected(self, method: str) -> Fault | None:
        """Return the planned or random failure for this request, consuming it, or None."""
        for rule in self._rules:
            if rule.method in (None, method):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                return rule.fault
        ratio_applies = self._ratio and self._ratio_method in (None, method)
        if ratio_applies and self._random.random() < self._ratio:
            return error_fault(self._ratio_status)
        return None

    def channel_limited(self, channel: str) -> Fault | None:
        """Return a 429 when chat.postMessage to `channel` is over its rate, else None."""
        if self._channel_bucket is None:
            return None
        wait = self._channel_bucket.take(channel)
        return rate_limit_fault(wait) if wait > 0 else None

    def workspace_limited(self, method: str) -> Fault | None:
        """Return a 429 when `method` is over its workspace-wide rate, else None."""
        if self._workspace_bucket is None or method not in self._workspace_methods:
            return None
        wait = self._workspace_bucket.take(method)
        return rate_limit_fault(wait) if wait > 0 else None
