"""`/standup` in a channel: the focus (the accounts needing a decision today) queued to the
outbox as one message, the rest counted in it and listed in its thread (each reply waits for the
first message). The standup is recorded as live for its channel and scope (`bot.store.standups`):
later changes of its accounts edit it, and it supersedes the one posted there before."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.messages import blocks as ui
from bot.messages.wording import noun, plural
from bot.services import portfolio
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.services.weights import rules_in_force
from bot.store import deliveries, standups
from bot.store.tables import Account, Rescue
from scoring.standup import focus

Only = Callable[[Account, Rescue | None], bool] | None


@dataclass(frozen=True)
class Queued:
    accounts: int
    focus: int
    pages: int


def post_standup(backend: Backend, ask: Ask, *, channel: str, only: Only, scope: str) -> Queued:
    """Queue the standup of the accounts `only` lets through for `channel` (`scope` says which,
    as the header reads: "" or "for <@U…> "); a Slack retry of the same command queues nothing
    more."""
    today = backend.today()
    with backend.session() as session:
        loaded = portfolio.load_portfolio(
            session, rules_in_force(session, backend.config), as_of=today, only=only
        )
    split = focus(loaded.standup(), limit=backend.config.standup.focus_limit)
    first_page = ui.focus_message(split, as_of=today, scope=scope)
    thread = ui.thread_pages(split, ask.directory.display_name)
    now = backend.now()
    key = f"standup:{ask.key or uuid.uuid4().hex}"
    with backend.change(ask.key, rules=ask.known_rules) as session:
        first = deliveries.enqueue(
            session, key=key, method="message", channel=channel,
            payload={"text": f"Standup: {plural(len(split.shown), 'account')} "
                     f"{noun(len(split.shown), 'needs', 'need')} a decision today",
                     "blocks": ui.as_dicts(first_page)},
            now=now,
        )  # fmt: skip
        for number, page in enumerate(thread, start=2):
            deliveries.enqueue(
                session, key=f"{key}:page:{number}", method="message", channel=channel,
                payload={"text": "Standup, the rest", "blocks": ui.as_dicts(page)},
                now=now, parent=first,
            )  # fmt: skip
        ids = {a.key: a.id for a in loaded.accounts.values()}
        standups.record(
            session, channel=channel, scope=scope.strip(), scope_label=scope, delivery=first,
            accounts=[(ids[i.account], i.account) for i in (*split.shown, *split.rest)],
            focus_count=len(split.shown), posted_by=ask.user, now=now,
        )  # fmt: skip
    return Queued(len(split.items), len(split.shown), 1 + len(thread))
