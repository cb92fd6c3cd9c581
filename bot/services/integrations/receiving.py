"""Receiving a provider's events and applying them.

The answer only stores: each event once (its provider's id is UNIQUE: a redelivery stores
nothing), as `received`, in one short transaction (shared by the deliveries answered at about
the same time: `store_deliveries`), so it is answered within milliseconds and an answered event
is never lost. The worker then applies the received events oldest first, a few
at a time, in a transaction that also records what became of each (`apply_next`): a process
killed before that leaves the events `received` for the next run.

An event ends `applied`, `unmatched` (its account has no such external id yet: applied when the
id is set, see `apply_waiting`), `ignored` (nothing to do, with the reason), `failed` (with the
error; the event stays stored) or `pending` (a HubSpot company creation waiting for its CRM
read: `hubspot_reads`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.config import Config
from bot.services.backend import Backend
from bot.services.integrations import hubspot, intercom, segment
from bot.services.integrations.shapes import (
    event_id,
    hubspot_events,
    intercom_notification,
    segment_events,
)
from bot.store import integrations as store
from bot.store.db import session_scope
from bot.store.tables import Account, IntegrationEvent
from scoring.errors import DomainError

log = logging.getLogger("rescuebot.integrations")
# Events applied per transaction: the upkeep every transaction ends with (each changed
# account's kept state, its live standups) is done once for them all; few enough that on
# SQLite, whose writer lock the batch holds, an answer storing events waits well under 3 s.
BATCH = 10
SEGMENT, INTERCOM, HUBSPOT = segment.SEGMENT, intercom.INTERCOM, hubspot.HUBSPOT
# Which account column each provider's events name.
ID_COLUMNS = {SEGMENT: segment.ID_COLUMN, INTERCOM: intercom.ID_COLUMN, HUBSPOT: hubspot.ID_COLUMN}
APPLY = {SEGMENT: segment.apply_segment, INTERCOM: intercom.apply_intercom,
         HUBSPOT: hubspot.apply_hubspot}  # fmt: skip


@dataclass
class Received:
    """What a delivery did: events new and redelivered, and the states the new ones ended in."""

    new: int = 0
    redelivered: int = 0
    states: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"new": self.new, "redelivered": self.redelivered, "states": dict(self.states)}


@dataclass(frozen=True)
class Delivery:
    """One request's events, checked: (provider's event id, body) in the order delivered."""

    provider: str
    events: list[tuple[str, dict[str, Any]]]


def segment_delivery(payload: Any) -> Delivery:
    events = segment_events(payload)
    return Delivery(SEGMENT, [(event_id(e["messageId"], "messageId"), e) for e in events])


def intercom_delivery(payload: Any) -> Delivery:
    notification = intercom_notification(payload)
    return Delivery(INTERCOM, [(event_id(notification["id"], "id"), notification)])


def hubspot_delivery(payload: Any) -> Delivery:
    events = hubspot_events(payload)
    return Delivery(HUBSPOT, [(event_id(e["eventId"], "eventId"), e) for e in events])


def store_deliveries(backend: Backend, deliveries: Sequence[Delivery]) -> list[Received]:
    """Store the events of several deliveries once each, as `received`, in one transaction
    (one INSERT): what each delivery did, in order. An event id in two of them (or twice in
    one) is new for the first and a redelivery for the others."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for delivery in deliveries:
        for id_, body in delivery.events:
            rows.setdefault((delivery.provider, id_), body)
    with session_scope(backend.engine) as session:
        stored = store.add_received(session, events=rows, received_at=backend.now())
    done = []
    for delivery in deliveries:
        received = Received()
        for id_, _ in delivery.events:
            if (delivery.provider, id_) in stored:
                stored.discard((delivery.provider, id_))
                received.new += 1
            else:
                received.redelivered += 1
        if received.new:
            received.states[store.RECEIVED] = received.new
        done.append(received)
    return done


def receive(
    backend: Backend, provider: str, events: Iterable[tuple[str, dict[str, Any]]]
) -> Received:
    """Store each (event id, body) of `provider` once, as `received`; one transaction."""
    return store_deliveries(backend, [Delivery(provider, list(events))])[0]


def receive_segment(backend: Backend, payload: Any) -> Received:
    return store_deliveries(backend, [segment_delivery(payload)])[0]


def receive_intercom(backend: Backend, payload: Any) -> Received:
    return store_deliveries(backend, [intercom_delivery(payload)])[0]


def receive_hubspot(backend: Backend, payload: Any) -> Received:
    return store_deliveries(backend, [hubspot_delivery(payload)])[0]


def apply_next(backend: Backend, *, batch: int = BATCH) -> Counter[str]:
    """Claim the oldest received events (at most `batch`) and apply them in order, in one
    transaction that also records what became of each (each in its own SAVEPOINT); how many
    ended in each state (empty: none was waiting). A database fault (connection, deadlock)
    rolls it all back: the events stay `received` and are applied on a later try."""
    done: Counter[str] = Counter()
    with backend.change(None) as session:
        now = backend.now()
        for event in store.next_received(session, limit=batch):
            done[_apply_claimed(session, backend.config, event, now=now)] += 1
    return done


def _apply_claimed(session: Session, config: Config, event: IntegrationEvent, *,
                   now: datetime) -> str:  # fmt: skip
    try:
        return apply(session, config, event, now=now)
    except OperationalError:
        raise
    except Exception as error:  # a fault of this event's: kept as `failed`, the rest go on
        log.exception("%s event %s could not be applied", event.provider, event.event_id)
        why = f"could not be applied: {type(error).__name__}: {error}"
        store.settle(session, event, state="failed", at=now, error=why)
        return "failed"


def apply_received(backend: Backend, *, limit: int | None = None) -> Counter[str]:
    """Apply the received events oldest first, a batch per transaction, until none waits (or
    `limit` were applied); how many ended in each state. The worker's step."""
    done: Counter[str] = Counter()
    while limit is None or done.total() < limit:
        batch = BATCH if limit is None else min(BATCH, limit - done.total())
        applied = apply_next(backend, batch=batch)
        if not applied:
            break
        done += applied
    return done


def apply(session: Session, config: Config, event: IntegrationEvent, *, now: datetime) -> str:
    """Apply a stored event (in a SAVEPOINT: a failure keeps the event, as `failed`)."""
    try:
        with session.begin_nested():
            state, account, external, why = APPLY[event.provider](
                session, config, event.body, now=now
            )
    except DomainError as error:
        state, account, external, why = "failed", None, event.external_id, str(error)
    store.settle(
        session, event, state=state, at=now, account_id=account.id if account else None,
        external_id=external, error=why,
    )  # fmt: skip
    return state


def apply_waiting(session: Session, config: Config, account: Account, *, now: datetime) -> int:
    """Apply the unmatched events naming one of the account's external ids (just set); returns
    how many were applied. Runs in the caller's transaction."""
    applied = 0
    for provider, column in ID_COLUMNS.items():
        external = getattr(account, column)
        if not external:
            continue
        for event in store.waiting(session, provider=provider, external_id=external):
            applied += apply(session, config, event, now=now) == "applied"
    return applied


def apply_all_waiting(session: Session, config: Config, *, now: datetime) -> int:
    """`apply_waiting` for every account that has an external id an unmatched event names."""
    applied = 0
    for event in store.waiting(session):
        if event.external_id and store.account_by_external_id(
            session, column=ID_COLUMNS[event.provider], value=event.external_id
        ):
            applied += apply(session, config, event, now=now) == "applied"
    return applied
