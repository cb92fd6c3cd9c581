"""The worker's step, run by the test, for a real `rescuebot serve` started with
APPLY_INTEGRATION_EVENTS=false: the server answers and stores the events, and the test applies
them when it chooses (the events received, then the HubSpot creations left pending), with no
waiting on a background thread."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.hubspot.api import Hubspot
from bot.scheduler.hubspot import HubspotApplier
from bot.scheduler.integrations import IntegrationApplier
from bot.services.backend import Backend
from bot.store.db import make_engine

# The server's environment for these tests: it answers, the test applies.
ANSWER_ONLY = {"APPLY_INTEGRATION_EVENTS": "false"}


@dataclass
class Applying:
    events: IntegrationApplier
    creations: HubspotApplier | None

    def __call__(self) -> Counter[str]:
        """Apply every event the server answered; how many ended in each state (a HubSpot
        creation completed from the CRM counts as `pending` here, and is applied)."""
        done = self.events.step()
        if self.creations is not None:
            self.creations.step()
        return done


@contextmanager
def applying(
    database_url: str, config: Path, *, crm: tuple[str, str] | None = None
) -> Iterator[Applying]:
    """The appliers `rescuebot serve` would run, here: on its database and config, reading
    the CRM at `crm` (its token and URL) as its HUBSPOT_TOKEN and HUBSPOT_API_URL would."""
    engine = make_engine(database_url)
    backend = Backend(config=load_config(config), engine=engine,
                      clock=lambda: datetime.now(UTC), hubspot_notes=crm is not None)  # fmt: skip
    api = Hubspot(*crm) if crm is not None else None
    try:
        yield Applying(IntegrationApplier(backend),
                       HubspotApplier(backend, api) if api is not None else None)  # fmt: skip
    finally:
        if api is not None:
            api.close()
        engine.dispose()
