"""Local stand-ins for Segment's and Intercom's webhook senders: they sign exactly as the
providers document it and POST to the real server.

- Segment (webhook destination, "Shared Secret"): `X-Signature` is the hex HMAC-SHA1 of the raw
  body keyed with the shared secret. Events are Segment's spec (`type`, `messageId`, `event`,
  `timestamp`, `context.groupId`/`properties.groupId`), one per request or `{"batch": [...]}`.
- Intercom (webhooks): `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body keyed with the
  app's client secret>`; the body is a `notification_event` (`id`, `topic`, `created_at`,
  `data.item`). Times are Unix seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any

SEGMENT_SECRET = "segment-shared-secret"
INTERCOM_SECRET = "intercom-client-secret"
_ids = count(1)


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Answer(answer.status, answer.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


class Segment:
    """Segment's webhook destination, pointed at `{server}/integrations/segment`."""

    def __init__(self, server: str, secret: str = SEGMENT_SECRET) -> None:
        self.url = f"{server}/integrations/segment"
        self.secret = secret

    @staticmethod
    def track(name: str, group: str, at: datetime, *, message_id: str | None = None,
              in_properties: bool = False) -> dict[str, Any]:  # fmt: skip
        event: dict[str, Any] = {
            "type": "track", "event": name, "messageId": message_id or f"msg-{next(_ids)}",
            "userId": "user-1", "timestamp": at.isoformat().replace("+00:00", "Z"),
            "properties": {}, "context": {"library": {"name": "analytics.js"}},
        }  # fmt: skip
        (event["properties"] if in_properties else event["context"])["groupId"] = group
        return event

    def send(self, payload: Any, *, raw: bytes | None = None, signature: str | None = None,
             ) -> Answer:  # fmt: skip
        body = raw if raw is not None else json.dumps(payload).encode()
        signature = sign(self.secret, body) if signature is None else signature
        return post(self.url, body, {"X-Signature": signature} if signature else {})


class Intercom:
    """Intercom's webhooks, pointed at `{server}/integrations/intercom`."""

    def __init__(self, server: str, secret: str = INTERCOM_SECRET) -> None:
        self.url = f"{server}/integrations/intercom"
        self.secret = secret

    @staticmethod
    def notification(topic: str, item: dict[str, Any], *, id_: str | None = None) -> dict[str, Any]:
        return {"type": "notification_event", "app_id": "app1", "id": id_ or f"notif_{next(_ids)}",
                "topic": topic, "created_at": 1_764_000_000, "delivery_attempts": 1,
                "data": {"type": "notification_event_data", "item": item}}  # fmt: skip

    @staticmethod
    def ticket(ticket_id: str, company: str, at: datetime) -> dict[str, Any]:
        return {"type": "ticket", "id": ticket_id, "company_id": company,
                "created_at": int(at.timestamp())}  # fmt: skip

    def send(self, payload: Any, *, raw: bytes | None = None, signature: str | None = None,
             ) -> Answer:  # fmt: skip
        body = raw if raw is not None else json.dumps(payload).encode()
        header = f"sha1={sign(self.secret, body)}" if signature is None else signature
        return post(self.url, body, {"X-Hub-Signature": header} if header else {})
