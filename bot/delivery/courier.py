"""The courier: delivers the outbox to Slack, once each, whatever Slack does meanwhile.

It puts three parts together: leasing (`leasing.py`: what is due and may go now, and the
pacing state), sending (`gateway.py`, the only code that calls Slack's write methods; HubSpot
notes through `hubspot.py`, the deliveries' other destination) and the
retry policy (`policy.py`: what each answer means next). Different channels are sent in
parallel and each channel's deliveries in order; every answer is recorded in its own short
transaction. The loop (`run`) does not wait for a round's slowest send: a channel's next
delivery is leased as soon as its previous one is answered and its pacing interval has passed,
while other channels' sends are still under way.

A delivery whose payload names `render` (a live standup's edit) gets its payload made by the
`render` function given here when it is sent, so it shows the latest state, however many changes
were queued behind it.

Retry scheduling lives in the database (a delivery's `next_attempt_at`), so a crash or a
restart in the middle of it loses nothing; the Web API client given here must not retry by
itself. Only writing Slack's answer down is retried in process, when the database is busy.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from bot.delivery.gateway import Gateway
from bot.delivery.hubspot import NOTE_METHOD, HubspotSender
from bot.delivery.leasing import Leasing, Pacing, Work
from bot.delivery.policy import DELIVERED, FAILED, Answer, Next, Outcome, decide
from bot.messages.fixes import fix_for
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery, Escalation, Rescue

__all__ = ["Courier", "Pacing", "Round", "fix_for"]

log = logging.getLogger("rescuebot.courier")
QUIET_LOOK = 0.05  # seconds between looks that found nothing to send

RECORD_TRIES = 3  # writing down Slack's answer, when the database is busy
RENDER = "render"  # a payload naming this is made when sent, by the courier's `render`

# Makes a delivery's payload when it is sent (for the payloads that ask for it).
Render = Callable[[Delivery], dict[str, Any]]


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
        render: Render | None = None,
        notes: HubspotSender | None = None,
    ) -> None:
        self.engine = engine
        self.gateway = Gateway(client)
        self.notes: HubspotSender | None = None
        self.clock = clock
        self.render = render
        self.pacing = pacing or Pacing()
        self.leasing = Leasing(engine, self.pacing)
        self.send_notes_with(notes)
        self.batch = batch
        self.threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="courier")
        self._result_lock = threading.Lock()
        self.wake = threading.Event()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def send_notes_with(self, sender: HubspotSender | None) -> None:
        """HubSpot notes (`hubspot_note` deliveries) go through `sender`, never Slack; a
        courier without one leaves them to a process that has HUBSPOT_TOKEN."""
        self.notes = sender
        self.leasing.never = frozenset() if sender else frozenset({NOTE_METHOD})

    # ---- the loop ---------------------------------------------------------------------------

    _found_nothing = False

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
                if self._found_nothing:
                    # A look that leased nothing (every due delivery held back by its channel's
                    # pace) is not repeated at once: a burst of wakes, one per finished send or
                    # commit, becomes one look instead of a query each.
                    stop.wait(QUIET_LOOK)
        finally:
            self.leasing.wait_idle()

    def _dispatch(self, idle: float) -> float:
        """Lease and start sending what `run` may send now; how long it may then wait."""
        now = self.clock()
        free = self.leasing.free_threads(self.threads)
        if free <= 0:
            return idle  # a send finishing wakes the loop
        work = self.leasing.lease(now, limit=min(self.batch, 2 * free + 16), most=free)
        self._found_nothing = not work
        for item in work:
            self.leasing.sending(item.delivery.channel)
            try:
                self._pool.submit(self._deliver_in_flight, item)
            except RuntimeError:  # closed meanwhile: the lease runs out, another sends it
                self.leasing.sent(item.delivery.channel)
                raise
        if len(work) == free:
            return 0.0  # maybe more is due: look again once a thread is free
        return self.leasing.next_wake(now, idle)

    def _deliver_in_flight(self, item: Work) -> None:
        delivery = item.delivery
        try:
            self._deliver_channel([item], Round())
        except Exception:
            # Its lease runs out and it is sent again: Slack's answer could not be recorded.
            log.exception("delivery %s to %s: recording failed", delivery.key, delivery.channel)
        finally:
            self.leasing.sent(delivery.channel)
            self.wake.set()

    # ---- one round --------------------------------------------------------------------------

    def deliver_due(self) -> Round:
        """Lease what is due now, send it, record the answers."""
        work = self.leasing.lease(self.clock(), limit=self.batch)
        by_channel: dict[str, list[Work]] = defaultdict(list)
        for item in work:
            by_channel[item.delivery.channel].append(item)
        result = Round()
        futures = [
            self._pool.submit(self._deliver_channel, items, result) for items in by_channel.values()
        ]
        for future in futures:
            future.result()
        return result

    def _deliver_channel(self, items: list[Work], result: Round) -> None:
        for item in items:
            delivery = item.delivery
            answer = self._rendered(delivery) or self._send(item)
            now = self.clock()
            next_ = decide(
                answer, attempts=delivery.attempts, started=item.leased_at, now=now,
                backoff=self.pacing.backoff,
            )  # fmt: skip
            self.leasing.answered(delivery, next_, now)
            given_up = self._record(delivery, next_, now)
            if answer.found:
                log.warning(
                    "delivery %s to %s: found already posted (ts %s) after an unanswered "
                    "attempt; not posted again", delivery.key, delivery.channel, answer.ts,
                )  # fmt: skip
            self._count(delivery, next_, given_up, result)

    def _send(self, item: Work) -> Answer:
        if item.delivery.method == NOTE_METHOD:
            assert self.notes is not None, "notes are leased only with a HubSpot sender"
            return self.notes.send(item.delivery)
        return self.gateway.send(item.delivery, item.parent_ts)

    def _rendered(self, delivery: Delivery) -> Answer | None:
        """Make the payload of a delivery that asks for it (None: ready to send); refused when
        this courier cannot render it. Sent as rendered; the stored payload is not changed."""
        if not delivery.payload.get(RENDER):
            return None
        if self.render is None:
            return Answer(Outcome.REFUSED, error="this courier cannot render a live message")
        delivery.payload = {**delivery.payload, **self.render(delivery)}
        return None

    @retry(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_attempt(RECORD_TRIES),
        wait=wait_random_exponential(multiplier=0.05, max=1),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    def _record(self, delivery: Delivery, next_: Next, now: datetime) -> list[Delivery]:
        """Write Slack's answer down (failing to would send the message again once the lease
        runs out, so a busy database is waited out a few times); the deliveries given up."""
        assert delivery.id is not None
        with self.leasing.writing(), session_scope(self.engine) as session:
            if next_.state == DELIVERED:
                done = deliveries.delivered(session, delivery.id, ts=next_.ts, at=now)
                _remember_message(session, done)
                return []
            if next_.state == FAILED:
                assert next_.error is not None
                return deliveries.failed(session, delivery.id, error=next_.error)
            assert next_.at is not None
            deliveries.retry_later(
                session, delivery.id, at=next_.at, error=next_.error,
                uncertain_since=next_.uncertain_since, file_id=next_.file_id,
            )  # fmt: skip
            return []

    def _count(
        self, delivery: Delivery, next_: Next, given_up: list[Delivery], result: Round
    ) -> None:
        counted = {DELIVERED: "delivered", FAILED: "failed"}.get(next_.state, "retrying")
        with self._result_lock:
            setattr(result, counted, getattr(result, counted) + 1)
            if next_.error:
                result.errors.append(next_.error)
        for failed in given_up:
            log.error(
                "delivery %s to %s failed for good (%s): %s",
                failed.key, failed.channel, failed.last_error, fix_for(failed.last_error),
            )  # fmt: skip
        if counted == "retrying":
            log.warning(
                "delivery %s to %s: %s; retrying at %s%s",
                delivery.key, delivery.channel, next_.error, next_.at,
                " (it may have been posted: Slack is searched first)"
                if next_.uncertain_since else "",
            )  # fmt: skip


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
