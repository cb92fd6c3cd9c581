"""`/standup` in a channel: the ranked list, queued to the outbox as one message and, past a
page, its continuation in the message's thread (each page waits for the first)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.messages import blocks as ui
from bot.services import portfolio
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.services.weights import rules_in_force
from bot.store import deliveries
from bot.store.tables import Account, Rescue

Only = Callable[[Account, Rescue | None], bool] | None


@dataclass(frozen=True)
class Queued:
    accounts: int
    pages: int


def post_standup(backend: Backend, ask: Ask, *, channel: str, only: Only, scope: str) -> Queued:
    """Queue the standup of the accounts `only` lets through for `channel`; a Slack retry of
    the same command queues nothing more."""
    today = backend.today()
    with backend.session() as session:
        items = portfolio.load_portfolio(
            session, rules_in_force(session, backend.config), as_of=today, only=only
        ).standup()
    pages = ui.standup_pages(items, as_of=today, scope=scope)
    now = backend.now()
    key = f"standup:{ask.key or uuid.uuid4().hex}"
    with backend.change(ask.key, rules=ask.known_rules) as session:
        first = deliveries.enqueue(
            session, key=key, method="message", channel=channel,
            payload={"text": f"Standup: {len(items)} accounts need help this week",
                     "blocks": ui.as_dicts(pages[0])},
            now=now,
        )  # fmt: skip
        for number, page in enumerate(pages[1:], start=2):
            deliveries.enqueue(
                session, key=f"{key}:page:{number}", method="message", channel=channel,
                payload={"text": "Standup, continued", "blocks": ui.as_dicts(page)},
                now=now, parent=first,
            )  # fmt: skip
    return Queued(len(items), len(pages))
