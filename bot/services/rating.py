"""Rating signals as a person does it: the policy, the readings, the rescue they trigger and its
thread messages, in one transaction; returns what the person sees next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services import portfolio, rescue_thread, rescues
from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize
from bot.services.readings import Recorded
from bot.services.rescues import Opened
from bot.services.weights import rules_in_force
from bot.store import rescues as rescue_rows
from bot.store.tables import Account
from scoring.errors import DomainError
from scoring.scorecard import Scorecard
from scoring.signals import Signal, Value


@dataclass(frozen=True)
class Rated:
    account: Account
    recorded: Recorded
    opened: Opened | None
    card: Scorecard


def rate(
    backend: Backend,
    ask: Ask,
    account: Account,
    ratings: Sequence[tuple[Signal, Value]],
    *,
    note: str | None,
    source: str,
) -> Rated:
    """Record `ratings` of `account` by the person asking; a trigger opens (or adds to) its
    rescue, whose messages are queued with the readings."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        stored = session.get(Account, account.id)
        if stored is None:
            raise DomainError("that account no longer exists")
        rescue = rescue_rows.open_rescue(session, account_id=stored.id)
        authorize(ask.actor, Action.RATE, account=stored,
                  rescue_owner=rescue.owner if rescue else None)  # fmt: skip
        recorded, opened = rescues.record_and_rescue(
            session, backend.config, account=stored, ratings=ratings, author=ask.user,
            note=note, source=source, now=now, channel=ask.channel,
        )  # fmt: skip
        if opened is not None:
            rescue_thread.announce(session, backend.config, opened, now=now, fallback=ask.channel)
        if recorded.closed is not None:
            rescue_thread.closed_by_correction(
                session, backend.config, recorded.closed, corrected_by=ask.user, now=now
            )
        # What recording computed already, with the override in force: no second history read.
        rules = rules_in_force(session, backend.config)
        card = portfolio.with_override(session, stored, recorded.after, rules)
        return Rated(stored, recorded, opened, card)
