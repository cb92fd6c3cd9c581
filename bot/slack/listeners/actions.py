"""Button and select listeners: the scorecard's selects and note button, the standup's Claim.

Claim's edit of the standup line is queued by the use case (an update of the clicked message)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages import blocks as ui
from bot.messages.ids import ActionId, parse_signal_block_id
from bot.messages.text import escape_mrkdwn, mention
from bot.services import account_actions, portfolio, rating
from bot.services.account_actions import StandupMessage
from bot.services.backend import Backend
from bot.services.policy import Action
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import scorecard_clicked
from bot.slack.listeners.refresh import HomeRefresher
from scoring.signals import parse_value


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.action(ActionId.SIGNAL_SELECT)
    @answers_errors
    def signal_selected(ack: Ack, body: dict, action: dict, respond: Respond,
                        context: BoltContext) -> None:  # fmt: skip
        ack()
        key, signal_key = parse_signal_block_id(action["block_id"])
        value = parse_value(action["selected_option"]["value"])
        ask = context["ask"]
        with backend.session() as session:
            account = portfolio.find_account(session, key)
        signal = ask.rules.taxonomy.resolve(signal_key)
        rated = rating.rate(backend, ask, account, [(signal, value)], note=None, source="button")
        change = f"{ui.recorded_text(rated.recorded)} By {mention(ask.user)}."
        respond(
            text=f"{escape_mrkdwn(account.name)}: {ui.score_line(rated.card)}",
            blocks=ui.as_dicts(ui.scorecard_blocks(rated.card, change=change)),
            replace_original=True,
        )
        homes.request({ask.user, account.csm})

    @app.action(ActionId.ADD_NOTE)
    @answers_errors
    def add_note(
        ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        clicked = scorecard_clicked(backend, context["ask"], body, action, Action.RATE)
        view = ui.note_modal(clicked.card, clicked.rules.taxonomy.active, metadata=clicked.metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.CLAIM)
    @answers_errors
    def claim(ack: Ack, body: dict, action: dict, context: BoltContext) -> None:
        ack()
        ask = context["ask"]
        message = body.get("message") or {}
        channel = (body.get("container") or {}).get("channel_id") or ask.channel
        clicked = (
            StandupMessage(channel, message["ts"], message.get("text") or "Standup",
                           message.get("blocks") or [])
            if channel and message.get("ts") else None
        )  # fmt: skip
        claimed = account_actions.claim(backend, ask, action["value"], message=clicked)
        homes.request({ask.user, claimed.account.csm})
