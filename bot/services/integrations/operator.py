"""The operator's view of the integrations: what waits unmatched, and per provider when its last
event came, its events by state, how many answered events wait to be applied (and since when),
and the HubSpot notes that failed for good."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.services.integrations import hubspot, intercom, segment
from bot.services.integrations.receiving import ID_COLUMNS
from bot.store import deliveries
from bot.store import integrations as store
from bot.store.tables import IntegrationEvent

SUMMARIES = {segment.SEGMENT: segment.summary, intercom.INTERCOM: intercom.summary,
             hubspot.HUBSPOT: hubspot.summary}  # fmt: skip


def unmatched(session: Session) -> list[dict[str, Any]]:
    """The events still waiting for an account's external id, oldest first."""
    return [
        {"provider": e.provider, "event_id": e.event_id, "received_at": e.received_at.isoformat(),
         "waits_for": f"{ID_COLUMNS.get(e.provider, 'id')} {e.external_id}",
         "external_id": e.external_id, "what": _summary(e)}
        for e in store.waiting(session)
    ]  # fmt: skip


def _summary(event: IntegrationEvent) -> str:
    return SUMMARIES[event.provider](event.body) if event.provider in SUMMARIES else "?"


def status(session: Session) -> dict[str, Any]:
    """Per provider: when its last event came, its events by state, how many wait unmatched,
    how many answered events wait to be applied and since when; for HubSpot also the notes
    pushed, waiting and failed for good."""
    counts = store.counts_by_state(session)
    last = store.last_received(session)
    oldest = store.oldest_received(session)
    providers = sorted(set(ID_COLUMNS) | set(last))
    notes = deliveries.counts_by_state_of_method(session, method=deliveries.NOTE_METHOD)
    report = []
    for p in providers:
        row: dict[str, Any] = {
            "provider": p, "last_event_at": last[p].isoformat() if p in last else None,
            "by_state": {s: n for (q, s), n in sorted(counts.items()) if q == p},
            "unmatched": counts.get((p, "unmatched"), 0),
            "received": counts.get((p, store.RECEIVED), 0),
            "oldest_received_at": oldest[p].isoformat() if p in oldest else None,
        }  # fmt: skip
        if p == hubspot.HUBSPOT:
            row["pending"] = counts.get((p, "pending"), 0)
            row["notes"] = notes
            row["failed_notes"] = [
                {"id": d.id, "company": d.channel.removeprefix(deliveries.NOTE_CHANNEL),
                 "error": d.last_error}
                for d in deliveries.of_state(session, ["failed"])
                if d.method == deliveries.NOTE_METHOD
            ]  # fmt: skip
        report.append(row)
    return {"providers": report}
