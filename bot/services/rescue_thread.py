"""A rescue's conversation in Slack, written to the outbox inside the use case's transaction.

The parent message (posted once, then kept current by edits), its thread replies, the owner's
DM, the severity notice said once, and the recovery plan's message in the leadership channel.
Nothing here calls Slack: each message is a delivery the courier sends after the commit, so a
change and the messages it causes are committed together or not at all. Replies and edits name
the parent message's delivery, so they wait for it and land in its thread, in order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.messages.blocks import as_dicts
from bot.messages.rescue import (
    mistake_reply,
    plan_blocks,
    plan_text,
    rescue_blocks,
    rescue_text,
    severe_reply,
    trigger_reply,
)
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.services import rescues
from bot.services.rescues import Opened, RescueView
from bot.store import deliveries, events
from bot.store.tables import Approval, Delivery, Escalation, Rescue
from scoring.errors import DomainError

log = logging.getLogger("rescuebot.rescues")
BOT = "rescuebot"


def parent_key(rescue_id: int) -> str:
    return f"rescue:{rescue_id}:message"


def plan_key(plan_id: int) -> str:
    return f"plan:{plan_id}:message"


def _delivery(session: Session, key: str) -> Delivery | None:
    return deliveries.queued(session, key)


def announce(
    session: Session, config: Config, opened: Opened, *, now: datetime, fallback: str | None
) -> None:
    """A new rescue gets its message and its owner a DM; a trigger on an open one, a reply."""
    rescue = opened.view.rescue
    # `opened.view` was made in this transaction, just now: its card still holds.
    if not opened.created:
        reply(session, rescue, trigger_reply(opened.trigger.reason), now=now)
        refresh(session, config, rescue, now=now, view=opened.view)
        return
    channel = rescue.channel or fallback
    if channel is None:
        log.error(
            "rescue %s of %s has no channel for its thread: set the account's `channel:` or "
            "`rescue.channel` in the config", rescue.id, opened.view.account.key,
        )  # fmt: skip
        return
    rescue.channel = channel
    session.add(rescue)
    deliveries.enqueue(
        session,
        key=parent_key(rescue.id),
        method="message",
        channel=channel,
        payload={
            "text": rescue_text(opened.view),
            "blocks": as_dicts(rescue_blocks(opened.view, now=now)),
            "rescue_message": rescue.id,
        },
        now=now,
    )
    if rescue.owner:
        dm(
            session,
            rescue.owner,
            f"You own the rescue of *{escape_mrkdwn(opened.view.account.name)}* "
            f"({escape_mrkdwn(rescue.reason)}), opened by {_opener(rescue.opened_by)}; its "
            f"thread is in <#{channel}>. Please acknowledge it; the customer checkpoint is "
            f"{short_date(rescue.checkpoint_on)}.",
            now=now,
            key=f"rescue:{rescue.id}:owner:{rescue.owner}",
        )
    say_if_severe(session, config, rescue, now=now, view=opened.view)


# Openers that are not people: the bot's own recompute and the integrations whose reading
# set the trigger off (their name is the reading's author).
NOT_PEOPLE = {BOT: "the daily recompute", "segment": "a Segment event",
              "intercom": "Intercom's tickets", "import": "an import"}  # fmt: skip


def _opener(actor: str) -> str:
    return NOT_PEOPLE.get(actor) or mention(actor)


def _follow_up(
    session: Session,
    *,
    parent: str,
    ts: str | None,
    channel: str | None,
    method: str,
    payload: dict[str, object],
    now: datetime,
) -> None:
    """Queue a reply to (`message`) or an edit of (`update`) the message queued under the key
    `parent`: it waits for that message and takes its ts. Messages posted before the outbox
    existed have only their `ts`. A parent never queued (no channel) gets nothing."""
    queued = _delivery(session, parent)
    if queued is None and not ts:
        return
    if ts:
        payload[{"message": "thread_ts", "update": "ts"}[method]] = ts
    deliveries.enqueue(
        session,
        key=f"{parent}:{method}:{uuid.uuid4().hex}",
        method=method,
        channel=channel or (queued.channel if queued else ""),
        payload=payload,
        now=now,
        parent=queued,
    )


def reply(session: Session, rescue: Rescue, text: str, *, now: datetime) -> None:
    """A reply in the rescue's thread, after its parent message."""
    _follow_up(session, parent=parent_key(rescue.id), ts=rescue.message_ts, channel=rescue.channel,
               method="message", payload={"text": text}, now=now)  # fmt: skip


def refresh(
    session: Session, config: Config, rescue: Rescue, *, now: datetime,
    view: RescueView | None = None,
) -> RescueView:  # fmt: skip
    """Edit the rescue's parent message to show it as it is now (`view`, when the caller made
    it in this transaction with nothing changed since)."""
    if view is None:
        today = now.astimezone(config.rules.team_timezone).date()
        view = rescues.view_of(session, config, rescue, today=today)
    payload: dict[str, object] = {
        "text": rescue_text(view),
        "blocks": as_dicts(rescue_blocks(view, now=now)),
    }
    _follow_up(session, parent=parent_key(rescue.id), ts=rescue.message_ts,
               channel=rescue.channel, method="update", payload=payload, now=now)  # fmt: skip
    return view


def closed_by_correction(
    session: Session, config: Config, rescue: Rescue, *, corrected_by: str, now: datetime,
    undone: bool = False,
) -> None:  # fmt: skip
    """A rescue the corrected (or `undone`) rating had opened, closed as opened by mistake: say
    so in its thread, show it closed on its card, and follow up on the owner's DM: it no longer
    stands."""
    reply(session, rescue, mistake_reply(corrected_by, undone=undone), now=now)
    view = refresh(session, config, rescue, now=now)
    if rescue.owner and rescue.owner != corrected_by:
        how = "undid" if undone else "corrected"
        dm(
            session,
            rescue.owner,
            f"The rescue of *{escape_mrkdwn(view.account.name)}* you were given was opened by "
            f"mistake: {mention(corrected_by)} {how} the rating, so it is closed. Nothing "
            "to do.",
            now=now,
            key=f"rescue:{rescue.id}:owner:{rescue.owner}:mistake",
        )


def dm(session: Session, user: str, text: str, *, now: datetime, key: str | None = None) -> None:
    """A direct message (Slack opens the DM when the channel is a user id)."""
    deliveries.enqueue(
        session,
        key=key or f"dm:{user}:{uuid.uuid4().hex}",
        method="message",
        channel=user,
        payload={"text": text},
        now=now,
    )


def say_if_severe(
    session: Session, config: Config, rescue: Rescue, *, now: datetime,
    view: RescueView | None = None,
) -> None:  # fmt: skip
    """Once a rescue turns severe, say so in its thread (once) and put Escalate first (`view`
    as `refresh` takes it)."""
    if view is None:
        today = now.astimezone(config.rules.team_timezone).date()
        view = rescues.view_of(session, config, rescue, today=today)
    if view.severe is None or rescues.severity_said(session, rescue):
        return
    events.record_event(
        session,
        account_id=view.account.id,
        kind="rescue_severe",
        actor=BOT,
        at=now,
        payload={"rescue_id": rescue.id, "reason": view.severe},
    )
    reply(session, rescue, severe_reply(view.severe), now=now)
    refresh(session, config, rescue, now=now)


def post_plan(
    session: Session, config: Config, plan: Escalation, rescue: Rescue, *, now: datetime
) -> None:
    """Send the plan to the leadership channel and say so in the rescue thread."""
    view = refresh(session, config, rescue, now=now)
    channel = config.escalation.channel or rescue.channel
    if channel is None:
        raise DomainError("no leadership channel: set `escalation.channel` in the config")
    thread = f"<#{rescue.channel}>" if rescue.channel else None
    deliveries.enqueue(
        session,
        key=plan_key(plan.id),
        method="message",
        channel=channel,
        payload={
            "text": plan_text(plan, view.account.name),
            "blocks": as_dicts(plan_blocks(plan, view.account.name, [], thread_link=thread)),
            "plan_message": plan.id,
        },
        now=now,
    )
    reply(
        session,
        rescue,
        f":incoming_envelope: Escalated by {mention(plan.requested_by)}: recovery plan sent to "
        f"leadership in <#{channel}>, decision due {short_date(plan.decision_deadline)}.",
        now=now,
    )


def show_decision(
    session: Session,
    config: Config,
    plan: Escalation,
    decisions: Sequence[Approval],
    *,
    final: bool,
    now: datetime,
) -> None:
    """Edit the plan's message; tell the rescue thread and, once final, the requester."""
    rescue = rescues.rescue_by_id(session, plan.rescue_id)
    view = refresh(session, config, rescue, now=now)
    payload: dict[str, object] = {
        "text": plan_text(plan, view.account.name),
        "blocks": as_dicts(plan_blocks(plan, view.account.name, decisions, thread_link=None)),
    }
    _follow_up(session, parent=plan_key(plan.id), ts=plan.message_ts, channel=plan.channel,
               method="update", payload=payload, now=now)  # fmt: skip
    latest = decisions[-1]
    label = {"approve": "approved", "request_changes": "sent back for changes",
             "reject": "rejected"}[latest.decision]  # fmt: skip
    reason = f": {escape_mrkdwn(latest.reason)}" if latest.reason else ""
    approvals = sum(1 for d in decisions if d.decision == "approve")
    progress = (
        ""
        if final
        else f" ({approvals} of {plan.approvals_required} approvals; one more approval needed)"
    )
    reply(
        session,
        rescue,
        f":scales: Recovery plan {label} by {mention(latest.approver)}{reason}{progress}.",
        now=now,
    )
    if final:
        dm(
            session,
            plan.requested_by,
            f"Your recovery plan for *{escape_mrkdwn(view.account.name)}* was {label} by "
            f"{mention(latest.approver)}{reason}.",
            now=now,
        )
