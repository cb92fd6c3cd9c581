"""Receiving a provider's events: each stored once (its provider's id is UNIQUE: a redelivery
applies nothing) and applied in the transaction that stores it.

An event ends `applied`, `unmatched` (its account has no such external id yet: applied when the
id is set, see `apply_waiting`), `ignored` (nothing to do, with the reason), `failed` (with the
error; the event stays stored, the request is still answered 2xx) or `pending` (a HubSpot
company creation waiting for its CRM read, which happens after the answer: `hubspot_reads`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
from bot.store.tables import Account, IntegrationEvent
from scoring.errors import DomainError

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


def receive(
    backend: Backend, provider: str, events: Iterable[tuple[str, dict[str, Any]]]
) -> Received:
    """Store each (event id, body) of `provider` once and apply it; one transaction."""
    received = Received()
    now = backend.now()
    with backend.change(None) as session:
        for id_, body in events:
            stored = store.add_event(
                session, provider=provider, event_id=id_, body=body, received_at=now
            )
            if stored is None:
                received.redelivered += 1
                continue
            received.new += 1
            received.states[apply(session, backend.config, stored, now=now)] += 1
    return received


def receive_segment(backend: Backend, payload: Any) -> Received:
    events = segment_events(payload)
    return receive(backend, SEGMENT, ((event_id(e["messageId"], "messageId"), e) for e in events))


def receive_intercom(backend: Backend, payload: Any) -> Received:
    notification = intercom_notification(payload)
    return receive(backend, INTERCOM, [(event_id(notification["id"], "id"), notification)])


def receive_hubspot(backend: Backend, payload: Any) -> Received:
    events = hubspot_events(payload)
    return receive(backend, HUBSPOT, ((event_id(e["eventId"], "eventId"), e) for e in events))


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
