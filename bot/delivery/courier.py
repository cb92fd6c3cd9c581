"""The courier: delivers the outbox to Slack, once each, whatever Slack does meanwhile.

Each round leases the due deliveries (each channel's oldest, and a posted message at most once
per pacing interval per channel, since Slack allows about one message per second per channel;
uploads and edits are limited per method instead), sends them, different channels in parallel
and each channel's in order, and records every answer in its own short transaction. The loop
(`run`) does not wait for a round's slowest send: a channel's next delivery is leased as soon as
its previous one is answered and its pacing interval has passed, while other channels' sends are
still under way (at most one delivery per channel in flight, and one per thread). Answers:

- accepted: delivered, with the message's ts (thread replies waiting for it become due);
- HTTP 429: due again after `Retry-After`, and the channel paused as long (for a posted
  message, limited per channel) or the method, for every channel (an upload or an edit, whose
  limits are per method and workspace);
- connection errors, 5xx and Slack's transient errors: due again after an exponential backoff,
  until the delivery is older than `give_up_after`;
- anything else (`channel_not_found`, `not_in_channel`, `is_archived`, bad blocks…): failed for
  good, logged once, and listed by `rescuebot doctor`; its waiting thread replies fail with it.

The Slack client given here must not retry by itself: retries are this module's job, so that a
crash or a restart in the middle of them loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery, Escalation, Rescue

log = logging.getLogger("rescuebot.courier")

POLL = 0.25  # seconds between looks while due deliveries wait on another process
RECORD_TRIES = 3  # writing down Slack's answer, when the database is busy

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class Pacing:
    """How fast the courier posts: per channel (Slack: about 1 message per second), backoff on
    transient failures, and when to stop retrying them."""

    per_channel_per_second: float = 1.0
    backoff_first: timedelta = timedelta(seconds=2)
    backoff_cap: timedelta = timedelta(minutes=5)
    give_up_after: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(minutes=2)
    # The deliveries Slack's per-channel limit counts: posted messages (chat.postMessage). File
    # uploads and edits have per-method, workspace-wide tiers instead: a 429 answering one of
    # them pauses that method, in every channel, for its Retry-After.
    paced_methods: frozenset[str] = frozenset({"message"})

    def backoff(self, attempts: int) -> timedelta:
        return min(self.backoff_cap, self.backoff_first * 2 ** max(0, attempts - 1))


@dataclass
class Round:
    """What one round did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True)
class _Answer:
    ts: str | None = None
    retry_at: datetime | None = None
    error: str | None = None
    permanent: bool = False
    pause: timedelta | None = None


class Courier:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        clock: Callable[[], datetime],
        *,
        pacing: Pacing | None = None,
        threads: int = 16,
        batch: int = 1000,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.batch = batch
        self.threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="courier")
        self._lock = threading.Lock()
        self._channel_free_at: dict[str, datetime] = {}
        self._method_free_at: dict[str, datetime] = {}  # methods paused by a 429
        self._in_flight: set[str] = set()  # channels with a delivery being sent by `run`
        self._idle = threading.Condition(self._lock)  # told when `_in_flight` empties
        # SQLite has one writer at a time and makes the others poll for the lock, so threads
        # polling for it while one keeps taking it may wait past the busy timeout; this
        # process's writes queue on a lock instead.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.wake = threading.Event()

    def _writing(self) -> AbstractContextManager[Any]:
        return self._write_lock or nullcontext()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # ---- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, idle: float = 5.0) -> None:
        """Deliver until `stop` is set, without rounds: lease whatever is due on a free channel
        while a thread is free, and send it; else wait for a send to finish, a paced channel to
        be free again, the next due delivery, a `wake`, or `idle` seconds. Sends under way when
        `stop` is set are finished and recorded before returning."""
        try:
            while not stop.is_set():
                self.wake.clear()  # before looking, so that a wake while looking is not lost
                try:
                    wait = self._dispatch(idle)
                except Exception:
                    log.exception("delivery round failed; trying again shortly")
                    wait = idle
                if wait > 0:
                    self.wake.wait(wait)
        finally:
            with self._idle:
                self._idle.wait_for(lambda: not self._in_flight)

    def _dispatch(self, idle: float) -> float:
        """Lease and start sending what `run` may send now; how long it may then wait."""
        now = self.clock()
        with self._lock:
            free = self.threads - len(self._in_flight)
        if free <= 0:
            return idle  # a send finishing wakes the loop
        work = self._lease(now, limit=min(self.batch, 2 * free + 16), most=free)
        for delivery, thread_ts in work:
            with self._lock:
                self._in_flight.add(delivery.channel)
            try:
                self._pool.submit(self._deliver_in_flight, delivery, thread_ts)
            except RuntimeError:  # closed meanwhile: the lease runs out, another sends it
                with self._idle:
                    self._in_flight.discard(delivery.channel)
                    self._idle.notify_all()
                raise
        if len(work) == free:
            return 0.0  # maybe more is due: look again once a thread is free
        return self._next_wake(now, idle)

    def _lease(
        self, now: datetime, *, limit: int, most: int | None = None
    ) -> list[tuple[Delivery, str | None]]:
        """Lease each free channel's oldest due delivery (no post to a paced channel, nothing
        by a paused method), with the ts of the message it replies to."""
        with self._lock:
            (sending, paced), paused = self._held(now), self._paused_methods(now)
        with self._writing(), session_scope(self.engine) as session:
            taken = deliveries.take_due(
                session,
                now=now,
                lease_until=now + self.pacing.lease,
                limit=limit,
                accept=self._one_per_channel(now, set()),
                skip_channels=sending,
                most=most,
                first_per_channel=True,
                skip_methods=paused,
                paced_channels=paced,
                paced_methods=self.pacing.paced_methods,
            )
            return [(d, deliveries.parent_ts(session, d)) for d in taken]

    def _deliver_in_flight(self, delivery: Delivery, thread_ts: str | None) -> None:
        try:
            self._deliver_channel([(delivery, thread_ts)], Round())
        except Exception:
            # Its lease runs out and it is sent again: Slack's answer could not be recorded.
            log.exception("delivery %s to %s: recording failed", delivery.key, delivery.channel)
        finally:
            with self._idle:
                self._in_flight.discard(delivery.channel)
                self._idle.notify_all()
            self.wake.set()

    def _held(self, now: datetime) -> tuple[set[str], set[str]]:
        """Channels with a send under way (nothing more goes there now), and channels whose
        pace has not run out (no post goes there yet; an upload may). Caller holds the lock."""
        for channel in [c for c, at in self._channel_free_at.items() if at <= now]:
            del self._channel_free_at[channel]
        return set(self._in_flight), set(self._channel_free_at)

    def _paused_methods(self, now: datetime) -> set[str]:
        """Delivery methods waiting out a workspace-wide 429 (caller holds the lock)."""
        for method in [m for m, at in self._method_free_at.items() if at <= now]:
            del self._method_free_at[method]
        return set(self._method_free_at)

    def _next_wake(self, now: datetime, idle: float) -> float:
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

    # ---- one round --------------------------------------------------------------------------

    def deliver_due(self) -> Round:
        """Lease what is due now, send it, record the answers."""
        work = self._lease(self.clock(), limit=self.batch)
        by_channel: dict[str, list[tuple[Delivery, str | None]]] = defaultdict(list)
        for delivery, thread_ts in work:
            by_channel[delivery.channel].append((delivery, thread_ts))
        result = Round()
        futures = [
            self._pool.submit(self._deliver_channel, items, result) for items in by_channel.values()
        ]
        for future in futures:
            future.result()
        return result

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

    def _deliver_channel(self, items: list[tuple[Delivery, str | None]], result: Round) -> None:
        for delivery, thread_ts in items:
            answer = self._send(delivery, thread_ts)
            self._record(delivery, answer, result)

    def _send(self, delivery: Delivery, thread_ts: str | None) -> _Answer:
        try:
            return _Answer(ts=self._call(delivery, thread_ts))
        except SlackApiError as exc:
            return self._refused(delivery, exc)
        except (SlackRequestError, OSError, ValueError) as exc:
            # Connection refused or reset, timeouts, an upload URL answering non-200, a body
            # that isn't JSON: all say nothing about the message itself, so try again later.
            return self._transient(delivery, f"{type(exc).__name__}: {exc}")

    def _call(self, delivery: Delivery, thread_ts: str | None) -> str | None:
        payload = delivery.payload
        thread_ts = thread_ts or payload.get("thread_ts")
        if delivery.method == "message":
            answer = self.client.chat_postMessage(
                channel=delivery.channel,
                text=payload["text"],
                blocks=payload.get("blocks"),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
            return answer.get("ts")
        if delivery.method == "update":
            self.client.chat_update(
                channel=delivery.channel,
                ts=payload["ts"],
                text=payload["text"],
                blocks=payload.get("blocks"),
            )
            return payload["ts"]
        if delivery.method == "file":
            self.client.files_upload_v2(
                channel=delivery.channel,
                content=delivery.content,
                filename=payload["filename"],
                title=payload.get("title"),
                alt_txt=payload.get("alt_txt"),
                initial_comment=payload.get("comment"),
                thread_ts=thread_ts,
            )
            return None
        raise ValueError(f"unknown delivery method {delivery.method!r}")

    def _refused(self, delivery: Delivery, exc: SlackApiError) -> _Answer:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            seconds = _retry_after(exc.response.headers)
            pause = timedelta(seconds=seconds)
            return _Answer(retry_at=self.clock() + pause, error=error, pause=pause)
        if status >= 500 or error in TRANSIENT_ERRORS:
            return self._transient(delivery, error)
        return _Answer(error=error, permanent=True)

    def _transient(self, delivery: Delivery, error: str) -> _Answer:
        now = self.clock()
        if now - delivery.created_at >= self.pacing.give_up_after:
            return _Answer(
                error=f"gave up after {delivery.attempts} attempts; last error: {error}",
                permanent=True,
            )
        return _Answer(retry_at=now + self.pacing.backoff(delivery.attempts), error=error)

    def _record(self, delivery: Delivery, answer: _Answer, result: Round) -> None:
        now = self.clock()
        assert delivery.id is not None
        paced = delivery.method in self.pacing.paced_methods
        interval = timedelta(seconds=1 / self.pacing.per_channel_per_second if paced else 0)
        with self._lock:
            if answer.pause is not None and not paced:
                # A workspace-wide limit (per method): every channel waits, not just this one.
                until = now + answer.pause
                if until > self._method_free_at.get(delivery.method, now):
                    self._method_free_at[delivery.method] = until
            else:
                # Never earlier than already set: an upload after a post keeps the post's pace.
                free_at = now + (answer.pause or interval)
                current = self._channel_free_at.get(delivery.channel)
                if free_at > now and (current is None or free_at > current):
                    self._channel_free_at[delivery.channel] = free_at
        given_up: list[Delivery] = []
        for attempt in range(1, RECORD_TRIES + 1):
            # Slack has answered: failing to write that down would send the message again once
            # the lease runs out, so a busy database is waited out a few times.
            try:
                with self._writing(), session_scope(self.engine) as session:
                    if answer.error is None:
                        done = deliveries.delivered(session, delivery.id, ts=answer.ts, at=now)
                        _remember_message(session, done)
                        counted = "delivered"
                    elif answer.permanent:
                        given_up = deliveries.failed(session, delivery.id, error=answer.error)
                        counted = "failed"
                    else:
                        assert answer.retry_at is not None
                        deliveries.retry_later(
                            session, delivery.id, at=answer.retry_at, error=answer.error
                        )
                        counted = "retrying"
                break
            except OperationalError:
                if attempt == RECORD_TRIES:
                    raise
                log.warning("delivery %s: recording Slack's answer failed; again", delivery.key)
        with self._lock:
            setattr(result, counted, getattr(result, counted) + 1)
            if answer.error:
                result.errors.append(answer.error)
        if counted == "failed":
            for failed in given_up:
                log.error(
                    "delivery %s to %s failed for good (%s): %s",
                    failed.key, failed.channel, failed.last_error, fix_for(failed.last_error),
                )  # fmt: skip
        elif counted == "retrying":
            log.warning(
                "delivery %s to %s: %s; retrying at %s",
                delivery.key, delivery.channel, answer.error, answer.retry_at,
            )  # fmt: skip


def _retry_after(headers: Any) -> float:
    value = None
    if headers:
        value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0


def _remember_message(session: Any, delivery: Delivery) -> None:
    """A rescue's or a plan's first message, posted by the courier: remember where it is, so
    later replies land in its thread and updates edit it."""
    rescue_id = delivery.payload.get("rescue_message")
    if rescue_id is not None:
        rescue = session.get(Rescue, rescue_id)
        if rescue is not None and rescue.message_ts is None:
            rescue.channel, rescue.message_ts = delivery.channel, delivery.ts
            session.add(rescue)
    plan_id = delivery.payload.get("plan_message")
    if plan_id is not None:
        plan = session.get(Escalation, plan_id)
        if plan is not None and plan.message_ts is None:
            plan.channel, plan.message_ts = delivery.channel, delivery.ts
            session.add(plan)


FIXES = {
    "channel_not_found": "the channel id is wrong or the channel was deleted; fix it in the config",
    "not_in_channel": "invite the bot to the channel with `/invite @Onboarding Rescue`",
    "is_archived": "the channel is archived; unarchive it or point the config elsewhere",
    "invalid_auth": "SLACK_BOT_TOKEN is wrong; copy the Bot User OAuth Token again",
    "token_revoked": "the app was uninstalled or its token revoked; reinstall it",
    "account_inactive": "the app was uninstalled or its token revoked; reinstall it",
    "missing_scope": "reinstall the app so it gets the scopes in manifest.yml",
}


def fix_for(error: str | None) -> str:
    """What to do about a delivery's permanent error, in words an admin can act on."""
    for name, fix in FIXES.items():
        if error and name in error:
            return fix
    return "see Slack's error reference for this method"
