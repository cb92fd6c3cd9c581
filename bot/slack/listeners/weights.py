"""Weight listeners: `/onboard weights [propose]`, and the proposal's Approve / Reject buttons with
the reject-reason modal. Thin: parse, call the use case, then post."""

from __future__ import annotations

import json

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages.blocks import as_dicts
from bot.messages.ids import WeightAction, WeightModal
from bot.messages.weights import (
    decision_text,
    proposal_blocks,
    proposal_text,
    reject_modal,
    weights_text,
)
from bot.services import weights
from bot.services.backend import Backend
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import no_more_words, request_key
from bot.slack.listeners.rescue_posts import UNPOSTABLE, approvers_of
from bot.store import weights as weight_rows
from bot.store.tables import WeightProposal
from scoring.errors import DomainError, InvalidValue
from scoring.escalation import Decision
from scoring.overrides import MAX_REASON
from scoring.weights import ProposalState, may_decide


def run_weights(
    backend: Backend, body: dict, parsed: slash.CommandText, respond: Respond, client: WebClient
) -> None:
    """`/onboard weights` shows the weights in force; `/onboard weights propose` asks
    calibration for better ones and posts them for an approver."""
    word = parsed.take_word()
    no_more_words(parsed)
    if word is None:
        with backend.session() as session:
            rules = weights.rules_in_force(session, backend.config)
            versions = weight_rows.all_versions(session)
        respond(text=weights_text(rules, versions), response_type="ephemeral")
        return
    if word.lower() != "propose":
        raise InvalidValue(f"`{word}` is not something `/onboard weights` does; use `propose`")
    channel = backend.config.escalation.channel or body.get("channel_id")
    if not channel:
        raise DomainError("no leadership channel: set `escalation.channel` in the config")
    with backend.session() as session:
        calibrated = weights.calibrated(session, backend.config, today=backend.today())
    with backend.change(request_key(body)) as session:
        proposal = weights.propose(session, calibrated, proposer=body["user_id"], now=backend.now())
    _post(backend, client, proposal, channel)
    respond(
        text=f"Weight proposal #{proposal.id} is posted in <#{channel}> for an approver. "
        f"{decision_hint(proposal)}",
        response_type="ephemeral",
    )


def decision_hint(proposal: WeightProposal) -> str:
    before, after = proposal.auc_before, proposal.auc_after
    assert before is not None and after is not None  # a proposal is only made when both exist
    return f"Held-out AUC {before:.3f} with the current weights → {after:.3f} proposed."


def _post(backend: Backend, client: WebClient, proposal: WeightProposal, channel: str) -> None:
    """Post the proposal for decision; one that cannot be posted is withdrawn, not left
    pending where no approver can see it."""
    assert proposal.id is not None
    try:
        posted = client.chat_postMessage(
            channel=channel,
            text=proposal_text(proposal),
            blocks=as_dicts(proposal_blocks(proposal)),
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        with backend.change(None) as session:
            weights.withdraw(
                session, proposal_id=proposal.id, why=f"not posted ({error})", now=backend.now()
            )
        if error in UNPOSTABLE:
            raise DomainError(
                f"I can't post in <#{channel}>, so the proposal was withdrawn: invite me there "
                "with `/invite @Onboarding Rescue` and propose again"
            ) from exc
        raise
    with backend.change(None) as session:
        weights.mark_posted(
            session, proposal_id=proposal.id, channel=posted["channel"], ts=posted["ts"]
        )


def register(app: App, backend: Backend) -> None:
    @app.action(WeightAction.APPROVE)
    @answers_errors
    def approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        _decide(client, body, int(action["value"]), Decision.APPROVE, None)

    @app.action(WeightAction.REJECT)
    @answers_errors
    def ask_reason(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        proposal_id = int(action["value"])
        with backend.session() as session:
            proposal = session.get(WeightProposal, proposal_id)
        if proposal is None:
            raise DomainError("that weight proposal no longer exists")
        may_decide(
            state=ProposalState(proposal.state),
            approver=body["user"]["id"],
            proposer=proposal.proposed_by,
            approvers=approvers_of(backend, client),
        )
        client.views_open(
            trigger_id=body["trigger_id"], view=reject_modal({"proposal": proposal_id})
        )

    @app.view(WeightModal.REASON)
    @answers_errors
    def reason_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
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
        _decide(client, body, proposal_id, Decision.REJECT, reason)

    def _decide(
        client: WebClient, body: dict, proposal_id: int, decision: Decision, reason: str | None
    ) -> None:
        with backend.change(request_key(body)) as session:
            decided = weights.decide(
                session,
                backend.config,
                proposal_id=proposal_id,
                approver=body["user"]["id"],
                decision=decision,
                reason=reason,
                approvers=approvers_of(backend, client),
                now=backend.now(),
            )
        proposal = decided.proposal
        if proposal.channel and proposal.message_ts:
            client.chat_update(
                channel=proposal.channel,
                ts=proposal.message_ts,
                text=proposal_text(proposal),
                blocks=as_dicts(proposal_blocks(proposal)),
            )
        client.chat_postMessage(
            channel=proposal.proposed_by,
            text=f"Your weight proposal #{proposal.id}: {decision_text(proposal)}",
        )
