"""Weight proposals as people make and decide them in Slack.

Proposing calibrates on a read-only snapshot, then stores the proposal and queues its message
to the leadership channel in one transaction (a pending proposal whose message Slack refused for
good is withdrawn first). Deciding is for the approvers in force (the
policy's `roles.approvers`, user group included), never the proposer; the decision, the edit of
the proposal's message (which waits for its post) and the proposer's DM commit together.
"""

from __future__ import annotations

from bot.messages.blocks import as_dicts
from bot.messages.weights import QUARTERLY, decision_text, proposal_blocks, proposal_text
from bot.services import weights
from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize
from bot.store import deliveries
from bot.store import weights as weight_rows
from bot.store.tables import WeightProposal
from scoring.errors import DomainError
from scoring.escalation import Decision
from scoring.weights import ProposalState, may_decide


def message_key(proposal_id: int | None) -> str:
    return f"weights:{proposal_id}:message"


def propose(backend: Backend, ask: Ask, *, channel: str) -> WeightProposal:
    """Calibrate, keep the proposal and queue it for the approvers in `channel`."""
    return _propose(backend, ask.key, proposer=ask.user, channel=channel)


def propose_quarterly(backend: Backend, *, channel: str, run_key: str) -> WeightProposal:
    """The quarterly calibration's proposal, put to the approvers in `channel` exactly as one
    made by hand (NothingToPropose, or a DomainError while one is pending, says why not)."""
    return _propose(backend, run_key, proposer=QUARTERLY, channel=channel)


def _propose(
    backend: Backend, request_key: str | None, *, proposer: str, channel: str
) -> WeightProposal:
    _withdraw_unposted(backend)
    with backend.session() as session:
        calibrated = weights.calibrated(session, backend.config, today=backend.today())
    now = backend.now()
    with backend.change(request_key) as session:
        proposal = weights.propose(session, calibrated, proposer=proposer, now=now)
        deliveries.enqueue(
            session, key=message_key(proposal.id), method="message", channel=channel,
            payload={"text": proposal_text(proposal),
                     "blocks": as_dicts(proposal_blocks(proposal))},
            now=now,
        )  # fmt: skip
        return proposal


def _withdraw_unposted(backend: Backend) -> None:
    """A pending proposal whose message Slack refused for good never reached the approvers:
    withdraw it, so that it does not block the next one."""
    with backend.session() as session:
        pending = weight_rows.pending_proposal(session)
        posted = deliveries.by_key(session, message_key(pending.id)) if pending else None
    if pending is None or posted is None or posted.state != deliveries.FAILED:
        return
    with backend.change(None) as session:
        weights.withdraw(session, proposal_id=int(pending.id or 0),
                         why=f"not posted ({posted.last_error})", now=backend.now())  # fmt: skip


def proposal_to_decide(backend: Backend, ask: Ask, proposal_id: int) -> WeightProposal:
    """Before the reason modal opens: the proposal, if `ask` may decide it now."""
    authorize(ask.actor, Action.ACCEPT_CALIBRATION)
    with backend.session() as session:
        proposal = session.get(WeightProposal, proposal_id)
    if proposal is None:
        raise DomainError("that weight proposal no longer exists")
    may_decide(
        state=ProposalState(proposal.state), approver=ask.user,
        proposer=proposal.proposed_by, approvers=ask.actor.roles.approvers,
    )  # fmt: skip
    return proposal


def decide(
    backend: Backend, ask: Ask, proposal_id: int, *, decision: Decision, reason: str | None
) -> weights.WeightsDecided:
    """One approver's decision, shown on the proposal's message and told to the proposer."""
    authorize(ask.actor, Action.ACCEPT_CALIBRATION)
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        decided = weights.decide(
            session, backend.config, proposal_id=proposal_id, approver=ask.user,
            decision=decision, reason=reason, approvers=ask.actor.roles.approvers, now=now,
        )  # fmt: skip
        proposal = decided.proposal
        posted = deliveries.by_key(session, message_key(proposal.id))
        if posted is not None or proposal.message_ts:
            payload: dict[str, object] = {
                "text": proposal_text(proposal),
                "blocks": as_dicts(proposal_blocks(proposal)),
            }
            if proposal.message_ts:  # posted before the outbox: edit it where it is
                payload["ts"] = proposal.message_ts
            deliveries.enqueue(
                session, key=f"weights:{proposal.id}:decided", method="update",
                channel=proposal.channel or (posted.channel if posted else ""),
                payload=payload, now=now, parent=posted,
            )  # fmt: skip
        if proposal.proposed_by == QUARTERLY:  # nobody to tell: the job proposed it
            return decided
        deliveries.enqueue(
            session, key=f"weights:{proposal.id}:told", method="message",
            channel=proposal.proposed_by,
            payload={"text": f"Your weight proposal #{proposal.id}: {decision_text(proposal)}"},
            now=now,
        )  # fmt: skip
        return decided
