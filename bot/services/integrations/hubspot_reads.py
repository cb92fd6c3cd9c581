"""Completing HubSpot company creations: the company's name and mapped properties read from the
CRM (`GET /crm/v3/objects/companies/{id}`), retried a few times at once, then the account
created or linked and the events waiting for it applied, in one transaction per company.

The read happens outside any transaction, after the webhook was answered. An event whose read
keeps failing stays `pending` with the error, and the next run (the applier's periodic look, or
a process starting) tries again: an accepted creation is never lost. A company HubSpot says is
not there (404, or another refusal) is `failed` with the reason. A run and a concurrent one
(another process) complete each event once: its row is locked and re-read before the change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.hubspot.api import Company, HubspotError
from bot.services.backend import Backend
from bot.services.integrations.hubspot import HUBSPOT, create_or_link, mapped
from bot.services.integrations.receiving import apply_waiting
from bot.store import integrations as store

log = logging.getLogger("rescuebot.integrations")
READ_TRIES = 3
ReadCompany = Callable[[str, list[str]], Company]
_one_run = threading.Lock()  # in one process, one run at a time (the rows settle the rest)


@dataclass
class Completed:
    applied: int = 0
    still_pending: int = 0
    failed: int = 0


def _read(read: ReadCompany, company_id: str, properties: list[str], wait: float) -> Company:
    for attempt in Retrying(
        retry=retry_if_exception(lambda e: isinstance(e, HubspotError) and e.transient),
        stop=stop_after_attempt(READ_TRIES),
        wait=wait_exponential(multiplier=wait, max=5 * wait),
        reraise=True,
    ):
        with attempt:
            return read(company_id, properties)
    raise AssertionError("unreachable: tenacity reraises the last error")


def complete_pending(backend: Backend, read: ReadCompany, *, wait: float = 0.2) -> Completed:
    """Read and apply every pending HubSpot creation; what became of them."""
    done = Completed()
    with _one_run:
        with backend.session() as session:
            waiting = [(e.id, e.external_id) for e in store.pending(session, provider=HUBSPOT)]
        properties = sorted({"domain", *mapped(backend.config)})
        for event_id, company_id in waiting:
            assert event_id is not None and company_id is not None
            try:
                company = _read(read, company_id, properties, wait)
            except HubspotError as error:
                _not_read(backend, event_id, company_id, error, done)
                continue
            read_at = backend.now()
            with backend.change(None) as session:
                event = store.locked_event(session, event_id)
                if event is None or event.state != "pending":
                    continue  # completed meanwhile by another run
                account = create_or_link(
                    session, backend.config, company_id, company.properties,
                    read_at=read_at, now=read_at,
                )  # fmt: skip
                store.settle(session, event, state="applied", at=read_at, account_id=account.id,
                             external_id=company_id)  # fmt: skip
                apply_waiting(session, backend.config, account, now=read_at)
            done.applied += 1
    return done


def _not_read(
    backend: Backend, event_id: int, company_id: str, error: HubspotError, done: Completed
) -> None:
    state = "pending" if error.transient else "failed"
    why = f"reading company {company_id} from HubSpot: {error}" + (
        "; tried again later" if error.transient else ""
    )
    log.warning("HubSpot creation of company %s not applied: %s", company_id, why)
    with backend.change(None) as session:
        event = store.locked_event(session, event_id)
        if event is not None and event.state == "pending":
            store.settle(session, event, state=state, at=backend.now(), external_id=company_id,
                         error=why)  # fmt: skip
    if error.transient:
        done.still_pending += 1
    else:
        done.failed += 1
