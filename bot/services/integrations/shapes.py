"""What a provider's body must look like before anything is stored: Segment's events, Intercom's
notifications and HubSpot's event arrays, and the ids and times in them. A signed body of any
other shape is `BadPayload` (answered 400, nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_ID = 200
TICKET_TOPICS = frozenset({"ticket.created", "conversation.user.created"})
HUBSPOT_MAX_EVENTS = 100  # HubSpot sends at most 100 events per request


class BadPayload(ValueError):
    """A signed body that is not what the provider sends: answered 400."""


def event_id(value: Any, name: str) -> str:
    """A provider's id: non-empty text or a number, at most MAX_ID characters."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise BadPayload(f"`{name}` must be a non-empty string")
    if len(str(value)) > MAX_ID:
        raise BadPayload(f"`{name}` is over {MAX_ID} characters")
    return str(value).strip()


def timestamp(value: Any, name: str) -> datetime:
    """ISO 8601 text (UTC without a zone) or Unix seconds, as an aware UTC datetime."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadPayload(f"`{name}` must be an ISO 8601 time or Unix seconds")


def milliseconds(value: Any, name: str) -> datetime:
    """Unix milliseconds (HubSpot's `occurredAt`) as an aware UTC datetime."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            pass
    raise BadPayload(f"`{name}` must be Unix milliseconds")


def segment_events(payload: Any) -> list[dict[str, Any]]:
    """The events of a Segment delivery (one event, or `{"batch": [...]}`), each an object with
    a `messageId` and a `type`; a `track` also needs its `event` name and an ISO `timestamp`."""
    if not isinstance(payload, dict):
        raise BadPayload('the body must be a JSON object: one event or {"batch": [...]}')
    events = payload.get("batch", [payload])
    if not isinstance(events, list) or not events:
        raise BadPayload("`batch` must be a non-empty list of events")
    for i, event in enumerate(events):
        where = f"event {i}" if "batch" in payload else "the event"
        if not isinstance(event, dict):
            raise BadPayload(f"{where} is not a JSON object")
        try:
            event_id(event.get("messageId"), "messageId")
            if not isinstance(event.get("type"), str):
                raise BadPayload('`type` must be a string like "track"')
            if event["type"] == "track":
                if not isinstance(event.get("event"), str):
                    raise BadPayload("a track event needs its `event` name")
                timestamp(event.get("timestamp"), "timestamp")
        except BadPayload as error:
            raise BadPayload(f"{where}: {error}") from None
    return events


def intercom_notification(payload: Any) -> dict[str, Any]:
    """An Intercom webhook notification: `type` notification_event, an `id`, a `topic`, and for
    a ticket topic `data.item` with an `id` and `created_at`."""
    if not isinstance(payload, dict) or payload.get("type") != "notification_event":
        raise BadPayload("the body must be an Intercom notification_event object")
    event_id(payload.get("id"), "id")
    if not isinstance(payload.get("topic"), str):
        raise BadPayload('`topic` must be a string like "ticket.created"')
    if payload["topic"] in TICKET_TOPICS:
        item = (payload.get("data") or {}).get("item") if isinstance(payload.get("data"), dict) \
            else None  # fmt: skip
        if not isinstance(item, dict):
            raise BadPayload("`data.item` must be an object")
        event_id(item.get("id"), "data.item.id")
        timestamp(item.get("created_at"), "data.item.created_at")
    return payload


def hubspot_events(payload: Any) -> list[dict[str, Any]]:
    """HubSpot's webhook body: a non-empty JSON array of events, each with an `eventId`, a
    `subscriptionType`, an `objectId` and `occurredAt` (Unix ms); a `*.propertyChange` also
    names its `propertyName`."""
    if not isinstance(payload, list) or not payload:
        raise BadPayload("the body must be a non-empty JSON array of HubSpot events")
    if len(payload) > HUBSPOT_MAX_EVENTS:
        raise BadPayload(f"more than {HUBSPOT_MAX_EVENTS} events in one request")
    for i, event in enumerate(payload):
        try:
            if not isinstance(event, dict):
                raise BadPayload("not a JSON object")
            event_id(event.get("eventId"), "eventId")
            if not isinstance(event.get("subscriptionType"), str):
                raise BadPayload('`subscriptionType` must be a string like "company.creation"')
            event_id(event.get("objectId"), "objectId")
            milliseconds(event.get("occurredAt"), "occurredAt")
            if event["subscriptionType"].endswith(".propertyChange") and not isinstance(
                event.get("propertyName"), str
            ):
                raise BadPayload("a propertyChange needs its `propertyName`")
        except BadPayload as error:
            raise BadPayload(f"event {i}: {error}") from None
    return payload
