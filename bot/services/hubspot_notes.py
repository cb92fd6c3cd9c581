"""HubSpot as the system of record outward: a rescue opened or resolved and a plan decided are
written to the account's HubSpot company as notes, through the outbox (a `hubspot_note`
delivery queued in the transaction of the change, sent by the courier's HubSpot sender).

Only where HUBSPOT_TOKEN is set (the transaction says so: `HUBSPOT_NOTES`) and the account has
a hubspot_id. One note per audit event: the delivery's key is the event's id.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.messages.hubspot import NOTED, note_body
from bot.store import deliveries
from bot.store.tables import Account, Delivery, Event


def note(session: Session, event: Event) -> Delivery | None:
    """Queue the note for an audit event, if it is one HubSpot hears about."""
    if not session.info.get(deliveries.HUBSPOT_NOTES) or event.kind not in NOTED:
        return None
    account = session.get(Account, event.account_id) if event.account_id else None
    if account is None or not account.hubspot_id:
        return None
    body = note_body(event.kind, account.name, event.payload)
    if body is None:
        return None
    return deliveries.enqueue(
        session,
        key=f"hubspot-note:{event.id}",
        method=deliveries.NOTE_METHOD,
        channel=f"{deliveries.NOTE_CHANNEL}{account.hubspot_id}",
        payload={"company_id": account.hubspot_id, "body": body, "at": event.at.isoformat()},
        now=event.at,
    )
