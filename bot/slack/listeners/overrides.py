"""Status override listeners: the scorecard's Override status button, its modal, and
`/onboard override`. Thin: parse, call the use case, answer."""

from __future__ import annotations

import json

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages import blocks as ui
from bot.messages.ids import CLEAR_OVERRIDE, ActionId, CallbackId, OverrideInput
from bot.messages.overrides import change_text, override_modal
from bot.messages.text import escape_mrkdwn
from bot.services import account_actions, portfolio
from bot.services.backend import Backend
from bot.services.policy import Action, Ask
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import (
    account_named,
    no_more_words,
    scorecard_clicked,
)
from bot.slack.listeners.refresh import HomeRefresher
from bot.slack.outbound import GuardedRespond
from scoring.errors import InvalidValue
from scoring.overrides import STATUS_USAGE, clean_reason, parse_status
from scoring.rules import Status

CHOOSE_STATUS = "Choose Healthy, Watch or At risk."


def _state(view: dict, block: str) -> dict:
    return view["state"]["values"].get(block, {}).get(block, {})


def modal_problems(chosen: str | None, reason: str | None) -> dict[str, str]:
    """What is wrong with the modal's answers, by block; empty when they can be saved."""
    if not chosen:
        return {OverrideInput.STATUS: CHOOSE_STATUS}
    if chosen == CLEAR_OVERRIDE:
        return {}
    if chosen not in {s.value for s in Status}:
        return {OverrideInput.STATUS: f"`{chosen}` is not a status. {CHOOSE_STATUS}"}
    try:
        clean_reason(reason)
    except InvalidValue as exc:
        text = str(exc)
        return {OverrideInput.REASON: f"{text[0].upper()}{text[1:]}."}
    return {}


def run_override(
    backend: Backend, homes: HomeRefresher, ask: Ask, parsed: slash.CommandText, respond: Respond
) -> None:
    """`/onboard override <account> <status> reason:"…"` or `/onboard override <account> clear`."""
    account = account_named(backend, parsed)
    word = parsed.take_word()
    if word is None:
        raise InvalidValue(f"the status is missing: {STATUS_USAGE}, or `clear`")
    no_more_words(parsed)
    clearing = word.lower() == CLEAR_OVERRIDE
    if clearing and "reason" in parsed.options:
        raise InvalidValue("`clear` takes no `reason:`; it ends the override in force")
    status = None if clearing else parse_status(word)
    change = account_actions.override(
        backend, ask, account, status=status, reason=parsed.options.get("reason")
    )
    respond(text=change_text(change, cleared=clearing), response_type="ephemeral")
    homes.request({ask.user, account.csm})


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.action(ActionId.OVERRIDE_STATUS)
    @answers_errors
    def open_override(
        ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        clicked = scorecard_clicked(backend, context["ask"], body, action, Action.RECORD_OUTCOME)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=override_modal(clicked.card, metadata=clicked.metadata),
        )

    @app.view(CallbackId.OVERRIDE)
    @answers_errors
    def override_submitted(
        ack: Ack, view: dict, respond: GuardedRespond, context: BoltContext
    ) -> None:
        chosen = (_state(view, OverrideInput.STATUS).get("selected_option") or {}).get("value")
        reason = _state(view, OverrideInput.REASON).get("value")
        errors = modal_problems(chosen, reason)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        ask: Ask = context["ask"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        with backend.session() as session:
            account = portfolio.find_account(session, metadata.get("account", ""))
        clearing = chosen == CLEAR_OVERRIDE
        status = None if clearing else Status(chosen)
        change = account_actions.override(backend, ask, account, status=status, reason=reason)
        if metadata.get("response_url"):
            respond.to(metadata["response_url"])(
                text=f"{escape_mrkdwn(account.name)}: {ui.score_line(change.card)}",
                blocks=ui.as_dicts(
                    ui.scorecard_blocks(change.card, change=change_text(change, cleared=clearing))
                ),
                replace_original=True,
            )
        homes.request({ask.user, account.csm})
