"""The HubSpot applier: completes the pending company creations (their CRM read) in the
background of a process — woken after a webhook answer that left some pending, at start (a
process killed after answering leaves them pending) and every `every` seconds while any stay
pending (the CRM read failing), so an accepted creation is applied exactly once, eventually.
`step()` is one look."""

from __future__ import annotations

import logging
import threading

from bot.hubspot.api import Hubspot
from bot.services.backend import Backend
from bot.services.integrations.hubspot_reads import Completed, complete_pending

log = logging.getLogger("rescuebot.integrations")


class HubspotApplier:
    def __init__(self, backend: Backend, api: Hubspot, *, every: float = 60.0) -> None:
        self.backend = backend
        self.api = api
        self.every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hubspot-reads", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.api.close()

    def step(self) -> Completed:
        """Read and apply every pending creation; what became of them."""
        done = complete_pending(self.backend, self.api.company)
        if done.applied or done.still_pending or done.failed:
            log.info("HubSpot creations: %s applied, %s still pending, %s failed",
                     done.applied, done.still_pending, done.failed)  # fmt: skip
        return done

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake while looking is not lost
            try:
                self.step()
            except Exception:
                log.exception("completing HubSpot creations failed; trying again shortly")
            self._wake.wait(self.every)
