"""Weight listeners: `/onboard weights [propose]`, and the proposal's Approve / Reject buttons with
the reject-reason modal. Thin: parse, call the use case (which queues the messages), answer."""

from __future__ import annotations

import json

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages.ids import WeightAction, WeightModal
from bot.messages.weights import reject_modal, weights_text
from bot.services import weight_actions
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import no_more_words
from bot.store import weights as weight_rows
from bot.store.tables import WeightProposal
from scoring.errors import DomainError, InvalidValue
from scoring.escalation import Decision
from scoring.overrides import MAX_REASON


def run_weights(backend: Backend, ask: Ask, parsed: slash.CommandText, respond: Respond) -> None:
    """`/onboard weights` shows the weights in force; `/onboard weights propose` asks
    calibration for better ones and queues them for an approver."""
    word = parsed.take_word()
    no_more_words(parsed)
    if word is None:
        with backend.session() as session:
            versions = weight_rows.all_versions(session)
        respond(text=weights_text(ask.rules, versions), response_type="ephemeral")
        return
    if word.lower() != "propose":
        raise InvalidValue(f"`{word}` is not something `/onboard weights` does; use `propose`")
    channel = backend.config.escalation.channel or ask.channel
    if not channel:
        raise DomainError("no leadership channel: set `escalation.channel` in the config")
    proposal = weight_actions.propose(backend, ask, channel=channel)
    respond(
        text=f"Weight proposal #{proposal.id} is posted in <#{channel}> for an approver. "
        f"{decision_hint(proposal)}",
        response_type="ephemeral",
    )


def decision_hint(proposal: WeightProposal) -> str:
    before, after = proposal.auc_before, proposal.auc_after
    assert before is not None and after is not None  # a proposal is only made when both exist
    return f"Held-out AUC {before:.3f} with the current weights → {after:.3f} proposed."


def register(app: App, backend: Backend) -> None:
    @app.action(WeightAction.APPROVE)
    @answers_errors
    def approve(ack: Ack, action: dict, context: BoltContext) -> None:
        ack()
        weight_actions.decide(
            backend, context["ask"], int(action["value"]), decision=Decision.APPROVE, reason=None
        )

    @app.action(WeightAction.REJECT)
    @answers_errors
    def ask_reason(
        ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        proposal = weight_actions.proposal_to_decide(backend, context["ask"], int(action["value"]))
        client.views_open(
            trigger_id=body["trigger_id"], view=reject_modal({"proposal": proposal.id})
        )

    @app.view(WeightModal.REASON)
    @answers_errors
    def reason_submitted(ack: Ack, view: dict, context: BoltContext) -> None:
        state = view["state"]["values"].get(WeightModal.REASON_INPUT, {})
        reason = (state.get(WeightModal.REASON_INPUT, {}).get("value") or "").strip()
        if not reason:
            problem = "Say why: rejecting weights needs a reason."
        elif len(reason) > MAX_REASON:
            problem = f"Keep the reason under {MAX_REASON:,} characters."
        else:
            problem = None
        if problem is not None:
            ack(response_action="errors", errors={WeightModal.REASON_INPUT: problem})
            return
        ack()
        proposal_id = json.loads(view.get("private_metadata") or "{}")["proposal"]
        weight_actions.decide(
            backend, context["ask"], proposal_id, decision=Decision.REJECT, reason=reason
        )
