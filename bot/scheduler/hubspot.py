"""The HubSpot applier: completes the pending company creations (their CRM read) in the
background of a process — woken after a webhook answer that left some pending, at start (a
process killed after answering leaves them pending) and every `every` seconds while any stay
pending (the CRM read failing), so an accepted creation is applied exactly once, eventually.
`step()` is one look."""

from __future__ import annotations

import logging

from bot.hubspot.api import Hubspot
from bot.scheduler.looking import BackgroundLook
from bot.services.backend import Backend
from bot.services.integrations.hubspot_reads import Completed, complete_pending

log = logging.getLogger("rescuebot.integrations")


class HubspotApplier(BackgroundLook):
    name = "hubspot-reads"
    failed = "completing HubSpot creations failed; trying again shortly"

    def __init__(self, backend: Backend, api: Hubspot, *, every: float = 60.0) -> None:
        super().__init__(log, every=every)
        self.backend = backend
        self.api = api

    def stop(self) -> None:
        super().stop()
        self.api.close()

    def step(self) -> Completed:
        """Read and apply every pending creation; what became of them."""
        done = complete_pending(self.backend, self.api.company)
        if done.applied or done.still_pending or done.failed:
            log.info("HubSpot creations: %s applied, %s still pending, %s failed",
                     done.applied, done.still_pending, done.failed)  # fmt: skip
        return done

    def _look(self) -> None:
        self.step()
