"""A private note to someone that belongs to no change: the answer to a request that has no
response URL (a modal submission, an App Home button), such as a refusal.

It is a direct message like any other the product sends, so it goes through the outbox, in a
transaction of its own (the request's own change was committed or rolled back already).
"""

from __future__ import annotations

import uuid

from bot.services.backend import Backend
from bot.store import deliveries


def tell(backend: Backend, user: str, text: str) -> None:
    with backend.change(None) as session:
        deliveries.enqueue(
            session, key=f"notice:{user}:{uuid.uuid4().hex}", method="message", channel=user,
            payload={"text": text}, now=backend.now(),
        )  # fmt: skip
