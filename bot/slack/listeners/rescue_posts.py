"""Posting rescues to Slack after their transaction commits: the parent message (kept current),
thread replies, the owner's DM, the severity notice, and recovery plans for leadership."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages.blocks import as_dicts
from bot.messages.rescue import (
    plan_blocks,
    plan_text,
    rescue_blocks,
    rescue_text,
    severe_reply,
    trigger_reply,
)
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.services import rescues
from bot.services.backend import Backend
from bot.services.rescues import Opened, RescueView
from bot.store import events
from bot.store.tables import Approval, Escalation, Rescue
from scoring.errors import DomainError

log = logging.getLogger("rescuebot.rescues")
UNPOSTABLE = ("not_in_channel", "channel_not_found", "is_archived")


def approvers_of(backend: Backend, client: WebClient) -> frozenset[str]:
    """The configured approvers, with the members of the approver user group if one is set."""
    escalation = backend.config.escalation
    members: Iterable[str] = ()
    if escalation.approver_group:
        try:
            members = client.usergroups_users_list(usergroup=escalation.approver_group)["users"]
        except SlackApiError as exc:
            log.warning("approver group not resolved: %s", exc.response.get("error"))
    return frozenset([*escalation.approvers, *members])


def current(backend: Backend, rescue_id: int) -> RescueView:
    with backend.session() as session:
        return rescues.view_of(
            session, backend.config, rescues.rescue_by_id(session, rescue_id), today=backend.today()
        )


def refresh(backend: Backend, client: WebClient, rescue_id: int) -> RescueView:
    """Bring the rescue's parent message up to date; returns the rescue as shown."""
    view = current(backend, rescue_id)
    if view.rescue.channel and view.rescue.message_ts:
        client.chat_update(
            channel=view.rescue.channel,
            ts=view.rescue.message_ts,
            text=rescue_text(view),
            blocks=as_dicts(rescue_blocks(view, now=backend.now())),
        )
    return view


def reply(client: WebClient, rescue: Rescue, text: str) -> None:
    if rescue.channel and rescue.message_ts:
        client.chat_postMessage(channel=rescue.channel, thread_ts=rescue.message_ts, text=text)


def announce(backend: Backend, client: WebClient, opened: Opened, *, fallback: str | None) -> None:
    """A new rescue gets its message, its owner a DM; a trigger on an open one, a reply."""
    rescue = opened.view.rescue
    if not opened.created:
        reply(client, rescue, trigger_reply(opened.trigger.reason))
        warn_if_severe(backend, client, rescue.id)
        return
    channel = rescue.channel or fallback
    if channel is None:
        raise DomainError(
            "no channel for the rescue thread: set the account's `channel:` or "
            "`rescue.channel` in the config"
        )
    try:
        posted = client.chat_postMessage(
            channel=channel,
            text=rescue_text(opened.view),
            blocks=as_dicts(rescue_blocks(opened.view, now=backend.now())),
        )
    except SlackApiError as exc:
        if exc.response.get("error") in UNPOSTABLE:
            raise DomainError(
                f"the rescue is open, but I can't post its thread in <#{channel}>: "
                "invite me there with `/invite @Onboarding Rescue`"
            ) from exc
        raise
    with backend.change(None) as session:
        stored = session.get(Rescue, rescue.id)
        assert stored is not None
        stored.channel, stored.message_ts = posted["channel"], posted["ts"]
        session.add(stored)
        rescue = stored
    if rescue.owner:
        link = client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])
        client.chat_postMessage(
            channel=rescue.owner,
            text=(
                f"You own the rescue of *{escape_mrkdwn(opened.view.account.name)}* "
                f"({escape_mrkdwn(rescue.reason)}). Please acknowledge it; the customer "
                f"checkpoint is {short_date(rescue.checkpoint_on)}. "
                f"<{link['permalink']}|Open the thread>"
            ),
        )
    warn_if_severe(backend, client, rescue.id)


def warn_if_severe(backend: Backend, client: WebClient, rescue_id: int) -> None:
    """Once a rescue turns severe, say so in its thread (once) and put Escalate first."""
    view = current(backend, rescue_id)
    if view.severe is None:
        return
    with backend.change(None) as session:
        already = rescues.severity_said(session, view.rescue)
        if not already:
            events.record_event(
                session,
                account_id=view.account.id,
                kind="rescue_severe",
                actor="rescuebot",
                at=backend.now(),
                payload={"rescue_id": rescue_id, "reason": view.severe},
            )
    if not already:
        reply(client, view.rescue, severe_reply(view.severe))
        refresh(backend, client, rescue_id)


def post_plan(backend: Backend, client: WebClient, plan: Escalation, view: RescueView) -> None:
    """Send the plan to the leadership channel and link it from the rescue thread."""
    channel = backend.config.escalation.channel or view.rescue.channel
    if channel is None:
        raise DomainError("no leadership channel: set `escalation.channel` in the config")
    thread = None
    if view.rescue.channel and view.rescue.message_ts:
        thread = client.chat_getPermalink(
            channel=view.rescue.channel, message_ts=view.rescue.message_ts
        )["permalink"]
    posted = client.chat_postMessage(
        channel=channel,
        text=plan_text(plan, view.account.name),
        blocks=as_dicts(plan_blocks(plan, view.account.name, [], thread_link=thread)),
    )
    with backend.change(None) as session:
        stored = session.get(Escalation, plan.id)
        assert stored is not None
        stored.channel, stored.message_ts = posted["channel"], posted["ts"]
        session.add(stored)
    link = client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])["permalink"]
    reply(
        client,
        view.rescue,
        f":incoming_envelope: Escalated by {mention(plan.requested_by)}: "
        f"recovery plan sent to leadership, decision due {short_date(plan.decision_deadline)}. "
        f"<{link}|Open the plan>",
    )
    refresh(backend, client, view.rescue.id)


def show_decision(
    backend: Backend, client: WebClient, plan: Escalation, decisions: list[Approval], *, final: bool
) -> None:
    """Update the plan's message; tell the rescue thread and, once final, the requester."""
    view = current(backend, plan.rescue_id)
    if plan.channel and plan.message_ts:
        client.chat_update(
            channel=plan.channel,
            ts=plan.message_ts,
            text=plan_text(plan, view.account.name),
            blocks=as_dicts(plan_blocks(plan, view.account.name, decisions, thread_link=None)),
        )
    latest = decisions[-1]
    label = {
        "approve": "approved",
        "request_changes": "sent back for changes",
        "reject": "rejected",
    }[latest.decision]
    reason = f": {escape_mrkdwn(latest.reason)}" if latest.reason else ""
    progress = "" if final else f" ({plan_progress(plan, decisions)}; one more approval needed)"
    text = f":scales: Recovery plan {label} by {mention(latest.approver)}{reason}{progress}."
    reply(client, view.rescue, text)
    if final:
        client.chat_postMessage(
            channel=plan.requested_by,
            text=(
                f"Your recovery plan for *{escape_mrkdwn(view.account.name)}* was {label} by "
                f"{mention(latest.approver)}{reason}."
            ),
        )
    refresh(backend, client, view.rescue.id)


def plan_progress(plan: Escalation, decisions: list[Approval]) -> str:
    approvals = sum(1 for d in decisions if d.decision == "approve")
    return f"{approvals} of {plan.approvals_required} approvals"
