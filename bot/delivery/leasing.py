"""Leasing: which deliveries this process may send now, and the pacing state that decides it.

A lease is taken in the database (`bot.store.deliveries.take_due`), so that several processes
never send the same delivery; what is held in memory here is this process's view of Slack's
limits: channels with a send under way (at most one at a time per channel, so a channel's
messages go in order), channels that posted less than a pacing interval ago (Slack allows about
one message per second per channel; uploads and edits may go meanwhile), and methods paused by
a 429 for every channel (uploads' and edits' limits are per method and workspace).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.delivery.policy import Backoff, Next
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery

POLL = 0.25  # seconds between looks while due deliveries wait on another process


@dataclass(frozen=True)
class Pacing:
    """How fast the courier posts (per channel; Slack: about 1 message per second), how it
    backs off transient failures, and how long a lease holds a delivery for its sender."""

    per_channel_per_second: float = 1.0
    backoff: Backoff = field(default_factory=Backoff)
    lease: timedelta = timedelta(minutes=2)
    # The deliveries Slack's per-channel limit counts: posted messages (chat.postMessage). File
    # uploads and edits have per-method, workspace-wide tiers instead: a 429 answering one of
    # them pauses that method, in every channel, for its Retry-After.
    paced_methods: frozenset[str] = frozenset({"message"})


@dataclass(frozen=True)
class Work:
    """A leased delivery: the row, its parent message's ts, and when the lease was taken."""

    delivery: Delivery
    parent_ts: str | None
    leased_at: datetime


class Leasing:
    """This process's leases and pacing state; thread-safe."""

    def __init__(self, engine: Engine, pacing: Pacing) -> None:
        self.engine = engine
        self.pacing = pacing
        self._lock = threading.Lock()
        self._channel_free_at: dict[str, datetime] = {}
        self._method_free_at: dict[str, datetime] = {}  # methods paused by a 429
        self._in_flight: set[str] = set()  # channels with a delivery being sent by `run`
        self._idle = threading.Condition(self._lock)  # told when `_in_flight` empties
        # SQLite has one writer at a time and makes the others poll for the lock, so threads
        # polling for it while one keeps taking it may wait past the busy timeout; this
        # process's writes queue on a lock instead.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.never: frozenset[str] = frozenset()  # methods this process has no sender for

    def writing(self) -> AbstractContextManager[Any]:
        """Hold while writing to the database (a no-op but on SQLite)."""
        return self._write_lock or nullcontext()

    # ---- taking leases ------------------------------------------------------------------------

    def lease(self, now: datetime, *, limit: int, most: int | None = None) -> list[Work]:
        """Lease each free channel's oldest due delivery (no post to a paced channel, nothing
        by a paused method), with the ts of its parent message."""
        with self._lock:
            sending, paced, paused = self._held(now)
        with self.writing(), session_scope(self.engine) as session:
            taken = deliveries.take_due(
                session,
                now=now,
                lease_until=now + self.pacing.lease,
                limit=limit,
                accept=self._one_per_channel(now, set()),
                skip_channels=sending,
                most=most,
                first_per_channel=True,
                skip_methods=paused | self.never,
                paced_channels=paced,
                paced_methods=self.pacing.paced_methods,
            )
            return [Work(d, deliveries.parent_ts(session, d), now) for d in taken]

    def _held(self, now: datetime) -> tuple[set[str], set[str], set[str]]:
        """Channels with a send under way (nothing more goes there now), channels whose pace
        has not run out (no post goes there yet; an upload may), and methods waiting out a
        workspace-wide 429. Caller holds the lock."""
        for table in (self._channel_free_at, self._method_free_at):
            for name in [n for n, at in table.items() if at <= now]:
                del table[name]
        return set(self._in_flight), set(self._channel_free_at), set(self._method_free_at)

    def _one_per_channel(self, now: datetime, taken: set[str]) -> Callable[[Delivery], bool]:
        """Accepts a channel's first due delivery, if the channel is not sending and, for a
        post, its pace has run out."""

        def accept(delivery: Delivery) -> bool:
            if delivery.channel in taken:
                return False
            with self._lock:
                if delivery.channel in self._in_flight:
                    return False
                free_at = self._channel_free_at.get(delivery.channel)
                paused_until = self._method_free_at.get(delivery.method)
            paced = delivery.method in self.pacing.paced_methods
            if paced and free_at is not None and free_at > now:
                return False
            if paused_until is not None and paused_until > now:
                return False
            taken.add(delivery.channel)
            return True

        return accept

    # ---- sends under way ----------------------------------------------------------------------

    def free_threads(self, threads: int) -> int:
        with self._lock:
            return threads - len(self._in_flight)

    def sending(self, channel: str) -> None:
        with self._lock:
            self._in_flight.add(channel)

    def sent(self, channel: str) -> None:
        with self._idle:
            self._in_flight.discard(channel)
            self._idle.notify_all()

    def wait_idle(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: not self._in_flight)

    def answered(self, delivery: Delivery, next_: Next, now: datetime) -> None:
        """Pace the channel (or pause the method) after Slack answered a send."""
        paced = delivery.method in self.pacing.paced_methods
        interval = timedelta(seconds=1 / self.pacing.per_channel_per_second if paced else 0)
        with self._lock:
            if next_.pause is not None and not paced:
                # A workspace-wide limit (per method): every channel waits, not just this one.
                until = now + next_.pause
                if until > self._method_free_at.get(delivery.method, now):
                    self._method_free_at[delivery.method] = until
            else:
                # Never earlier than already set: an upload after a post keeps the post's pace.
                free_at = now + (next_.pause or interval)
                current = self._channel_free_at.get(delivery.channel)
                if free_at > now and (current is None or free_at > current):
                    self._channel_free_at[delivery.channel] = free_at

    # ---- when to look again -------------------------------------------------------------------

    def next_wake(self, now: datetime, idle: float) -> float:
        """Seconds until a paced channel is free again or a delivery becomes due, at most
        `idle`. Deliveries already due but held back (their channel busy, their parent not yet
        delivered) wake the loop when a send finishes; those waiting for another process are
        looked at again every `POLL` seconds."""
        with self._lock:
            paced = min(self._channel_free_at.values(), default=None)
            paused = min(self._method_free_at.values(), default=None)
            sending = bool(self._in_flight)
        with session_scope(self.engine, read_only=True) as session:
            later = deliveries.next_due_at(session, after=now)
            overdue = deliveries.next_due_at(session)
        wait = idle
        for moment in (paced, paused, later):
            if moment is not None:
                wait = min(wait, (moment - now).total_seconds())
        if overdue is not None and overdue <= now and not sending:
            wait = min(wait, POLL)
        return max(0.001, wait)
