"""Rescue and escalation use cases as people start them: one function per action.

Each opens its own transaction (applying a Slack request at most once), locks what it changes,
asks the policy, changes the rescue or plan through `bot.services.rescues` / `escalations`, and
queues the thread's messages through `bot.services.rescue_thread`, all before it commits. What
it returns is what the person who asked should be told.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlmodel import Session

from bot.config import Config
from bot.messages.text import escape_mrkdwn, mention
from bot.services import escalations, rescue_thread, rescues
from bot.services.backend import Backend
from bot.services.policy import (
    Action,
    Ask,
    authorize,
    authorize_decision,
    require_assignable,
    require_member,
)
from bot.services.rescues import Opened, RescueView
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Escalation, Rescue
from scoring.errors import DomainError
from scoring.escalation import Decision
from scoring.rescue import RescueTrigger, TriggerKind


def _account(session: Session, account_id: int | None) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise DomainError("that account no longer exists")
    return account


def _assignable(ask: Ask, user: str, *, role: str, account: Account) -> None:
    require_member(ask, user, role=role)
    require_assignable(ask.actor, user, role=role, account=account)


def open_by_hand(
    backend: Backend,
    ask: Ask,
    account: Account,
    *,
    owner: str | None,
    due: date | None,
    note: str | None,
) -> Opened:
    """`/rescue`: open the account's rescue, or add the note (and owner/date) to the open one."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = _account(session, account.id)
        existing = rescue_rows.open_rescue(session, account_id=account.id)
        authorize(ask.actor, Action.RATE, account=account,
                  rescue_owner=existing.owner if existing else None)  # fmt: skip
        if owner:
            _assignable(ask, owner, role="the rescue's owner", account=account)
        opened = rescues.open_rescue(
            session, backend.config, account=account, trigger=rescues.MANUAL, actor=ask.user,
            now=now, owner=owner, checkpoint_on=due, note=note, channel=ask.channel,
        )  # fmt: skip
        rescue_thread.announce(session, backend.config, opened, now=now, fallback=ask.channel)
        if not opened.created and (owner or due):
            authorize(ask.actor, Action.WORK_RESCUE, account=account, rescue=opened.view.rescue)
            _change(backend, session, ask, opened.view.rescue, account, owner=owner, due=due)
        return opened


def start_escalation(backend: Backend, ask: Ask, account: Account) -> RescueView:
    """`/escalate`: the rescue to write a plan for (opened first when there is none)."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        account = _account(session, account.id)
        existing = rescue_rows.open_rescue(session, account_id=account.id)
        if existing is None:
            authorize(ask.actor, Action.RATE, account=account)
        else:
            authorize(ask.actor, Action.ESCALATE, account=account, rescue=existing)
        opened = rescues.open_rescue(
            session, backend.config, account=account,
            trigger=RescueTrigger(TriggerKind.MANUAL, "opened to escalate"), actor=ask.user,
            now=now, channel=ask.channel,
        )  # fmt: skip
        authorize(ask.actor, Action.ESCALATE, account=account, rescue=opened.view.rescue)
        if escalations.pending_plan(session, opened.view.rescue) is not None:
            raise DomainError(f"{account.name}'s recovery plan is already awaiting a decision")
        if opened.created:
            rescue_thread.announce(session, backend.config, opened, now=now, fallback=ask.channel)
        return opened.view


def rescue_to_work(backend: Backend, ask: Ask, rescue_id: int, action: Action) -> RescueView:
    """Before a modal opens: the rescue as it is, if `ask` may `action` it and it is open."""
    with backend.session() as session:
        rescue = rescues.rescue_by_id(session, rescue_id)
        account = _account(session, rescue.account_id)
        authorize(ask.actor, action, account=account, rescue=rescue)
        if rescue.state == "resolved":
            raise DomainError("this rescue is already resolved")
        if action is Action.ESCALATE and escalations.pending_plan(session, rescue) is not None:
            raise DomainError("a recovery plan is already awaiting a decision")
        return rescues.view_of(session, backend.config, rescue, today=backend.today())


def _working(
    session: Session, ask: Ask, rescue_id: int, action: Action = Action.WORK_RESCUE
) -> tuple[Rescue, Account]:
    """The rescue, locked for this transaction, and its account, once `ask` may `action` it."""
    rescue = rescue_rows.lock_rescue(session, rescue_id=rescue_id)
    if rescue is None:
        raise DomainError("that rescue no longer exists")
    account = _account(session, rescue.account_id)
    authorize(ask.actor, action, account=account, rescue=rescue)
    return rescue, account


def _tell_thread(
    session: Session, config: Config, rescue: Rescue, text: str, *, now: datetime
) -> None:
    """Reply in the rescue's thread and bring its message up to date, as every action does."""
    rescue_thread.reply(session, rescue, text, now=now)
    rescue_thread.refresh(session, config, rescue, now=now)


def acknowledge(backend: Backend, ask: Ask, rescue_id: int) -> str:
    """Stop the response clock; returns how long the response took."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rescue, _ = _working(session, ask, rescue_id)
        took = rescues.acknowledge(session, rescue, actor=ask.user, now=now)
        within = "within" if now <= rescue.sla_due_at else "past"
        said = (
            f":white_check_mark: Acknowledged by {mention(ask.user)} {took} after "
            f"opening ({within} the response SLA)."
        )
        _tell_thread(session, backend.config, rescue, said, now=now)
        return took


def log_action(
    backend: Backend,
    ask: Ask,
    rescue_id: int,
    *,
    done: str,
    customer: str | None,
    next_step: str | None,
) -> None:
    """What was done, what the customer said, what is next."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rescue, _ = _working(session, ask, rescue_id)
        rescues.log_action(session, rescue, actor=ask.user, now=now, done=done,
                           customer_response=customer, next_step=next_step)  # fmt: skip
        took = rescues.elapsed(rescue.opened_at, now)
        esc = escape_mrkdwn
        lines = [f":memo: {mention(ask.user)} ({took} in): {esc(done.strip())}"]
        if customer and customer.strip():
            lines.append(f"Customer: {esc(customer.strip())}")
        if next_step and next_step.strip():
            lines.append(f"Next: {esc(next_step.strip())}")
        _tell_thread(session, backend.config, rescue, "\n".join(lines), now=now)
        rescue_thread.say_if_severe(session, backend.config, rescue, now=now)


def change_owner_or_date(
    backend: Backend, ask: Ask, rescue_id: int, *, owner: str | None, due: date | None
) -> None:
    """A new owner and/or customer checkpoint."""
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rescue, account = _working(session, ask, rescue_id)
        _change(backend, session, ask, rescue, account, owner=owner, due=due)


def _change(
    backend: Backend,
    session: Session,
    ask: Ask,
    rescue: Rescue,
    account: Account,
    *,
    owner: str | None,
    due: date | None,
) -> None:
    now = backend.now()
    if owner and owner != rescue.owner:
        _assignable(ask, owner, role="the rescue's owner", account=account)
    changed = rescues.change(session, rescue, actor=ask.user, now=now, today=backend.today(),
                             owner=owner, checkpoint_on=due)  # fmt: skip
    parts = []
    if "owner" in changed:
        before, after = changed["owner"]
        parts.append(f"owner {mention(before)} → {mention(after)}")
    if "checkpoint_on" in changed:
        before, after = changed["checkpoint_on"]
        parts.append(f"checkpoint {before} → {after}")
    text = f":arrows_counterclockwise: {mention(ask.user)} changed " + ", ".join(parts) + "."
    rescue_thread.reply(session, rescue, text, now=now)
    if "owner" in changed and changed["owner"][1]:
        rescue_thread.dm(
            session, str(changed["owner"][1]),
            f"{mention(ask.user)} made you the owner of the rescue of "
            f"*{escape_mrkdwn(account.name)}*.",
            now=now,
        )  # fmt: skip
    rescue_thread.refresh(session, backend.config, rescue, now=now)


def resolve(
    backend: Backend, ask: Ask, rescue_id: int, *, resolution: str, note: str | None
) -> Account:
    """Close the rescue as recovered or not."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rescue, account = _working(session, ask, rescue_id)
        card = rescues.resolve(session, backend.config, rescue, actor=ask.user, now=now,
                               resolution=resolution, note=note)  # fmt: skip
        took = rescues.elapsed(rescue.opened_at, now)
        label = {"recovered": "recovered", "not_needed": "not needed (a false alarm)"}.get(
            resolution, "not recovered"
        )
        extra = f": {escape_mrkdwn(note.strip())}" if note and note.strip() else ""
        said = (
            f":checkered_flag: Resolved by {mention(ask.user)} after {took}, "
            f"*{label}* (now {card.status.label}){extra}."
        )
        _tell_thread(session, backend.config, rescue, said, now=now)
        return account


def submit_plan(
    backend: Backend,
    ask: Ask,
    rescue_id: int,
    *,
    fields: Mapping[str, str | None],
    deadline: date | None,
) -> Escalation:
    """Send a whole recovery plan to leadership (PlanIncomplete names each missing part)."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rescue, _ = _working(session, ask, rescue_id, Action.ESCALATE)
        plan = escalations.submit_plan(
            session, backend.config, rescue=rescue, requester=ask.user, fields=dict(fields),
            deadline=deadline, now=now, today=backend.today(),
        )  # fmt: skip
        rescue_thread.post_plan(session, backend.config, plan, rescue, now=now)
        return plan


def plan_to_decide(backend: Backend, ask: Ask, plan_id: int) -> Escalation:
    """Before the reason modal opens: the plan, if `ask` may decide it now."""
    with backend.session() as session:
        plan = session.get(Escalation, plan_id)
        if plan is None:
            raise DomainError("that recovery plan no longer exists")
        authorize_decision(ask.actor, plan, rescues.rescue_by_id(session, plan.rescue_id))
        return plan


def decide(
    backend: Backend, ask: Ask, plan_id: int, *, decision: Decision, reason: str | None
) -> escalations.Decided:
    """One approver's decision, announced on the plan, in the thread and to the requester."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        plan = session.get(Escalation, plan_id)
        if plan is None:
            raise DomainError("that recovery plan no longer exists")
        rescue = rescue_rows.lock_rescue(session, rescue_id=plan.rescue_id)
        if rescue is None:
            raise DomainError("the rescue this plan is for no longer exists")
        decided = escalations.decide_plan(
            session, backend.config, plan_id=plan_id, actor=ask.actor, decision=decision,
            reason=reason, now=now,
        )  # fmt: skip
        rescue_thread.show_decision(session, backend.config, decided.plan, decided.decisions,
                                    final=decided.outcome.final, now=now)  # fmt: skip
        return decided
