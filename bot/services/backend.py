"""What every use case needs: the config in force, the database, the clock, and the outbox bell.

A write transaction that queued deliveries rings `outbox_bell` once it commits, so this
process's courier sends them at once instead of at its next idle look. Before it commits, it
keeps the current state of every account it changed (`current_state.keep`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from bot.services import current_state
from bot.services.in_force import RULES_IN_FORCE, rules_in_force
from bot.store import standups
from bot.store.db import session_scope
from bot.store.deliveries import HUBSPOT_NOTES, QUEUED
from bot.store.events import CHANGED_ACCOUNTS
from bot.store.requests import claim_request
from scoring.rules import Rules


class AlreadyHandled(Exception):
    """This Slack request (a retry or replay) was applied before; nothing more to do."""


@dataclass(frozen=True)
class Backend:
    config: Config
    engine: Engine
    clock: Callable[[], datetime]
    outbox_bell: threading.Event = field(default_factory=threading.Event, compare=False)
    # HUBSPOT_TOKEN is set: rescues and plans of accounts with a hubspot_id are noted there.
    hubspot_notes: bool = False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only transaction: for lookups and rendering, never for changes."""
        with session_scope(self.engine, read_only=True) as session:
            yield session

    @contextmanager
    def change(self, request_key: str | None, *, rules: Rules | None = None) -> Iterator[Session]:
        """A write transaction that applies a given Slack request at most once. `rules`, the
        rules in force the request already loaded, serve the transaction too."""
        with session_scope(self.engine) as session:
            session.info[HUBSPOT_NOTES] = self.hubspot_notes
            if rules is not None:
                session.info[RULES_IN_FORCE] = (self.config, rules)
            if request_key and not claim_request(session, key=request_key, at=self.now()):
                raise AlreadyHandled(request_key)
            yield session
            # Last before the commit, so the kept states see every change the use case made.
            current_state.keep(
                session, lambda: rules_in_force(session, self.config), today=self.today(),
                now=self.now(),
            )  # fmt: skip
            # Every live standup listing an account this transaction changed gets its edit.
            standups.changed(session, session.info.get(CHANGED_ACCOUNTS, ()), now=self.now())
            queued = bool(session.info.get(QUEUED))
        if queued:  # only then: each wake has the courier look for due deliveries
            self.outbox_bell.set()

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.config.rules.team_timezone).date()
