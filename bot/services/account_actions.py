"""Account use cases as people start them in Slack: add, set, outcome, status override, the
hand-off checklist, Claim.

Each opens its own transaction (applying a Slack request at most once), reads the account
inside it, asks the policy (`bot.services.policy`) before changing anything, changes it through
`bot.services.accounts` / `bot.services.overrides`, and queues the Slack messages the change
causes to the outbox before it commits. What it returns is what the person should be told.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.messages.blocks import as_dicts, standup_item_blocks
from bot.messages.ids import standup_block_id
from bot.messages.models import OverrideChange
from bot.messages.text import escape_mrkdwn, mention
from bot.services import accounts, integrations, overrides, portfolio, rescue_thread
from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize, require_assignable, require_member
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import deliveries
from bot.store import integrations as integration_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account
from scoring.errors import DomainError
from scoring.rules import Status
from scoring.standup import StandupItem

# What each `/onboard set` option changes, as a row of the policy's table. Anything else (the
# follow-up, the channel, the users, external ids) is the follow-up's; the hand-off answers
# are the checklist's.
SET_ACTIONS: dict[str, Action] = {
    "name": Action.EDIT_ACCOUNT,
    "segment": Action.EDIT_ACCOUNT,
    "signed": Action.EDIT_ACCOUNT,
    "arr": Action.EDIT_ACCOUNT,
    "problem": Action.RATE,
    "timeline": Action.RATE,
    "dependencies": Action.RATE,
    "decision": Action.RATE,
}


def _stored(session: Session, account: Account) -> Account:
    stored = session.get(Account, account.id)
    if stored is None:
        raise DomainError(f"{account.name} no longer exists")
    return stored


def _rescue_owner(session: Session, account: Account) -> str | None:
    rescue = rescue_rows.open_rescue(session, account_id=account.id)
    return rescue.owner if rescue is not None else None


def require(backend: Backend, ask: Ask, account: Account, action: Action) -> None:
    """Before a modal opens: refuse at the click, not once the person has filled it in."""
    with backend.session() as session:
        stored = _stored(session, account)
        authorize(ask.actor, action, account=stored, rescue_owner=_rescue_owner(session, stored))


def add(backend: Backend, ask: Ask, *, name: str, options: Mapping[str, str]) -> Account:
    """`/onboard add`: a new account, by CSMs and admins; a `csm:` given must be assignable."""
    authorize(ask.actor, Action.ADD_ACCOUNT)
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = accounts.add_account(
            session, name=name, options=options, actor=ask.user, now=backend.now()
        )
        if account.csm and "csm" in options:
            require_member(ask, account.csm, role="the CSM")
            require_assignable(ask.actor, account.csm, role="the CSM", account=account)
        return account


@dataclass(frozen=True)
class Edited:
    account: Account
    changed: dict[str, tuple[Any, Any]]


def actions_to_set(options: Mapping[str, str], new_csm: str | None) -> set[Action]:
    """The rows of the policy a `/onboard set` needs: every kind of option it mixes. Handing
    the account to someone is the CSM's right too; clearing the CSM is an admin's."""
    needed = {SET_ACTIONS.get(key, Action.EDIT_FOLLOW_UP) for key in options if key != "csm"}
    if "csm" in options:
        needed.add(Action.HAND_OVER if new_csm else Action.EDIT_ACCOUNT)
    return needed


def edit(backend: Backend, ask: Ask, account: Account, options: Mapping[str, str]) -> Edited:
    """`/onboard set`: refused unless the person may change every kind of thing it sets."""
    values = accounts.parse_options(options, allowed=frozenset(accounts.EDITABLE))
    new_csm = values.get("csm")
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = _stored(session, account)
        rescue_owner = _rescue_owner(session, account)
        for action in sorted(actions_to_set(options, new_csm)):
            authorize(ask.actor, action, account=account, rescue_owner=rescue_owner)
        if new_csm and new_csm != account.csm:
            require_member(ask, new_csm, role="the CSM")
            require_assignable(ask.actor, new_csm, role="the CSM", account=account)
        owner = values.get("followup_owner")
        if owner and owner != account.followup_owner:
            require_member(ask, owner, role="the follow-up's owner")
        changed = accounts.edit_account(
            session, account=account, options=options, actor=ask.user, now=backend.now()
        )
        if set(changed) & set(integration_rows.EXTERNAL_IDS):  # events waiting for the id
            integrations.apply_waiting(session, backend.config, account, now=backend.now())
        return Edited(account, changed)


def record_outcome(
    backend: Backend, ask: Ask, account: Account, *, outcome: str, on: date | None
) -> Account:
    """`/onboard outcome`: how onboarding ended, by the account's CSM or an admin."""
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = _stored(session, account)
        authorize(ask.actor, Action.RECORD_OUTCOME, account=account)
        return accounts.record_outcome(
            session, account=account, outcome=outcome, on=on, actor=ask.user,
            now=backend.now(), today=backend.today(),
        )  # fmt: skip


def override(
    backend: Backend, ask: Ask, account: Account, *, status: Status | None, reason: str | None
) -> OverrideChange:
    """Override the account's status (or clear the override, when `status` is None)."""
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = _stored(session, account)
        authorize(ask.actor, Action.RECORD_OUTCOME, account=account)
        if status is None:
            return overrides.clear_override(
                session, backend.config, account=account, actor=ask.user, now=backend.now()
            )
        return overrides.set_override(
            session, backend.config, account=account, status=status, reason=reason,
            author=ask.user, now=backend.now(),
        )  # fmt: skip


@dataclass(frozen=True)
class Handoff:
    account: Account
    missing: list[str]


def save_handoff(backend: Backend, ask: Ask, key: str, answers: Mapping[str, str]) -> Handoff:
    """The hand-off checklist: by anyone who may rate the account."""
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = portfolio.find_account(session, key)
        authorize(ask.actor, Action.RATE, account=account,
                  rescue_owner=_rescue_owner(session, account))  # fmt: skip
        missing = accounts.save_handoff(
            session, account=account, answers=answers, actor=ask.user, now=backend.now()
        )
        return Handoff(account, missing)


@dataclass(frozen=True)
class StandupMessage:
    """The standup message a Claim was clicked on, to edit its line."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Claimed:
    account: Account
    changed: bool
    item: StandupItem | None


def claim(backend: Backend, ask: Ask, key: str, *, message: StandupMessage | None) -> Claimed:
    """Claim: the person becomes the follow-up's owner and the open rescue's. Whoever owned
    them before is told; the standup line clicked is edited to show the new owner."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = portfolio.find_account(session, key)
        authorize(ask.actor, Action.CLAIM, account=account)
        account_rows.lock(session, account_id=account.id)
        session.refresh(account)
        rescue = rescue_rows.open_rescue(session, account_id=account.id)
        before = {account.followup_owner, rescue.owner if rescue else None}
        changed = accounts.claim(session, account=account, user=ask.user, now=now)
        if changed:
            _tell_claimed(session, ask, account, before, now=now)
            if rescue is not None:
                rescue_thread.reply(
                    session, rescue, f":raising_hand: {mention(ask.user)} claimed this rescue.",
                    now=now,
                )  # fmt: skip
                rescue_thread.refresh(session, backend.config, rescue, now=now)
        items = portfolio.load_portfolio(
            session, rules_in_force(session, backend.config), as_of=backend.today(),
            only=portfolio.with_keys({account.key}),
        ).standup()  # fmt: skip
        item = items[0] if items else None
        if item is not None and message is not None and message.blocks:
            deliveries.enqueue(
                session, key=f"claim:{account.id}:{uuid.uuid4().hex}", method="update",
                channel=message.channel,
                payload={"text": message.text or "Standup", "ts": message.ts,
                         "blocks": _with_item(message.blocks, account.key, item)},
                now=now,
            )  # fmt: skip
        return Claimed(account, changed, item)


def _tell_claimed(
    session: Session, ask: Ask, account: Account, before: set[str | None], *, now: datetime
) -> None:
    text = f"{mention(ask.user)} claimed the follow-up of *{escape_mrkdwn(account.name)}* from you."
    for user in sorted(u for u in before if u and u != ask.user):
        rescue_thread.dm(session, user, text, now=now)


def _with_item(blocks: list[dict[str, Any]], key: str, item: StandupItem) -> list[dict[str, Any]]:
    """The message's blocks with one account's line (section + context) re-rendered."""
    block_id = standup_block_id(key)
    for i, block in enumerate(blocks):
        if block.get("block_id") == block_id:
            return [*blocks[:i], *as_dicts(standup_item_blocks(item)), *blocks[i + 2 :]]
    return blocks
