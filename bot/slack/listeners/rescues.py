"""Rescue and escalation listeners: /rescue, /escalate, the thread's buttons, the plan's
decision buttons and their modals. Each is thin: ack, parse, call one use case in
`bot.services.rescue_actions` (which asks the policy and queues the thread's messages), answer.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages.ids import PlanAction, RescueAction, RescueInput, RescueModal, plan_block_id
from bot.messages.rescue import change_modal, log_modal, plan_modal, reason_modal, resolve_modal
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.services import fields, rescue_actions, rescues
from bot.services.backend import Backend
from bot.services.escalations import Decided, PlanIncomplete
from bot.services.policy import Action, Ask
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import account_named, allowed_options
from bot.slack.listeners.refresh import HomeRefresher
from scoring.errors import DomainError
from scoring.escalation import MAX_FIELD, PLAN_FIELDS, Decision

MODALS = {
    RescueAction.LOG: log_modal,
    RescueAction.CHANGE: change_modal,
    RescueAction.RESOLVE: resolve_modal,
}


def _state(view: dict, block: str) -> dict:
    return view["state"]["values"].get(block, {}).get(block, {})


def _value(view: dict, block: str) -> str:
    return (_state(view, block).get("value") or "").strip()


def _too_long(view: dict, blocks: tuple[str, ...]) -> dict[str, str]:
    return {
        block: f"Keep it under {rescues.MAX_TEXT:,} characters."
        for block in blocks
        if len(_value(view, block)) > rescues.MAX_TEXT
    }


def _metadata(view: dict) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


class RescueListeners:
    """The listeners, sharing the backend and the home-tab refresher."""

    def __init__(self, backend: Backend, homes: HomeRefresher) -> None:
        self.backend, self.homes = backend, homes

    def rescue_command(self, ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        ask: Ask = context["ask"]
        parsed = slash.parse(body.get("text", ""), options=True)
        allowed_options(parsed, frozenset({"owner", "due"}), "/rescue")
        account = account_named(self.backend, parsed)
        owner = fields.user(parsed.options.get("owner", ""), "owner")
        due = fields.day(parsed.options.get("due", ""), "due")
        opened = rescue_actions.open_by_hand(
            self.backend, ask, account, owner=owner, due=due, note=parsed.rest() or None
        )
        rescue = opened.view.rescue
        name = escape_mrkdwn(account.name)
        text = (
            f"Opened a rescue for *{name}*: owner {mention(rescue.owner)}, checkpoint "
            f"{short_date(rescue.checkpoint_on)}."
            if opened.created
            else f"*{name}* already has an open rescue; your note went to its thread."
        )
        respond(text=text, response_type="ephemeral")
        self.homes.request({ask.user, rescue.owner, account.csm})

    def escalate_command(
        self, ack: Ack, body: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        parsed = slash.parse(body.get("text", ""))
        account = account_named(self.backend, parsed)
        if parsed.words:
            raise DomainError(f"unexpected `{' '.join(parsed.words)}`")
        view = rescue_actions.start_escalation(self.backend, context["ask"], account)
        metadata = {"rescue": view.rescue.id, "channel": body.get("channel_id")}
        client.views_open(
            trigger_id=body["trigger_id"],
            view=plan_modal(view, metadata, today=self.backend.today()),
        )

    def acknowledge(self, ack: Ack, action: dict, context: BoltContext) -> None:
        ack()
        ask: Ask = context["ask"]
        rescue_actions.acknowledge(self.backend, ask, int(action["value"]))
        self.homes.request({ask.user})

    def open_modal(self, ack: Ack, body: dict, action: dict, client: WebClient,
                   context: BoltContext) -> None:  # fmt: skip
        ack()
        kind = RescueAction(action["action_id"])
        needed = Action.ESCALATE if kind is RescueAction.ESCALATE else Action.WORK_RESCUE
        view = rescue_actions.rescue_to_work(
            self.backend, context["ask"], int(action["value"]), needed
        )
        metadata = {"rescue": view.rescue.id}
        modal = (
            plan_modal(view, metadata, today=self.backend.today())
            if kind is RescueAction.ESCALATE
            else MODALS[kind](view, metadata)
        )
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def log_submitted(self, ack: Ack, view: dict, context: BoltContext) -> None:
        errors = _too_long(view, (RescueInput.DONE, RescueInput.CUSTOMER, RescueInput.NEXT))
        done = _value(view, RescueInput.DONE)
        if not done:
            errors[RescueInput.DONE] = "Say what was done."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ask: Ask = context["ask"]
        rescue_actions.log_action(
            self.backend,
            ask,
            _metadata(view)["rescue"],
            done=done,
            customer=_value(view, RescueInput.CUSTOMER) or None,
            next_step=_value(view, RescueInput.NEXT) or None,
        )
        self.homes.request({ask.user})

    def change_submitted(self, ack: Ack, view: dict, context: BoltContext) -> None:
        owner = _state(view, RescueInput.OWNER).get("selected_user")
        picked = _state(view, RescueInput.CHECKPOINT).get("selected_date")
        checkpoint = date.fromisoformat(picked) if picked else None
        if checkpoint is not None and checkpoint < self.backend.today():
            ack(
                response_action="errors",
                errors={RescueInput.CHECKPOINT: "The checkpoint cannot be in the past."},
            )
            return
        ack()
        ask: Ask = context["ask"]
        rescue_actions.change_owner_or_date(
            self.backend, ask, _metadata(view)["rescue"], owner=owner, due=checkpoint
        )
        self.homes.request({ask.user, owner})

    def resolve_submitted(self, ack: Ack, view: dict, context: BoltContext) -> None:
        outcome = (_state(view, RescueInput.OUTCOME).get("selected_option") or {}).get("value")
        errors = _too_long(view, (RescueInput.NOTE,))
        if outcome not in rescues.RESOLUTIONS:
            errors[RescueInput.OUTCOME] = "Choose whether the account recovered."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ask: Ask = context["ask"]
        account = rescue_actions.resolve(
            self.backend,
            ask,
            _metadata(view)["rescue"],
            resolution=str(outcome),
            note=_value(view, RescueInput.NOTE) or None,
        )
        self.homes.request({ask.user, account.csm})

    def plan_submitted(self, ack: Ack, view: dict, context: BoltContext) -> None:
        picked = _state(view, RescueInput.DEADLINE).get("selected_date")
        try:
            rescue_actions.submit_plan(
                self.backend,
                context["ask"],
                _metadata(view)["rescue"],
                fields={k: _state(view, plan_block_id(k)).get("value") for k in PLAN_FIELDS},
                deadline=date.fromisoformat(picked) if picked else None,
            )
        except PlanIncomplete as incomplete:
            errors = {
                (RescueInput.DEADLINE if k == "decision_deadline" else plan_block_id(k)): v
                for k, v in incomplete.problems.items()
            }
            ack(response_action="errors", errors=errors)
            return
        ack()

    def approve(self, ack: Ack, action: dict, context: BoltContext) -> None:
        ack()
        ask: Ask = context["ask"]
        decided = rescue_actions.decide(
            self.backend, ask, int(action["value"]), decision=Decision.APPROVE, reason=None
        )
        self._decided(ask, decided)

    def _decided(self, ask: Ask, decided: Decided) -> None:
        """The decider's home loses the plan; once final, every approver's does."""
        self.homes.request(
            {ask.user, *(ask.actor.roles.approvers if decided.outcome.final else ())}
        )

    def ask_reason(self, ack: Ack, body: dict, action: dict, client: WebClient,
                   context: BoltContext) -> None:  # fmt: skip
        ack()
        decision = (
            Decision.REJECT if action["action_id"] == PlanAction.REJECT
            else Decision.REQUEST_CHANGES
        )  # fmt: skip
        plan = rescue_actions.plan_to_decide(self.backend, context["ask"], int(action["value"]))
        client.views_open(
            trigger_id=body["trigger_id"],
            view=reason_modal(decision, {"plan": plan.id, "decision": decision.value}),
        )

    def reason_submitted(self, ack: Ack, view: dict, context: BoltContext) -> None:
        reason = _value(view, RescueInput.REASON)
        problem = (
            "A reason is required for this decision." if not reason
            else f"Keep the reason under {MAX_FIELD:,} characters." if len(reason) > MAX_FIELD
            else None
        )  # fmt: skip
        if problem:
            ack(response_action="errors", errors={RescueInput.REASON: problem})
            return
        ack()
        metadata = _metadata(view)
        ask: Ask = context["ask"]
        decided = rescue_actions.decide(
            self.backend, ask, int(metadata["plan"]),
            decision=Decision(metadata["decision"]), reason=reason,
        )  # fmt: skip
        self._decided(ask, decided)


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    listeners = RescueListeners(backend, homes)
    app.command("/rescue")(answers_errors(listeners.rescue_command))
    app.command("/escalate")(answers_errors(listeners.escalate_command))
    app.action(RescueAction.ACKNOWLEDGE)(answers_errors(listeners.acknowledge))
    for kind in (RescueAction.LOG, RescueAction.CHANGE, RescueAction.RESOLVE,
                 RescueAction.ESCALATE):  # fmt: skip
        app.action(kind)(answers_errors(listeners.open_modal))
    app.view(RescueModal.LOG)(answers_errors(listeners.log_submitted))
    app.view(RescueModal.CHANGE)(answers_errors(listeners.change_submitted))
    app.view(RescueModal.RESOLVE)(answers_errors(listeners.resolve_submitted))
    app.view(RescueModal.PLAN)(answers_errors(listeners.plan_submitted))
    app.action(PlanAction.APPROVE)(answers_errors(listeners.approve))
    for kind in (PlanAction.REQUEST_CHANGES, PlanAction.REJECT):
        app.action(kind)(answers_errors(listeners.ask_reason))
    app.view(RescueModal.REASON)(answers_errors(listeners.reason_submitted))
