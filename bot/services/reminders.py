"""Reminders: what is due, and queuing each one once.

- a rescue's response SLA about to lapse (owner, in the thread and by DM);
- a rescue's response SLA lapsed (also the approvers, who stand in for the owner's manager);
- a rescue's checkpoint date reached;
- a rescue turned severe by time passing alone (At risk past its checkpoint): said once in the
  thread, and its message updated so Escalate comes first;
- a recovery plan's decision deadline passed undecided (the approvers, the plan and the rescue);
- signals stale now or going stale by the next standup (each CSM, one DM a day).

Each reminder has a key naming what it is about and its due time; queuing claims the key in the
same transaction, so a reminder is queued once however many processes look for it, and a rescue
whose SLA or checkpoint moves gets reminded again for the new date.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Config
from bot.messages.blocks import as_dicts
from bot.messages.rescue import rescue_blocks, rescue_text, severe_reply
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.services import portfolio
from bot.services.rescues import RescueView, severity_said, view_of
from bot.services.weights import rules_in_force
from bot.store import deliveries, events
from bot.store import rescues as rescue_rows
from bot.store import risks as risk_rows
from bot.store.db import session_scope
from bot.store.runs import claim_run
from bot.store.tables import Account, Escalation, Rescue

log = logging.getLogger("rescuebot.reminders")
REMINDER, STALE = "reminder", "stale"


@dataclass(frozen=True)
class Post:
    """One message of a reminder: to a channel (in a thread when `thread_ts`) or a DM."""

    channel: str
    text: str
    thread_ts: str | None = None
    blocks: list[dict] | None = None
    update_ts: str | None = None  # edit this message instead of posting


@dataclass(frozen=True)
class Reminder:
    key: str
    due_at: datetime
    account_id: int | None
    posts: list[Post]
    event: tuple[str, dict] | None = None  # a timeline event recorded when it is queued


def due_reminders(
    session: Session, config: Config, *, now: datetime, approvers: Collection[str]
) -> list[Reminder]:
    """Every rescue and plan reminder due at `now` (already-sent ones included: queuing skips
    those)."""
    spec = config.schedule
    assert spec.sla_warning_hours is not None
    warning = timedelta(hours=spec.sla_warning_hours)
    today = now.astimezone(config.rules.team_timezone).date()
    found: list[Reminder] = []
    for rescue in rescue_rows.open_rescues(session).values():
        found.extend(_rescue_reminders(session, config, rescue, now, today, warning, approvers))
    pending = session.exec(
        select(Escalation).where(
            Escalation.state == "pending", col(Escalation.decision_deadline) < today
        )
    )
    for plan in pending:
        found.append(_decision_reminder(session, plan, approvers))
    found.extend(_risk_reminders(session, today))
    return found


@dataclass(frozen=True)
class _About:
    """The rescue a reminder is about, and where its reminders go."""

    rescue: Rescue
    account_id: int | None
    name: str  # the account's, escaped for mrkdwn

    def in_thread(self, text: str) -> list[Post]:
        channel, thread = self.rescue.channel, self.rescue.message_ts
        return [Post(channel, text, thread)] if channel and thread else []

    def to_thread_and_owner(self, text: str) -> list[Post]:
        owner = self.rescue.owner
        return self.in_thread(text) + ([Post(owner, text)] if owner else [])


def _rescue_reminders(
    session: Session,
    config: Config,
    rescue: Rescue,
    now: datetime,
    today: date,
    warning: timedelta,
    approvers: Collection[str],
) -> list[Reminder]:
    assert rescue.id is not None
    account = session.get(Account, rescue.account_id)
    assert account is not None
    about = _About(rescue, account.id, escape_mrkdwn(account.name))
    found = [
        reminder
        for reminder in (
            _sla_warning(about, now, warning),
            _sla_lapsed(about, now, approvers),
            _checkpoint(about, now, today),
        )
        if reminder is not None
    ]
    view = view_of(session, config, rescue, today=today)
    if view.severe is not None and not severity_said(session, rescue):
        found.append(_severe(about, view, now))
    return found


def _sla_warning(about: _About, now: datetime, warning: timedelta) -> Reminder | None:
    rescue = about.rescue
    due = rescue.sla_due_at
    if rescue.acknowledged_at is not None or not due - warning <= now < due:
        return None
    left = int((due - now).total_seconds() // 60)
    text = (
        f":alarm_clock: {mention(rescue.owner)}: the response SLA for *{about.name}* lapses in "
        f"{left // 60}h {left % 60}m. Acknowledge the rescue or log what you did."
    )
    return Reminder(
        f"{REMINDER}:sla_warning:{rescue.id}:{due.isoformat()}",
        due - warning,
        about.account_id,
        about.to_thread_and_owner(text),
    )


def _sla_lapsed(about: _About, now: datetime, approvers: Collection[str]) -> Reminder | None:
    rescue, owner = about.rescue, about.rescue.owner
    due = rescue.sla_due_at
    if rescue.acknowledged_at is not None or now < due:
        return None
    text = (
        f":rotating_light: The response SLA for *{about.name}* lapsed: nobody has acknowledged "
        f"the rescue. {mention(owner)}, acknowledge it or hand it to someone who can."
    )
    upward = (
        f":rotating_light: The rescue of *{about.name}* owned by {mention(owner)} has not been "
        "acknowledged within its response SLA. Please follow up or reassign it."
    )
    return Reminder(
        f"{REMINDER}:sla_lapsed:{rescue.id}:{due.isoformat()}",
        due,
        about.account_id,
        about.to_thread_and_owner(text)
        + [Post(a, upward) for a in sorted(approvers) if a != owner],
    )


def _checkpoint(about: _About, now: datetime, today: date) -> Reminder | None:
    rescue = about.rescue
    if rescue.checkpoint_on > today:
        return None
    text = (
        f":calendar: {mention(rescue.owner)}: today is the customer checkpoint for "
        f"*{about.name}* ({short_date(rescue.checkpoint_on)}). Is it back on track? Resolve the "
        "rescue, or change its date with the next step."
    )
    return Reminder(
        f"{REMINDER}:checkpoint:{rescue.id}:{rescue.checkpoint_on.isoformat()}",
        now,
        about.account_id,
        about.to_thread_and_owner(text),
    )


def _severe(about: _About, view: RescueView, now: datetime) -> Reminder:
    """Said once in the thread, and the rescue's message updated so Escalate comes first."""
    assert view.severe is not None
    rescue = about.rescue
    posts = about.in_thread(severe_reply(view.severe))
    if rescue.channel and rescue.message_ts:
        posts.append(
            Post(
                rescue.channel,
                rescue_text(view),
                blocks=as_dicts(rescue_blocks(view, now=now)),
                update_ts=rescue.message_ts,
            )
        )
    return Reminder(
        f"{REMINDER}:severe:{rescue.id}",
        now,
        about.account_id,
        posts,
        ("rescue_severe", {"rescue_id": rescue.id, "reason": view.severe}),
    )


def _decision_reminder(session: Session, plan: Escalation, approvers: Collection[str]) -> Reminder:
    account = session.get(Account, plan.account_id)
    rescue = session.get(Rescue, plan.rescue_id)
    assert account is not None and rescue is not None
    name = escape_mrkdwn(account.name)
    text = (
        f":hourglass: The recovery plan for *{name}* was due for a decision on "
        f"{short_date(plan.decision_deadline)} and is still undecided. Approve, request changes "
        "or reject it."
    )
    posts = [Post(plan.channel, text, plan.message_ts)] if plan.channel and plan.message_ts else []
    posts += [Post(a, text) for a in sorted(approvers) if a != plan.requested_by]
    if rescue.channel and rescue.message_ts:
        posts.append(
            Post(
                rescue.channel,
                f":hourglass: Leadership's decision on the recovery plan is overdue "
                f"(due {short_date(plan.decision_deadline)}); approvers were reminded.",
                rescue.message_ts,
            )
        )
    return Reminder(
        f"{REMINDER}:decision:{plan.id}:{plan.decision_deadline.isoformat()}",
        datetime.combine(plan.decision_deadline, datetime.min.time()),
        account.id,
        posts,
    )


def _risk_reminders(session: Session, today: date) -> list[Reminder]:
    """Open risks whose due date has come: their owner (else the account's CSM) is told, once
    per risk and due date (a new due date is chased again)."""
    found: list[Reminder] = []
    for risk in risk_rows.risks_of(session):
        if risk.state != "open" or risk.due_on is None or risk.due_on > today:
            continue
        account = session.get(Account, risk.account_id)
        assert account is not None
        who = risk.owner or account.csm
        if who is None:
            continue
        text = (
            f":hourglass: A {risk.impact}-impact {risk.category} risk on "
            f"*{escape_mrkdwn(account.name)}* was due {short_date(risk.due_on)} and is still "
            f"open: {escape_mrkdwn(risk.text)}. Mark it Mitigated, Accepted or Closed in "
            f"`/risk {account.key}`, or log it again with a new date."
        )
        found.append(
            Reminder(
                f"{REMINDER}:risk:{risk.id}:{risk.due_on.isoformat()}",
                datetime.combine(risk.due_on, datetime.min.time()),
                account.id,
                [Post(who, text)],
                (
                    "risk_due_reminded",
                    {"risk": risk.id, "due": risk.due_on.isoformat(), "told": who},
                ),
            )
        )
    return found


def stale_reminders(session: Session, config: Config, *, today: date) -> list[Reminder]:
    """Per CSM: the signals of their accounts that are stale, or will be by tomorrow."""
    tomorrow = today + timedelta(days=1)
    cards = portfolio.load_portfolio(session, rules_in_force(session, config), as_of=tomorrow)
    by_csm: dict[str, list[str]] = {}
    for state in cards.states:
        card = state.card
        csm = card.account.csm
        if not csm:
            continue
        stale = [line.signal.label for line in card.signals if line.stale]
        if stale:
            by_csm.setdefault(csm, []).append(
                f"• *{escape_mrkdwn(card.account.name)}*: {escape_mrkdwn(', '.join(stale))}"
            )
    found = []
    for csm, lines in sorted(by_csm.items()):
        shown = lines[:40] + ([f"…and {len(lines) - 40} more accounts."] if len(lines) > 40 else [])
        text = (
            ":hourglass_flowing_sand: These signals are stale, or will be by the next standup. "
            "Re-rate them with `/signal` (the same value again is fine):\n" + "\n".join(shown)
        )
        found.append(
            Reminder(
                f"{STALE}:{today.isoformat()}:{csm}",
                datetime.combine(today, datetime.min.time()),
                None,
                [Post(csm, text[:3900])],
            )
        )
    return found


def queue_reminders(
    engine: Engine, reminders: list[Reminder], *, now: datetime, worker: str
) -> list[str]:
    """Queue each reminder not queued before, each in its own transaction with its claim;
    the keys of those this call queued."""
    queued: list[str] = []
    for reminder in reminders:
        with session_scope(engine) as session:
            if not claim_run(
                session,
                key=reminder.key,
                job=reminder.key.split(":", 1)[0],
                due_at=reminder.due_at,
                now=now,
                by=worker,
            ):
                continue
            for n, post in enumerate(reminder.posts, start=1):
                payload: dict = {"text": post.text}
                if post.blocks is not None:
                    payload["blocks"] = post.blocks
                if post.thread_ts is not None:
                    payload["thread_ts"] = post.thread_ts
                if post.update_ts is not None:
                    payload["ts"] = post.update_ts
                deliveries.enqueue(
                    session,
                    key=f"{reminder.key}:{n}",
                    method="update" if post.update_ts else "message",
                    channel=post.channel,
                    payload=payload,
                    now=now,
                    run_key=reminder.key,
                )
            if reminder.event is not None:
                kind, details = reminder.event
                events.record_event(
                    session,
                    account_id=reminder.account_id,
                    kind=kind,
                    actor="rescuebot",
                    at=now,
                    payload=details,
                )
            queued.append(reminder.key)
    if queued:
        log.info("queued %d reminders", len(queued))
    return queued
