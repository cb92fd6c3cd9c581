"""A reading from an integration, recorded through the same rules as a Slack rating: the rescue
it opens is announced, a rescue it closes is said so in its thread (all queued to the outbox in
the caller's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services import rescue_thread, rescues
from bot.store.tables import Account

# What applying an event did: its state, the account, the external id it names, and why (when
# ignored or failed).
Applied = tuple[str, Account | None, str | None, str | None]


def record(
    session: Session, config: Config, account: Account, ratings: list[Any], *, at: datetime,
    now: datetime, source: str,
) -> None:  # fmt: skip
    """Readings through the same rules as a Slack rating; the rescue they open is announced."""
    recorded, opened = rescues.record_and_rescue(
        session, config, account=account, ratings=ratings, author=source, note=None,
        source=source, now=now, channel=None, recorded_at=at,
    )  # fmt: skip
    if opened is not None:
        rescue_thread.announce(session, config, opened, now=now, fallback=None)
    if recorded.closed is not None:
        rescue_thread.closed_by_correction(
            session, config, recorded.closed, corrected_by=source, now=now
        )
