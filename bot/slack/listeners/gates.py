"""Phase gates in Slack: `/onboard gate <account>` opens the checklist modal; its submission saves
the ticks and values. Thin: parse, call `bot.services.gates`, answer."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import gates as gate_ui
from bot.services import gate_actions, gates
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import account_named, no_more_words
from bot.slack.listeners.refresh import HomeRefresher
from scoring.errors import InvalidValue

log = logging.getLogger("rescuebot.gates")


def open_gates(
    backend: Backend, ask: Ask, body: dict, parsed: slash.CommandText, client: WebClient
) -> None:
    """`/onboard gate <account>`: the checklist, refused at the command when not allowed."""
    account = account_named(backend, parsed)
    no_more_words(parsed)
    gate_actions.require(backend, ask, account)
    rules = ask.rules
    today = backend.today()
    with backend.session() as session:
        states = gates.states_of(session, account)
        overdue = gates.overdue_of(session, [account], rules, as_of=today).get(account.id, ())  # type: ignore[arg-type]
    metadata = json.dumps({"account": account.key, "channel": body.get("channel_id")})
    client.views_open(
        trigger_id=body["trigger_id"],
        view=gate_ui.gate_modal(
            name=account.name,
            gates=rules.gates,
            states=states,
            overdue=overdue,
            signed_on=account.signed_on,
            metadata=metadata,
        ),
    )


def _answers(view: dict, ask: Ask) -> tuple[set[str], dict[str, float | None], dict[str, str]]:
    """The ticked items, the measured values, and what is wrong by block."""
    values = view.get("state", {}).get("values", {})
    ticked: set[str] = set()
    measured: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for block_id, actions in values.items():
        if gate_ui.TICKS in actions:
            chosen = actions[gate_ui.TICKS].get("selected_options") or []
            ticked |= {option.get("value") for option in chosen}
        item_key = gate_ui.item_of_value_block(block_id)
        item = ask.rules.gates.get(item_key) if item_key else None
        if item is not None and item.measured and gate_ui.VALUE in actions:
            try:
                measured[item.key] = gate_actions.parse_value(
                    item, actions[gate_ui.VALUE].get("value")
                )
            except InvalidValue as exc:
                errors[block_id] = str(exc)
    return ticked, measured, errors


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.view(gate_ui.CALLBACK)
    @answers_errors
    def gates_submitted(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
        ask: Ask = context["ask"]
        ticked, measured, errors = _answers(view, ask)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        metadata = json.loads(view.get("private_metadata") or "{}")
        saved = gate_actions.save(
            backend, ask, metadata.get("account", ""), ticked=ticked, values=measured
        )
        with backend.session() as session:
            overdue = gates.overdue_of(
                session, [saved.account], ask.rules, as_of=backend.today()
            ).get(saved.account.id, ())  # type: ignore[arg-type]
        text = gate_ui.saved_text(
            saved.account.name, [c.describe() for c in saved.changes], saved.rated, len(overdue)
        )
        if metadata.get("channel"):
            try:
                client.chat_postEphemeral(channel=metadata["channel"], user=ask.user, text=text)
            except SlackApiError as exc:
                log.warning("gate confirmation not sent: %s", exc.response.get("error"))
        homes.request({ask.user, saved.account.csm})
