"""Rescue and escalation listeners: /rescue, /escalate, the thread's buttons, the plan's
decision buttons and their modals. Thin: parse, call the use case, then post."""

from __future__ import annotations

import json
from datetime import date

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.messages.rescue import change_modal, log_modal, plan_modal, reason_modal, resolve_modal
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.services import escalations, fields, rescues
from bot.services.backend import Backend
from bot.services.escalations import PlanIncomplete
from bot.slack import slash
from bot.slack.ids import PlanAction, RescueAction, RescueInput, RescueModal, plan_block_id
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import account_named, allowed_options, request_key
from bot.slack.listeners.refresh import HomeRefresher
from bot.slack.listeners.rescue_posts import (
    announce,
    approvers_of,
    current,
    post_plan,
    refresh,
    reply,
    show_decision,
    warn_if_severe,
)
from bot.store.tables import Escalation
from scoring.errors import DomainError
from scoring.escalation import PLAN_FIELDS, Decision, NotAllowed

MODALS = {
    RescueAction.LOG: log_modal,
    RescueAction.CHANGE: change_modal,
    RescueAction.RESOLVE: resolve_modal,
}


def _state(view: dict, block: str) -> dict:
    return view["state"]["values"].get(block, {}).get(block, {})


def _too_long(view: dict, blocks: tuple[str, ...]) -> dict[str, str]:
    return {
        block: f"Keep it under {rescues.MAX_TEXT:,} characters."
        for block in blocks
        if len((_state(view, block).get("value") or "").strip()) > rescues.MAX_TEXT
    }


def _metadata(view: dict) -> dict:
    return json.loads(view.get("private_metadata") or "{}")


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.command("/rescue")
    @answers_errors
    def rescue_command(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        user = body["user_id"]
        parsed = slash.parse(body.get("text", ""), options=True)
        allowed_options(parsed, frozenset({"owner", "due"}), "/rescue")
        account = account_named(backend, parsed)
        owner = fields.user(parsed.options.get("owner", ""), "owner")
        due = fields.day(parsed.options.get("due", ""), "due")
        note = parsed.rest() or None
        with backend.change(request_key(body)) as session:
            session.add(account)
            opened = rescues.open_rescue(
                session,
                backend.config,
                account=account,
                trigger=rescues.MANUAL,
                actor=user,
                now=backend.now(),
                owner=owner,
                checkpoint_on=due,
                note=note,
                channel=body.get("channel_id"),
            )
            if not opened.created and (owner or due):
                rescues.may_work(opened.view.rescue, account, user, approvers_of(backend, client))
                rescues.change(
                    session,
                    opened.view.rescue,
                    actor=user,
                    now=backend.now(),
                    today=backend.today(),
                    owner=owner,
                    checkpoint_on=due,
                )
        rescue = opened.view.rescue
        if opened.created:
            text = (
                f"Opened a rescue for *{escape_mrkdwn(account.name)}*: owner "
                f"{mention(rescue.owner)}, checkpoint {short_date(rescue.checkpoint_on)}."
            )
        else:
            text = (
                f"*{escape_mrkdwn(account.name)}* already has an open rescue; "
                "your note went to its thread."
            )
        respond(text=text, response_type="ephemeral")
        announce(backend, client, opened, fallback=body.get("channel_id"))
        if not opened.created:
            refresh(backend, client, rescue.id)
        homes.request({user, rescue.owner, account.csm})

    @app.command("/escalate")
    @answers_errors
    def escalate_command(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        parsed = slash.parse(body.get("text", ""))
        account = account_named(backend, parsed)
        if parsed.words:
            raise DomainError(f"unexpected `{' '.join(parsed.words)}`")
        with backend.change(request_key(body)) as session:
            session.add(account)
            opened = rescues.open_rescue(
                session,
                backend.config,
                account=account,
                trigger=rescues.RescueTrigger(rescues.TriggerKind.MANUAL, "opened to escalate"),
                actor=body["user_id"],
                now=backend.now(),
                channel=body.get("channel_id"),
            )
            if escalations.pending_plan(session, opened.view.rescue) is not None:
                raise DomainError(f"{account.name}'s recovery plan is already awaiting a decision")
        _open_plan_modal(client, body["trigger_id"], opened.view.rescue.id, body.get("channel_id"))
        if opened.created:
            announce(backend, client, opened, fallback=body.get("channel_id"))

    def _open_plan_modal(
        client: WebClient, trigger: str, rescue_id: int, channel: str | None
    ) -> None:
        view = current(backend, rescue_id)
        client.views_open(
            trigger_id=trigger,
            view=plan_modal(view, {"rescue": rescue_id, "channel": channel}, today=backend.today()),
        )

    @app.action(RescueAction.ACKNOWLEDGE)
    @answers_errors
    def acknowledge(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        with backend.change(request_key(body)) as session:
            rescue, _ = rescues.rescue_to_work(
                session, int(action["value"]), user=user, approvers=approvers_of(backend, client)
            )
            took = rescues.acknowledge(session, rescue, actor=user, now=backend.now())
            within = backend.now() <= rescue.sla_due_at
        reply(
            client,
            rescue,
            f":white_check_mark: Acknowledged by {mention(user)} {took} after "
            f"opening ({'within' if within else 'past'} the response SLA).",
        )
        refresh(backend, client, rescue.id)

    @app.action(RescueAction.LOG)
    @app.action(RescueAction.CHANGE)
    @app.action(RescueAction.RESOLVE)
    @app.action(RescueAction.ESCALATE)
    @answers_errors
    def open_rescue_modal(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        view = current(backend, int(action["value"]))
        rescues.may_work(view.rescue, view.account, user, approvers_of(backend, client))
        if view.rescue.state == "resolved":
            raise DomainError("this rescue is already resolved")
        metadata = {"rescue": view.rescue.id}
        if action["action_id"] == RescueAction.ESCALATE:
            with backend.session() as session:
                if escalations.pending_plan(session, view.rescue) is not None:
                    raise DomainError("a recovery plan is already awaiting a decision")
            client.views_open(
                trigger_id=body["trigger_id"],
                view=plan_modal(view, metadata, today=backend.today()),
            )
            return
        modal = MODALS[RescueAction(action["action_id"])](view, metadata)
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view(RescueModal.LOG)
    @answers_errors
    def log_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        done = (_state(view, RescueInput.DONE).get("value") or "").strip()
        errors = _too_long(view, (RescueInput.DONE, RescueInput.CUSTOMER, RescueInput.NEXT))
        if not done:
            errors[RescueInput.DONE] = "Say what was done."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user, rescue_id = body["user"]["id"], _metadata(view)["rescue"]
        customer = _state(view, RescueInput.CUSTOMER).get("value")
        step = _state(view, RescueInput.NEXT).get("value")
        with backend.change(request_key(body)) as session:
            rescue, _ = rescues.rescue_to_work(
                session, rescue_id, user=user, approvers=approvers_of(backend, client)
            )
            rescues.log_action(
                session,
                rescue,
                actor=user,
                now=backend.now(),
                done=done,
                customer_response=customer,
                next_step=step,
            )
            took = rescues.elapsed(rescue.opened_at, backend.now())
        lines = [f":memo: {mention(user)} ({took} in): {escape_mrkdwn(done)}"]
        if customer and customer.strip():
            lines.append(f"Customer: {escape_mrkdwn(customer.strip())}")
        if step and step.strip():
            lines.append(f"Next: {escape_mrkdwn(step.strip())}")
        reply(client, rescue, "\n".join(lines))
        refresh(backend, client, rescue_id)
        warn_if_severe(backend, client, rescue_id)

    @app.view(RescueModal.CHANGE)
    @answers_errors
    def change_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        owner = _state(view, RescueInput.OWNER).get("selected_user")
        picked = _state(view, RescueInput.CHECKPOINT).get("selected_date")
        checkpoint = date.fromisoformat(picked) if picked else None
        if checkpoint is not None and checkpoint < backend.today():
            ack(
                response_action="errors",
                errors={RescueInput.CHECKPOINT: "The checkpoint cannot be in the past."},
            )
            return
        ack()
        user, rescue_id = body["user"]["id"], _metadata(view)["rescue"]
        with backend.change(request_key(body)) as session:
            rescue, account = rescues.rescue_to_work(
                session, rescue_id, user=user, approvers=approvers_of(backend, client)
            )
            changed = rescues.change(
                session,
                rescue,
                actor=user,
                now=backend.now(),
                today=backend.today(),
                owner=owner,
                checkpoint_on=checkpoint,
            )
        parts = []
        if "owner" in changed:
            parts.append(f"owner {mention(changed['owner'][0])} → {mention(changed['owner'][1])}")
        if "checkpoint_on" in changed:
            before, after = changed["checkpoint_on"]
            parts.append(f"checkpoint {before} → {after}")
        reply(
            client,
            rescue,
            f":arrows_counterclockwise: {mention(user)} changed " + ", ".join(parts) + ".",
        )
        if "owner" in changed and changed["owner"][1]:
            client.chat_postMessage(
                channel=changed["owner"][1],
                text=(
                    f"{mention(user)} made you the owner of the rescue of "
                    f"*{escape_mrkdwn(account.name)}*."
                ),
            )
        refresh(backend, client, rescue_id)

    @app.view(RescueModal.RESOLVE)
    @answers_errors
    def resolve_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        outcome = (_state(view, RescueInput.OUTCOME).get("selected_option") or {}).get("value")
        errors = _too_long(view, (RescueInput.NOTE,))
        if outcome not in rescues.RESOLUTIONS:
            errors[RescueInput.OUTCOME] = "Choose whether the account recovered."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user, rescue_id = body["user"]["id"], _metadata(view)["rescue"]
        note = _state(view, RescueInput.NOTE).get("value")
        with backend.change(request_key(body)) as session:
            rescue, account = rescues.rescue_to_work(
                session, rescue_id, user=user, approvers=approvers_of(backend, client)
            )
            card = rescues.resolve(
                session,
                backend.config,
                rescue,
                actor=user,
                now=backend.now(),
                resolution=outcome,
                note=note,
            )
            took = rescues.elapsed(rescue.opened_at, backend.now())
        label = "recovered" if outcome == "recovered" else "not recovered"
        extra = f": {escape_mrkdwn(note.strip())}" if note and note.strip() else ""
        reply(
            client,
            rescue,
            f":checkered_flag: Resolved by {mention(user)} after {took}, "
            f"*{label}* (now {card.status.label}){extra}.",
        )
        refresh(backend, client, rescue_id)
        homes.request({user, rescue.owner, account.csm})

    @app.view(RescueModal.PLAN)
    @answers_errors
    def plan_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        plan_fields = {k: _state(view, plan_block_id(k)).get("value") for k in PLAN_FIELDS}
        picked = _state(view, RescueInput.DEADLINE).get("selected_date")
        deadline = date.fromisoformat(picked) if picked else None
        user, rescue_id = body["user"]["id"], _metadata(view)["rescue"]
        try:
            with backend.change(request_key(body)) as session:
                rescue = rescues.rescue_by_id(session, rescue_id)
                plan = escalations.submit_plan(
                    session,
                    backend.config,
                    rescue=rescue,
                    requester=user,
                    fields=plan_fields,
                    deadline=deadline,
                    now=backend.now(),
                    today=backend.today(),
                )
        except PlanIncomplete as incomplete:
            errors = {
                (RescueInput.DEADLINE if k == "decision_deadline" else plan_block_id(k)): v
                for k, v in incomplete.problems.items()
            }
            ack(response_action="errors", errors=errors)
            return
        ack()
        post_plan(backend, client, plan, current(backend, rescue_id))

    @app.action(PlanAction.APPROVE)
    @answers_errors
    def approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _decide(client, body, int(action["value"]), Decision.APPROVE, None)

    @app.action(PlanAction.REQUEST_CHANGES)
    @app.action(PlanAction.REJECT)
    @answers_errors
    def ask_reason(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        decision = (
            Decision.REJECT
            if action["action_id"] == PlanAction.REJECT
            else Decision.REQUEST_CHANGES
        )
        user, plan_id = body["user"]["id"], int(action["value"])
        with backend.session() as session:
            plan = session.get(Escalation, plan_id)
            if plan is None:
                raise DomainError("that recovery plan no longer exists")
        if user not in approvers_of(backend, client):
            raise NotAllowed("only the configured approvers can decide recovery plans")
        if user == plan.requested_by:
            raise NotAllowed("you requested this plan, so someone else has to decide it")
        if plan.state != "pending":
            raise NotAllowed(f"this plan was already decided: {plan.state.replace('_', ' ')}")
        client.views_open(
            trigger_id=body["trigger_id"],
            view=reason_modal(decision, {"plan": plan_id, "decision": decision.value}),
        )

    @app.view(RescueModal.REASON)
    @answers_errors
    def reason_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        reason = (_state(view, RescueInput.REASON).get("value") or "").strip()
        if not reason:
            ack(
                response_action="errors",
                errors={RescueInput.REASON: "A reason is required for this decision."},
            )
            return
        if len(reason) > 3000:
            ack(
                response_action="errors",
                errors={RescueInput.REASON: "Keep the reason under 3,000 characters."},
            )
            return
        ack()
        metadata = _metadata(view)
        _decide(client, body, metadata["plan"], Decision(metadata["decision"]), reason)

    def _decide(
        client: WebClient, body: dict, plan_id: int, decision: Decision, reason: str | None
    ) -> None:
        user = body["user"]["id"]
        with backend.change(request_key(body)) as session:
            decided = escalations.decide_plan(
                session,
                plan_id=plan_id,
                approver=user,
                decision=decision,
                reason=reason,
                approvers=approvers_of(backend, client),
                now=backend.now(),
            )
        show_decision(backend, client, decided.plan, decided.decisions, final=decided.outcome.final)
