"""Who may do what: the one authorisation policy every use case asks before it changes anything.

PRODUCT.md's "Who may do what" table, row by row, as `Action`s. Slack listeners, the App Home
and scheduled work all reach the same use cases, and every use case asks `authorize` here, so
the rules cannot differ between surfaces. A refusal raises `NotAllowed` with text that says who
may do it, and is logged (actor, action, account) for the audit trail of attempts.

Roles come from the config's `roles:` and `escalation:` sections, user groups resolved through a
`Directory` (Slack's `usergroups.users.list`, cached by its implementation). The command line is
an operator's tool with shell access to the database: an `Actor.operator()` may do everything.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from bot.config import Config
from bot.store.tables import Account, Escalation, Rescue
from scoring.errors import DomainError
from scoring.escalation import NotAllowed
from scoring.rules import Rules

log = logging.getLogger("rescuebot.policy")


class Action(StrEnum):
    """Each row of the table, named by what the person does."""

    RATE = "rate"  # rate a signal, add a note, the hand-off checklist, open a rescue
    ADD_ACCOUNT = "add an account"
    EDIT_ACCOUNT = "change the account's name, segment, signature date, ARR or CSM"
    HAND_OVER = "hand the account to another CSM"
    EDIT_FOLLOW_UP = "change the account's users, channel, follow-up or external ids"
    CLAIM = "claim a follow-up"
    UNCLAIM = "unclaim this follow-up"
    RECORD_OUTCOME = "record an outcome or override a status"
    TRACK_RISKS = "change risks, gates or surveys"
    WORK_RESCUE = "work on this rescue"
    ESCALATE = "escalate or submit a recovery plan"
    DECIDE_PLAN = "decide recovery plans"
    ACCEPT_CALIBRATION = "accept calibration proposals"
    UNDO_RATING = "undo this rating"


# How long the person who gave a rating may undo it (PRODUCT.md, "The standup in fifteen
# minutes"): the same ten minutes as the duplicate window, the time a slip is noticed in.
UNDO_WINDOW = timedelta(minutes=10)


class Directory(Protocol):
    """Who is in a Slack user group, and whether a user is an active member of the workspace."""

    def group_members(self, group: str) -> frozenset[str]: ...

    def is_active_member(self, user: str) -> bool: ...

    def display_name(self, user: str) -> str | None:
        """The name people know `user` by, to name them without a mention (no ping)."""
        ...


class NoDirectory:
    """Outside Slack (the CLI, tests of the domain): groups are empty, every ID is trusted."""

    def group_members(self, group: str) -> frozenset[str]:
        return frozenset()

    def is_active_member(self, user: str) -> bool:
        return True

    def display_name(self, user: str) -> str | None:
        return None


@dataclass(frozen=True)
class Roles:
    """The people each role holds now. `csms` is None when no CSMs are configured: then every
    member of the workspace counts as one."""

    admins: frozenset[str]
    csms: frozenset[str] | None
    approvers: frozenset[str]

    def is_csm(self, user: str) -> bool:
        return self.csms is None or user in self.csms

    def is_admin(self, user: str) -> bool:
        return user in self.admins

    def is_approver(self, user: str) -> bool:
        return user in self.approvers


def roles_in_force(config: Config, directory: Directory) -> Roles:
    """The configured roles with their user groups' members. Unset admins: the approvers."""
    escalation, roles = config.escalation, config.roles
    approvers = _people(escalation.approvers, escalation.approver_group, directory)
    admins = _people(roles.admins, roles.admin_group, directory)
    if not roles.admins and not roles.admin_group:
        admins = approvers
    csms = (
        _people(roles.csms, roles.csm_group, directory) if roles.csms or roles.csm_group else None
    )
    return Roles(admins=admins, csms=csms, approvers=approvers)


def _people(users: Iterable[str], group: str | None, directory: Directory) -> frozenset[str]:
    members = directory.group_members(group) if group else frozenset()
    return frozenset(users) | members


@dataclass(frozen=True)
class Actor:
    """Who is asking, with the roles in force for this request."""

    user: str
    roles: Roles
    operator: bool = False

    @classmethod
    def operator_at_shell(cls) -> Actor:
        """The CLI's actor: `cli:<os user>`, allowed everything."""
        return cls(f"cli:{getpass.getuser()}", Roles(frozenset(), None, frozenset()), True)


@dataclass(frozen=True)
class Ask:
    """One person's request: who asks (with the roles in force), the Slack request's key that
    makes it apply once, the channel it came from, and the directory to check people against."""

    actor: Actor
    key: str | None = None
    channel: str | None = None
    directory: Directory = field(default_factory=NoDirectory)
    load_rules: Callable[[], Rules] | None = field(default=None, compare=False, repr=False)

    @property
    def user(self) -> str:
        return self.actor.user

    @property
    def known_rules(self) -> Rules | None:
        """The request's rules when it can load them (Slack requests), else None."""
        return self.rules if self.load_rules is not None else None

    @cached_property
    def rules(self) -> Rules:
        """The rules in force for this request (weights of the latest approved version), loaded
        once, when first needed: parsing a signal name, rendering a scorecard."""
        if self.load_rules is None:
            raise RuntimeError("this request was built without a way to load the rules")
        return self.load_rules()


# Who may, in words, for each action: the refusal says it.
WHO = {
    Action.RATE: "the account's CSM, its follow-up owner, its rescue's owner, CSMs and admins",
    Action.ADD_ACCOUNT: "CSMs and admins",
    Action.EDIT_ACCOUNT: "admins",
    Action.HAND_OVER: "the account's CSM and admins",
    Action.EDIT_FOLLOW_UP: "the account's CSM, its follow-up owner and admins",
    Action.CLAIM: "CSMs and admins",
    Action.UNCLAIM: "its owner",
    Action.RECORD_OUTCOME: "the account's CSM and admins",
    Action.TRACK_RISKS: "the account's CSM, its follow-up owner, CSMs and admins",
    Action.WORK_RESCUE: "the rescue's owner, the account's CSM, approvers and admins",
    Action.ESCALATE: "the rescue's owner, the account's CSM and admins",
    Action.DECIDE_PLAN: "the configured approvers",
    Action.ACCEPT_CALIBRATION: "the configured approvers",
    Action.UNDO_RATING: "the person who gave it, within 10 minutes,",
}


def allowed(
    actor: Actor,
    action: Action,
    *,
    account: Account | None = None,
    rescue: Rescue | None = None,
    rescue_owner: str | None = None,
) -> bool:
    """Whether `actor` may take `action` on `account` (whose open rescue, if any, is owned by
    `rescue_owner`) or on `rescue`."""
    if actor.operator:
        return True
    user, roles = actor.user, actor.roles
    admin, csm = roles.is_admin(user), roles.is_csm(user)
    account_csm = account is not None and account.csm == user
    follow_up = account is not None and account.followup_owner == user
    owner = rescue is not None and rescue.owner == user
    if action is Action.RATE:
        return admin or csm or account_csm or follow_up or rescue_owner == user
    if action in (Action.ADD_ACCOUNT, Action.CLAIM):
        return admin or csm
    if action is Action.UNCLAIM:  # the owner shown: the follow-up's, else the open rescue's
        return account is not None and (account.followup_owner or rescue_owner) == user
    if action is Action.UNDO_RATING:
        return False  # a rating's own rule: `authorize_undo`
    if action is Action.EDIT_ACCOUNT:
        return admin
    if action in (Action.HAND_OVER, Action.RECORD_OUTCOME):
        return admin or account_csm
    if action is Action.EDIT_FOLLOW_UP:
        return admin or account_csm or follow_up
    if action is Action.TRACK_RISKS:
        return admin or csm or account_csm or follow_up
    if action is Action.WORK_RESCUE:
        return admin or owner or account_csm or roles.is_approver(user)
    if action is Action.ESCALATE:
        return admin or owner or account_csm
    return roles.is_approver(user)  # DECIDE_PLAN, ACCEPT_CALIBRATION


def authorize(
    actor: Actor,
    action: Action,
    *,
    account: Account | None = None,
    rescue: Rescue | None = None,
    rescue_owner: str | None = None,
) -> None:
    """Refuse (NotAllowed, logged) unless `actor` may take `action`; see `allowed`."""
    if allowed(actor, action, account=account, rescue=rescue, rescue_owner=rescue_owner):
        return
    name = f" {account.name}" if account is not None and action is not Action.ADD_ACCOUNT else ""
    _refused(actor, action, account)
    target = f" on{name}" if name else ""
    raise NotAllowed(f"only {WHO[action]} may {action.value}{target}")


def _refused(actor: Actor, action: Action, account: Account | None) -> None:
    log.warning(
        "refused: %s may not %s",
        actor.user,
        action.value,
        extra={"actor": actor.user, "action": action.name.lower(),
               "account": account.key if account is not None else None},
    )  # fmt: skip


def authorize_decision(actor: Actor, plan: Escalation, rescue: Rescue) -> None:
    """Approvers only, never the plan's requester, only while the plan is pending and its
    rescue open. (Once per approver is the plan's own rule: `scoring.escalation.decide`.)"""
    authorize(actor, Action.DECIDE_PLAN)
    if not actor.operator and actor.user == plan.requested_by:
        raise NotAllowed("you requested this plan, so someone else has to decide it")
    if plan.state != "pending":
        raise NotAllowed(f"this plan was already decided: {plan.state.replace('_', ' ')}")
    if rescue.state == "resolved":
        raise NotAllowed("the rescue this plan is for was resolved, so the plan can't be decided")


def authorize_undo(
    actor: Actor, *, account: Account, author: str | None, given_at: datetime, now: datetime
) -> None:
    """Only the person who gave a rating may undo it, and only within `UNDO_WINDOW` of giving
    it; refused (NotAllowed, logged) otherwise, with what to do instead."""
    if author != actor.user:
        _refused(actor, Action.UNDO_RATING, account)
        raise NotAllowed("only the person who gave this rating may undo it")
    if now - given_at > UNDO_WINDOW:
        _refused(actor, Action.UNDO_RATING, account)
        minutes = int((now - given_at).total_seconds() // 60)
        raise NotAllowed(
            f"this rating was given {minutes} minutes ago and can be undone only within "
            f"{int(UNDO_WINDOW.total_seconds() // 60)} minutes; rate the signal again instead "
            f"(`/signal {account.key} SIGNAL 0|1|2`)"
        )


def require_member(ask: Ask, user: str, *, role: str) -> None:
    """Someone picked in Slack for a role is a real, active member of the workspace."""
    if not ask.directory.is_active_member(user):
        raise DomainError(
            f"the person you picked for {role} is not an active member of this workspace"
        )


def require_assignable(actor: Actor, user: str, *, role: str, account: Account) -> None:
    """A user given a role (`csm:`, a rescue's new owner): one of the configured CSMs, when
    CSMs are configured, and someone allowed to rate the account without that role."""
    roles = actor.roles
    if roles.csms is not None and user not in roles.csms and not roles.is_admin(user):
        raise DomainError(
            f"the person you picked is not one of the configured CSMs, so can't be the {role}; "
            "pick someone listed in `roles.csms` (or ask an admin to add them)"
        )
    if not allowed(Actor(user, roles), Action.RATE, account=account):
        raise DomainError(
            f"the person you picked may not rate {account.name}, so can't be the {role}; "
            f"pick one of {WHO[Action.RATE]}"
        )
