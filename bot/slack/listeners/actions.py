"""Button and select listeners: the scorecard's selects and note button, the standup's Claim."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages import blocks as ui
from bot.messages.ids import ActionId, parse_signal_block_id, standup_block_id
from bot.messages.text import mention
from bot.services import accounts, portfolio, rating
from bot.services.backend import Backend
from bot.services.weights import rules_in_force
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import request_key, scorecard_clicked
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
        with backend.session() as session:
            account = portfolio.find_account(session, key)
            signal = rules_in_force(session, backend.config).taxonomy.resolve(signal_key)
        ask = context["ask"]
        rated = rating.rate(backend, ask, account, [(signal, value)], note=None, source="button")
        change = f"{ui.recorded_text(rated.recorded)} By {mention(ask.user)}."
        respond(
            text=f"{account.name}: {ui.score_line(rated.card)}",
            blocks=ui.as_dicts(ui.scorecard_blocks(rated.card, change=change)),
            replace_original=True,
        )
        homes.request({ask.user, account.csm})

    @app.action(ActionId.ADD_NOTE)
    @answers_errors
    def add_note(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        clicked = scorecard_clicked(backend, body, action)
        view = ui.note_modal(clicked.card, clicked.rules.taxonomy.active, metadata=clicked.metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.CLAIM)
    @answers_errors
    def claim(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        today = backend.today()
        with backend.change(request_key(body)) as session:
            account = portfolio.find_account(session, action["value"])
            accounts.claim(session, account=account, user=user, now=backend.now())
            items = portfolio.load_portfolio(
                session,
                rules_in_force(session, backend.config),
                as_of=today,
                only=portfolio.with_keys({account.key}),
            ).standup()
        message = body.get("message") or {}
        if items and message.get("blocks"):
            blocks = replace_item(
                message["blocks"], account.key, ui.as_dicts(ui.standup_item_blocks(items[0]))
            )
            client.chat_update(
                channel=body["container"]["channel_id"],
                ts=message["ts"],
                blocks=blocks,
                text=message.get("text") or "Standup",
            )
        homes.request({user, account.csm})


def replace_item(blocks: list[dict], account: str, item: list[dict]) -> list[dict]:
    """The message's blocks with one account's line (section + context) re-rendered."""
    block_id = standup_block_id(account)
    for i, block in enumerate(blocks):
        if block.get("block_id") == block_id:
            return [*blocks[:i], *item, *blocks[i + 2 :]]
    return blocks
