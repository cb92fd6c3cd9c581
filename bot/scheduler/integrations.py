"""The integrations applier: applies the received webhook events (answered, stored, not yet
applied) in the background of a process, oldest first, a few per transaction — woken after
a webhook answer that stored new events, at start (a process killed after answering leaves them
`received`) and every `every` seconds (events another process answered, or a try that met a
database fault). Several processes may run one: each claims a different event.

`step()` is one look, for a test or a caller that wants the events applied now."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable

from bot.services.backend import Backend
from bot.services.integrations import apply_received

log = logging.getLogger("rescuebot.integrations")
BATCH = 100  # events applied between looks at whether the process is stopping


class IntegrationApplier:
    def __init__(
        self, backend: Backend, *, on_pending: Callable[[], None] | None = None,
        every: float = 5.0,
    ) -> None:  # fmt: skip
        self.backend = backend
        self.on_pending = on_pending  # told when applying left HubSpot creations pending
        self.every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def step(self, limit: int | None = None) -> Counter[str]:
        """Apply the events waiting (all, or `limit`); how many ended in each state."""
        done = apply_received(self.backend, limit=limit)
        if done.get("pending") and self.on_pending is not None:
            self.on_pending()
        return done

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="integrations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake while looking is not lost
            try:
                done = self.step(limit=BATCH)
                if done:
                    log.info("integration events applied: %s", dict(done))
                if done.total() == BATCH:
                    continue  # more may wait: no pause
            except Exception:
                log.exception("applying integration events failed; trying again shortly")
            self._wake.wait(self.every)
