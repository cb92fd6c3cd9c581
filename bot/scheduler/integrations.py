"""The integrations applier: applies the received webhook events (answered, stored, not yet
applied) in the background of a process, oldest first, a few per transaction — woken after
a webhook answer that stored new events, at start (a process killed after answering leaves them
`received`) and every `every` seconds (events another process answered, or a try that met a
database fault). Several processes may run one: each claims different events.

In a process that also answers the webhooks, answering comes first: they have the providers'
deadline, applying has none. Between two transactions the applier waits while requests are
being answered (`give_way_to`), but at most GIVE_WAY_SECONDS, then applies one event: a
steady flood of requests slows applying without stopping it (a `rescuebot worker` beside web
processes run with APPLY_INTEGRATION_EVENTS=false applies at full speed whatever they answer).

`step()` is one look, for a test or a caller that wants the events applied now."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from bot.scheduler.looking import BackgroundLook
from bot.services.backend import Backend
from bot.services.integrations import apply_next, apply_received

log = logging.getLogger("rescuebot.integrations")
BATCH = 100  # events applied between two log lines
GIVE_WAY_SECONDS = 1.0  # the longest wait for a pause in the requests before applying more
LOOK_EVERY_SECONDS = 0.01  # how often a waiting applier looks for that pause


class IntegrationApplier(BackgroundLook):
    name = "integrations"
    failed = "applying integration events failed; trying again shortly"

    def __init__(
        self, backend: Backend, *, on_pending: Callable[[], None] | None = None,
        every: float = 5.0,
    ) -> None:  # fmt: skip
        super().__init__(log, every=every)
        self.backend = backend
        self.on_pending = on_pending  # told when applying left HubSpot creations pending
        self._answering: Callable[[], bool] = lambda: False

    def give_way_to(self, answering: Callable[[], bool]) -> None:
        """Wait between transactions while `answering()` (requests being answered here)."""
        self._answering = answering

    def step(self, limit: int | None = None) -> Counter[str]:
        """Apply the events waiting (all, or `limit`); how many ended in each state."""
        done = apply_received(self.backend, limit=limit)
        self._told(done)
        return done

    def _told(self, done: Counter[str]) -> None:
        if done.get("pending") and self.on_pending is not None:
            self.on_pending()

    def _look(self) -> None:
        """Apply batches until none is waiting (or the process stops), giving way between."""
        done: Counter[str] = Counter()
        while not self._stop.is_set():
            # Still answering after the wait: one event, so the requests share the process
            # with a short transaction rather than a batch.
            applied = (
                apply_next(self.backend, batch=1) if self._give_way() else apply_next(self.backend)
            )
            self._told(applied)
            done += applied
            if not applied or done.total() >= BATCH:
                if done:
                    log.info("integration events applied: %s", dict(done))
                done = Counter()
            if not applied:
                return

    def _give_way(self) -> bool:
        """Wait for a pause in the requests (GIVE_WAY_SECONDS at most); whether they go on."""
        until = time.monotonic() + GIVE_WAY_SECONDS
        while self._answering() and time.monotonic() < until and not self._stop.is_set():
            self._stop.wait(LOOK_EVERY_SECONDS)
        return self._answering()
