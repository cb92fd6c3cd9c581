"""Overriding an account's status by hand: set one (replacing the one in force) or clear it.

The override is stored beside the computed status, never instead of it; each change goes on the
account's timeline with the computed status and score it was set against. Changes to one
account's override take turns under the account's lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.messages.models import OverrideChange
from bot.services import portfolio
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import overrides as override_rows
from bot.store.tables import Account, StatusOverride
from scoring.errors import DomainError
from scoring.overrides import clean_reason
from scoring.rules import Status
from scoring.scorecard import Scorecard


def set_override(
    session: Session,
    config: Config,
    *,
    account: Account,
    status: Status,
    reason: str | None,
    author: str,
    now: datetime,
) -> OverrideChange:
    """Override the account's status with a reason; the override in force, if any, is cleared."""
    text = clean_reason(reason)
    assert account.id is not None
    account_rows.lock(session, account_id=account.id)
    replaced = override_rows.current_override(session, account_id=account.id)
    if replaced is not None:
        override_rows.clear(session, row=replaced, by=author, at=now)
    row = override_rows.add_override(
        session, account_id=account.id, status=status, reason=text, author=author, at=now
    )
    card = _card(session, config, account, now)
    events.record_event(
        session, account_id=account.id, kind="status_overridden", actor=author, at=now,
        payload={"status": status.value, "reason": text, "computed_status": card.status.value,
                 "computed_score": card.score, "weights_version": card.weights_version,
                 "replaced": _summary(replaced)},
    )  # fmt: skip
    return OverrideChange(row, replaced, card)


def clear_override(
    session: Session, config: Config, *, account: Account, actor: str, now: datetime
) -> OverrideChange:
    """End the override in force: the computed status stands alone again."""
    assert account.id is not None
    account_rows.lock(session, account_id=account.id)
    row = override_rows.current_override(session, account_id=account.id)
    if row is None:
        raise DomainError(f"{account.name} has no status override to clear")
    override_rows.clear(session, row=row, by=actor, at=now)
    card = _card(session, config, account, now)
    events.record_event(
        session, account_id=account.id, kind="status_override_cleared", actor=actor, at=now,
        payload={"cleared": _summary(row), "computed_status": card.status.value,
                 "computed_score": card.score, "weights_version": card.weights_version},
    )  # fmt: skip
    return OverrideChange(row, None, card)


def _card(session: Session, config: Config, account: Account, now: datetime) -> Scorecard:
    rules = rules_in_force(session, config)
    return portfolio.scorecard(
        session, account, rules, as_of=now.astimezone(rules.team_timezone).date()
    )


def _summary(row: StatusOverride | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {"status": row.status, "reason": row.reason, "author": row.author,
            "set_at": row.created_at.isoformat()}  # fmt: skip
