"""The HubSpot sender: the outbox's `hubspot_note` deliveries written to a company as notes
(CRM v3 `POST /crm/v3/objects/notes`, associated with the company, type 190). Slack's writes
stay in `gateway.py`; this is the courier's other sender.

Exactly once: each note's body ends with `[rescuebot:<delivery id>]`. A delivery whose earlier
attempt may have reached HubSpot (`uncertain_since`: a timeout, a dropped connection, a 5xx, a
sender killed mid-send) is first looked for among the company's notes, read through its
associations rather than HubSpot's search (whose index lags behind a note just written);
found, it is delivered with that note's id instead of being written again. HubSpot's answers
become the same `Answer`s as Slack's, so the courier's retry policy (backoff forever for
transient trouble, 429 paused, refusals failed for good and shown by `doctor`) applies
unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.policy import Answer, Outcome
from bot.hubspot.api import Hubspot, HubspotError
from bot.store.deliveries import NOTE_METHOD
from bot.store.tables import Delivery

__all__ = ["NOTE_METHOD", "HubspotSender", "answer_for", "marker"]


def marker(delivery: Delivery) -> str:
    return f"[rescuebot:{delivery.id}]"


class HubspotSender:
    """Sends `hubspot_note` deliveries through one API client (shared by the courier's threads;
    httpx's client is thread-safe)."""

    def __init__(self, api: Hubspot) -> None:
        self.api = api

    def send(self, delivery: Delivery) -> Answer:
        payload = delivery.payload
        company, at = str(payload["company_id"]), datetime.fromisoformat(payload["at"])
        stamp = marker(delivery)
        if delivery.uncertain_since is not None:
            try:
                found = self.api.find_note(company, stamp)
            except HubspotError as error:
                answer = answer_for(error)
                if answer.outcome is Outcome.UNKNOWN:  # a search writes nothing: look again later
                    return Answer(Outcome.NOT_SENT, error=answer.error)
                if answer.outcome is Outcome.REFUSED:
                    return Answer(Outcome.REFUSED, error=f"cannot search HubSpot's notes: {error}")
                return answer
            if found is not None:
                return Answer(Outcome.ACCEPTED, ts=found, found=True)
        try:
            note = self.api.create_note(company, f"{payload['body']}<p>{stamp}</p>", at)
        except HubspotError as error:
            return answer_for(error)
        return Answer(Outcome.ACCEPTED, ts=note)


def answer_for(error: HubspotError) -> Answer:
    """What a failed HubSpot call means for the delivery."""
    if error.retry_after is not None:
        return Answer(
            Outcome.RATE_LIMITED, error=str(error), retry_after=timedelta(seconds=error.retry_after)
        )
    if not error.transient:
        return Answer(Outcome.REFUSED, error=str(error))
    return Answer(Outcome.UNKNOWN if error.maybe_done else Outcome.NOT_SENT, error=str(error))
