"""Account use cases as people start them in Slack: add, set, outcome, status override, the
hand-off checklist, Claim and Unclaim.

Each opens its own transaction (applying a Slack request at most once), reads the account
inside it, asks the policy (`bot.services.policy`) before changing anything, changes it through
`bot.services.accounts` / `bot.services.overrides`, and queues the Slack messages the change
causes to the outbox before it commits. What it returns is what the person should be told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.messages.models import OverrideChange
from bot.messages.text import escape_mrkdwn, mention
from bot.services import accounts, integrations, overrides, portfolio, rescue_thread
from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize, require_assignable, require_member
from bot.store import accounts as account_rows
from bot.store import integrations as integration_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account
from scoring.errors import DomainError
from scoring.rules import Status

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
class Claimed:
    """What a Claim did. `confirm` is the owner who took the follow-up since the line was
    shown: nothing changed, the person is asked to confirm taking it from them."""

    account: Account
    changed: bool
    confirm: str | None = None


def claim(
    backend: Backend, ask: Ask, key: str, *, shown: str | None = None, checked: bool = False
) -> Claimed:
    """Claim: the person becomes the follow-up's owner and the open rescue's; whoever owned
    them before is told. `checked`: the click says which owner its line showed (`shown`, None
    for nobody but the CSM by default); if someone else owns it now, nothing changes and the
    person is asked to confirm, so two simultaneous claims leave one owner, the first."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = portfolio.find_account(session, key)
        authorize(ask.actor, Action.CLAIM, account=account)
        account_rows.lock(session, account_id=account.id)
        session.refresh(account)
        rescue = rescue_rows.open_rescue(session, account_id=account.id)
        current = account.followup_owner or (rescue.owner if rescue else None)
        if checked and current not in (None, ask.user, shown):
            return Claimed(account, False, confirm=current)
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
        return Claimed(account, changed)


def _tell_claimed(
    session: Session, ask: Ask, account: Account, before: set[str | None], *, now: datetime
) -> None:
    text = f"{mention(ask.user)} claimed the follow-up of *{escape_mrkdwn(account.name)}* from you."
    for user in sorted(u for u in before if u and u != ask.user):
        rescue_thread.dm(session, user, text, now=now)


@dataclass(frozen=True)
class Unclaimed:
    account: Account
    owner: str | None  # who the follow-up falls back to: the open rescue's owner, else the CSM


def unclaim(backend: Backend, ask: Ask, key: str) -> Unclaimed:
    """Unclaim, by the follow-up's owner: it falls back to the default (the open rescue's owner,
    else the CSM); a rescue the person owned goes back to the CSM, who is told."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = portfolio.find_account(session, key)
        account_rows.lock(session, account_id=account.id)
        session.refresh(account)
        authorize(ask.actor, Action.UNCLAIM, account=account,
                  rescue_owner=_rescue_owner(session, account))  # fmt: skip
        rescue = accounts.unclaim(session, account=account, user=ask.user, now=now)
        if rescue is not None:
            rescue_thread.reply(
                session, rescue,
                f":wave: {mention(ask.user)} unclaimed this rescue; {mention(rescue.owner)} "
                "owns it again.",
                now=now,
            )  # fmt: skip
            rescue_thread.refresh(session, backend.config, rescue, now=now)
        open_rescue = rescue_rows.open_rescue(session, account_id=account.id)
        owner = open_rescue.owner if open_rescue else account.csm
        if owner and owner != ask.user:
            rescue_thread.dm(
                session, owner,
                f"{mention(ask.user)} unclaimed the follow-up of *{escape_mrkdwn(account.name)}*; "
                "it falls back to you.",
                now=now,
            )  # fmt: skip
        return Unclaimed(account, owner)
