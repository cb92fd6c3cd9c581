"""Segment `track` events → readings, by the event's name (`integrations.segment.events`); the
account is `context.groupId`, else `properties.groupId`; the event's `timestamp` is the
reading's time, so out-of-order deliveries end at the latest event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services.integrations.recording import Applied, record
from bot.services.integrations.shapes import timestamp
from bot.services.weights import rules_in_force
from bot.store import integrations as store
from scoring.signals import Value

SEGMENT = "segment"
ID_COLUMN = "segment_group_id"


def apply_segment(
    session: Session, config: Config, body: Mapping[str, Any], *, now: datetime
) -> Applied:
    if body.get("type") != "track":
        return "ignored", None, None, f"a `{body.get('type')}` event sets no signal"
    name = body["event"]
    mapping = config.integrations.segment.events.get(name)
    if mapping is None:
        return "ignored", None, None, f"`{name}` is not in integrations.segment.events"
    external = group_id(body)
    if external is None:
        return "ignored", None, None, "no context.groupId or properties.groupId"
    account = store.account_by_external_id(session, column=ID_COLUMN, value=external)
    if account is None:
        return "unmatched", None, external, None
    signal = rules_in_force(session, config).taxonomy.resolve(mapping.signal)
    at = min(timestamp(body["timestamp"], "timestamp"), now)  # never true from the future
    record(session, config, account, [(signal, Value(mapping.value))], at=at, now=now,
           source=SEGMENT)  # fmt: skip
    return "applied", account, external, None


def group_id(body: Mapping[str, Any]) -> str | None:
    for part in ("context", "properties"):
        section = body.get(part)
        if isinstance(section, dict) and section.get("groupId") not in (None, ""):
            return str(section["groupId"])
    return None


def summary(body: Mapping[str, Any]) -> str:
    return f"track `{body.get('event')}`"
