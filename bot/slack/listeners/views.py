"""Modal submissions: the note modal and the hand-off checklist.

Validation happens before the ack, so problems come back inline in the modal
(`response_action: errors`); the work happens after it.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import blocks as ui
from bot.messages.ids import ActionId, BlockId, CallbackId, handoff_block_id
from bot.messages.text import escape_mrkdwn
from bot.services import account_actions, portfolio, rating
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.services.readings import MAX_NOTE_CHARS
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.refresh import HomeRefresher
from bot.slack.outbound import GuardedRespond
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.scorecard import SignalLine
from scoring.signals import Value

log = logging.getLogger("rescuebot.views")


def _value(view: dict, block: str, action: str) -> dict:
    return view["state"]["values"].get(block, {}).get(action, {})


def _selected(view: dict, block: str, action: str) -> str | None:
    return (_value(view, block, action).get("selected_option") or {}).get("value")


def _note_problems(
    note: str, signal_key: str | None, line: SignalLine | None, value: Value | None
) -> dict[str, str]:
    """What is wrong with the note modal's answers, by block; empty when it can be saved."""
    errors: dict[str, str] = {}
    if not note:
        errors[BlockId.NOTE_TEXT] = "Write the note: it cannot be empty."
    elif len(note) > MAX_NOTE_CHARS:
        errors[BlockId.NOTE_TEXT] = f"Keep the note under {MAX_NOTE_CHARS:,} characters."
    if not signal_key:
        errors[BlockId.NOTE_SIGNAL] = "Choose the signal the note is about."
    elif line is None:
        errors[BlockId.NOTE_SIGNAL] = "That signal is no longer scored; choose another."
    if value is None and line is not None:
        errors[BlockId.NOTE_VALUE] = f"{line.signal.label} has no value yet: choose one."
    return errors


def _handoff_saved_text(saved: account_actions.Handoff) -> str:
    account, missing = saved.account, saved.missing
    if not missing:
        return f"Hand-off checklist for *{escape_mrkdwn(account.name)}* is complete."
    return (
        f"Saved. Still missing for *{escape_mrkdwn(account.name)}*: "
        + "; ".join(HANDOFF_QUESTIONS[q] for q in missing)
        + " (the account stays at best Watch until then)."
    )


class ViewListeners:
    """The modal listeners, sharing the backend and the home-tab refresher."""

    def __init__(self, backend: Backend, homes: HomeRefresher) -> None:
        self.backend, self.homes = backend, homes

    def note_submitted(
        self, ack: Ack, body: dict, view: dict, context: BoltContext, respond: GuardedRespond
    ) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        signal_key = _selected(view, BlockId.NOTE_SIGNAL, ActionId.NOTE_SIGNAL)
        chosen = _selected(view, BlockId.NOTE_VALUE, ActionId.NOTE_VALUE)
        note = (_value(view, BlockId.NOTE_TEXT, ActionId.NOTE_TEXT).get("value") or "").strip()
        ask: Ask = context["ask"]
        with self.backend.session() as session:
            account = portfolio.find_account(session, metadata.get("account", ""))
            card = portfolio.scorecard(session, account, ask.rules, as_of=self.backend.today())
        line = card.line(signal_key) if signal_key else None
        value = (
            Value(int(chosen))
            if chosen
            else (Value(line.value) if line and line.value is not None else None)
        )
        errors = _note_problems(note, signal_key, line, value)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user = body["user"]["id"]
        assert line is not None and value is not None
        rated = rating.rate(
            self.backend, ask, account, [(line.signal, value)], note=note, source="button"
        )
        if metadata.get("response_url"):
            respond.to(metadata["response_url"])(
                text=f"{escape_mrkdwn(account.name)}: {ui.score_line(rated.card)}",
                blocks=ui.as_dicts(ui.scorecard_blocks(rated.card)),
                replace_original=True,
            )
        self.homes.request({user, account.csm})

    def handoff_submitted(
        self, ack: Ack, view: dict, client: WebClient, context: BoltContext
    ) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        answers = {
            q: _value(view, handoff_block_id(q), ActionId.HANDOFF_ANSWER).get("value") or ""
            for q in HANDOFF_QUESTIONS
        }
        too_long = {
            handoff_block_id(q): "Keep it under 3,000 characters."
            for q, a in answers.items()
            if len(a.strip()) > 3000
        }
        if too_long:
            ack(response_action="errors", errors=too_long)
            return
        ack()
        ask: Ask = context["ask"]
        saved = account_actions.save_handoff(
            self.backend, ask, metadata.get("account", ""), answers
        )
        if metadata.get("channel"):
            try:
                client.chat_postEphemeral(
                    channel=metadata["channel"], user=ask.user, text=_handoff_saved_text(saved)
                )
            except SlackApiError as exc:
                log.warning("hand-off confirmation not sent: %s", exc.response.get("error"))
        self.homes.request({ask.user, saved.account.csm})


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    listeners = ViewListeners(backend, homes)
    app.view(CallbackId.NOTE)(answers_errors(listeners.note_submitted))
    app.view(CallbackId.HANDOFF)(answers_errors(listeners.handoff_submitted))
