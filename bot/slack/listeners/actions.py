"""Button and select listeners: the scorecard's selects and note button, a rating's Undo, the
standup's Claim and Unclaim.

The standup message itself is edited by the live standup (every change of a listed account
queues its edit), so Claim and Unclaim answer only the person who clicked: a line claimed by
someone else since it was shown asks to confirm; the owner gets Unclaim."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages import blocks as ui
from bot.messages.claims import (
    CLAIM_CONFIRM_BLOCK,
    claim_confirm_blocks,
    claimed_blocks,
    claimed_text,
    unclaimed_text,
)
from bot.messages.ids import (
    SEPARATOR,
    ActionId,
    parse_claim_value,
    parse_undo_value,
)
from bot.messages.text import escape_mrkdwn, mention
from bot.messages.undo import undone_text
from bot.services import account_actions, undo
from bot.services.backend import Backend
from bot.services.policy import Action
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import rate_selected, scorecard_clicked
from bot.slack.listeners.refresh import HomeRefresher
from scoring.errors import InvalidValue


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.action(ActionId.SIGNAL_SELECT)
    @answers_errors
    def signal_selected(ack: Ack, body: dict, action: dict, respond: Respond,
                        context: BoltContext) -> None:  # fmt: skip
        ack()
        ask = context["ask"]
        account, rated = rate_selected(backend, ask, action)
        change = f"{ui.recorded_text(rated.recorded)} By {mention(ask.user)}."
        offered = undo.offer(rated.recorded, surface="card")
        respond(
            text=f"{escape_mrkdwn(account.name)}: {ui.score_line(rated.card)}",
            blocks=ui.as_dicts(ui.scorecard_blocks(rated.card, change=change, undo=offered)),
            replace_original=True,
        )
        homes.request({ask.user, account.csm})

    @app.action(ActionId.UNDO_RATING)
    @answers_errors
    def undo_rating(ack: Ack, action: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        ask = context["ask"]
        try:
            surface, reading_ids = parse_undo_value(action.get("value") or "")
        except ValueError as error:
            raise InvalidValue("this Undo button is not one the bot made; rate again") from error
        undone = undo.undo(backend, ask, reading_ids)
        said = undone_text(undone.recorded, kept=[undo.kept_text(k) for k in undone.kept],
                           rescue_closed=undone.recorded.closed is not None)  # fmt: skip
        if surface == "card":
            blocks = ui.scorecard_blocks(undone.card, change=f"{said} By {mention(ask.user)}.")
            respond(text=said, blocks=ui.as_dicts(blocks), replace_original=True)
        else:
            respond(text=said, replace_original=True)
        homes.request({ask.user, undone.account.csm})

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
    def claim(ack: Ack, action: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        ask = context["ask"]
        value = action.get("value") or ""
        key, shown = parse_claim_value(value)
        claimed = account_actions.claim(backend, ask, key, shown=shown, checked=SEPARATOR in value)
        if claimed.confirm is not None:
            blocks = claim_confirm_blocks(claimed.account.key, claimed.account.name,
                                          claimed.confirm)  # fmt: skip
            respond(text=f"{mention(claimed.confirm)} owns this follow-up now; take it over?",
                    blocks=ui.as_dicts(blocks), response_type="ephemeral",
                    replace_original=False)  # fmt: skip
        else:  # the owner's answer, with Unclaim; it replaces a "Claim it anyway" question
            account = claimed.account
            respond(text=claimed_text(account.name, changed=claimed.changed),
                    blocks=ui.as_dicts(claimed_blocks(account.key, account.name,
                                                      changed=claimed.changed)),
                    response_type="ephemeral",
                    replace_original=action.get("block_id") == CLAIM_CONFIRM_BLOCK)  # fmt: skip
        homes.request({ask.user, claimed.account.csm})

    @app.action(ActionId.UNCLAIM)
    @answers_errors
    def unclaim(ack: Ack, action: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        ask = context["ask"]
        unclaimed = account_actions.unclaim(backend, ask, action.get("value") or "")
        respond(text=unclaimed_text(unclaimed.account.name, unclaimed.owner),
                response_type="ephemeral", replace_original=False)  # fmt: skip
        homes.request({ask.user, unclaimed.account.csm, unclaimed.owner})
