"""Block Kit for the weights: a proposal with its evidence and decision buttons, the reject-reason
modal, and the weights in force."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.messages.ids import WeightAction, WeightModal
from bot.messages.kit import button, decision_confirm, header, modal, section, text_input
from bot.messages.limits import fit
from bot.messages.text import escape_mrkdwn, mention
from bot.store.tables import WeightProposal, WeightVersion
from scoring.overrides import MAX_REASON
from scoring.rules import Rules
from scoring.weights import SAME_WEIGHT, ProposalState


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def proposal_text(proposal: WeightProposal) -> str:
    return f"Weight proposal #{proposal.id}: {proposal.state}"


def _signal_line(signal: dict[str, Any]) -> str:
    interval = signal.get("auc_ci")
    auc = _number(signal.get("auc"))
    if interval:
        auc += f" [{_number(interval[0])}, {_number(interval[1])}]"
    if signal["retire"]:
        change = f"{signal['current']:g} → *retire*"
    elif abs(signal["proposed"] - signal["current"]) >= SAME_WEIGHT:
        change = f"{signal['current']:g} → *{signal['proposed']:g}*"
    else:
        change = f"{signal['current']:g} (unchanged)"
    return f"• `{escape_mrkdwn(signal['key'])}` {change} · AUC {auc} · {signal['verdict']}"


def proposal_blocks(proposal: WeightProposal) -> list[Block]:
    """The proposal as approvers see it; once decided, the buttons give way to the decision."""
    blocks: list[Block] = [
        header(f"Weight proposal #{proposal.id}"),
        section(_origin(proposal)),
        section(
            "*Weight per signal* (current → proposed · day-30 AUC [95% CI] · verdict)\n"
            + "\n".join(_signal_line(s) for s in proposal.evidence.get("signals", []))
        ),
        section(_expected(proposal)),
    ]
    if proposal.state == ProposalState.PENDING:
        blocks.append(_decision_buttons(proposal))
    else:
        blocks.append(section(decision_text(proposal)))
    return blocks


QUARTERLY = "scheduler:quarterly-calibration"
"""The proposer of the proposals the quarterly calibration job makes (nobody to mention)."""


def proposer_text(proposed_by: str) -> str:
    return "the quarterly calibration" if proposed_by == QUARTERLY else mention(proposed_by)


def _origin(proposal: WeightProposal) -> str:
    """Who proposed it, from how many finished onboardings, and which weights it replaces."""
    evidence = proposal.evidence
    return (
        f"Proposed by {proposer_text(proposal.proposed_by)} from calibration on "
        f"{evidence.get('accounts', 0)} finished onboardings ({evidence.get('bad', 0)} "
        f"bad) · replaces weights v{proposal.based_on}"
        + (" (as configured)" if proposal.based_on == 0 else "")
    )


def _expected(proposal: WeightProposal) -> str:
    """The model's AUC now, and what cross-validation expects of the proposed weights."""
    evidence = proposal.evidence
    held_out = evidence.get("held_out", {})
    return (
        f"*Model AUC now* (day 30): {_number(evidence.get('model_auc'))}\n"
        f"*Expected on held-out onboardings* ({held_out.get('folds', 0)}-fold "
        f"cross-validation, never scored on the accounts it was fitted on): AUC "
        f"{_number(proposal.auc_before, 3)} with the current weights → "
        f"{_number(proposal.auc_after, 3)} proposed, gain "
        f"*{_signed(held_out.get('gain'))}*"
    )


def _decision_buttons(proposal: WeightProposal) -> ActionsBlock:
    value = str(proposal.id)
    approve = decision_confirm(
        "Approve these weights?", "Approve", first="Every score is computed with them from now on."
    )
    reject = decision_confirm(
        "Reject these weights?", "Continue", first="You will be asked for a reason."
    )
    return ActionsBlock(
        elements=[
            button("Approve", WeightAction.APPROVE, value, style="primary", confirm=approve),
            button("Reject", WeightAction.REJECT, value, style="danger", confirm=reject),
        ]
    )


def decision_text(proposal: WeightProposal) -> str:
    reason = f": {fit(proposal.reason, 1000)}" if proposal.reason else ""
    if proposal.state == ProposalState.APPROVED:
        return (
            f"*Approved* by {mention(proposal.decided_by)}: weights v{proposal.version} are in "
            f"force{reason}."
        )
    if proposal.state == ProposalState.REJECTED:
        return f"*Rejected* by {mention(proposal.decided_by)}{reason}. The weights stay."
    return f"*Withdrawn*{reason}."


def reject_modal(metadata: dict[str, int]) -> View:
    reason = text_input(
        WeightModal.REASON_INPUT,
        "Reason",
        hint="The proposer and the leadership channel will see it.",
        max_length=MAX_REASON,
    )
    return modal(
        WeightModal.REASON,
        "Reject the weights",
        [reason],
        metadata=metadata,
        submit="Reject",
    )


def weights_text(rules: Rules, versions: Sequence[WeightVersion]) -> str:
    """The weights in force, signal by signal, and where they came from."""
    taxonomy = rules.taxonomy
    weights = " · ".join(f"`{s.key}` {float(s.weight):g}" for s in taxonomy.active)
    retired = [s.key for s in taxonomy.signals if s.retired]
    latest = versions[-1] if versions else None
    origin = (
        "as configured"
        if latest is None
        else f"from {latest.source}, approved by "
        + (", ".join(mention(u) for u in latest.approved_by) or "nobody")
        + f" on {latest.created_at.date().isoformat()}"
    )
    lines = [f"*Weights in force: v{rules.weights_version}* ({origin})", weights]
    if retired:
        lines.append("Retired: " + ", ".join(f"`{k}`" for k in retired))
    lines.append("`/onboard weights propose` asks calibration for better ones.")
    return "\n".join(lines)
