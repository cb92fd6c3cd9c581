"""Versioned weights: an approved weight version applied over the configured taxonomy, whether a
calibration has a proposal worth an approver's time, and who may decide one.

Version 0 is the taxonomy as configured. A later version sets the weights of the signals it
names and retires the signals it lists; signals it does not name keep their configured weight,
and a signal retired in the configuration stays retired.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from enum import StrEnum
from fractions import Fraction
from math import isfinite

from scoring.calibration import Calibration
from scoring.errors import DomainError
from scoring.escalation import Awaiting, Decision, require_decider
from scoring.rules import Rules
from scoring.signals import Taxonomy

PROPOSAL = Awaiting(
    "weight proposals", "this proposal",
    "you proposed these weights, so someone else has to decide them",
)  # fmt: skip
SAME_WEIGHT = 0.005
"""Proposed weights are rounded to 0.01: closer than this to the current one is no change."""


class ProposalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # never reached the approvers (its message could not be posted)


def as_weight(value: Fraction | float | int) -> Fraction:
    """A weight as an exact fraction: floats by their shortest decimal, as the config reads them."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool) or not isfinite(value):
        raise DomainError(f"`{value}` is not a weight; a weight is a number ≥ 0")
    return Fraction(str(value))


def apply_version(
    rules: Rules,
    *,
    version: int,
    weights: Mapping[str, Fraction | float | int],
    retired: Collection[str],
) -> Rules:
    """`rules` with a weight version applied: named signals take its weights, listed ones are
    retired. Unknown keys are ignored (the configuration no longer has them). A version that
    would leave nothing to score is refused."""
    signals = []
    for signal in rules.taxonomy.signals:
        weight = as_weight(weights[signal.key]) if signal.key in weights else signal.weight
        if weight < 0:
            raise DomainError(f"`{signal.key}` would weigh {float(weight):g}; weights are ≥ 0")
        signals.append(
            replace(signal, weight=weight, retired=signal.retired or signal.key in retired)
        )
    if not any(s.weight > 0 for s in signals if not s.retired):
        raise DomainError("these weights leave no scored signal with a weight above 0")
    return replace(rules, taxonomy=Taxonomy(signals), weights_version=version)


def changed_weights(calibration: Calibration) -> dict[str, tuple[float, float]]:
    """Each signal whose proposed weight differs from its current one: (current, proposed)."""
    proposed = calibration.proposal.weights
    return {
        s.key: (s.weight, proposed[s.key])
        for s in calibration.signals
        if s.key in proposed and abs(proposed[s.key] - s.weight) >= SAME_WEIGHT
    }


def proposal_problem(calibration: Calibration) -> str | None:
    """Why the calibration has nothing to put to an approver, or None when it has: enough bad and
    good outcomes, some weight or retirement changes, and the held-out check says the change
    does no worse."""
    if calibration.accounts == 0:
        return (
            "there are no finished onboardings to learn from yet: record how onboardings "
            "ended (`/onboard outcome`) first"
        )
    bad, least = calibration.bad, calibration.min_class
    good = calibration.accounts - bad
    if min(bad, good) < least:
        return (
            f"too few finished onboardings to propose weights: {bad} bad and {good} good; "
            f"it takes at least {least} of each, so that no weight rests on a handful of accounts"
        )
    proposal = calibration.proposal
    if not proposal.retire and not changed_weights(calibration):
        return (
            f"nothing to propose: {calibration.accounts} finished onboardings ({bad} bad) show "
            "no signal clearly better or worse than its weight says (a signal needs at least "
            f"{least} bad and {least} good outcomes with it rated at day 30 to be judged)"
        )
    if proposal.auc_before is None or proposal.auc_after is None or proposal.gain is None:
        return (
            "the proposed weights could not be checked on held-out onboardings (each fold "
            "needs bad and good outcomes); record more outcomes and propose again"
        )
    if proposal.gain < 0:
        return (
            f"the proposed weights did worse on held-out onboardings (AUC "
            f"{proposal.auc_before:.3f} → {proposal.auc_after:.3f}); the current weights stay"
        )
    return None


def may_decide(
    *, state: ProposalState, approver: str, proposer: str, approvers: Collection[str]
) -> None:
    """Refuse (NotAllowed, saying why) anyone who may not decide this proposal now."""
    pending = state is ProposalState.PENDING
    require_decider(
        PROPOSAL, approver=approver, author=proposer, approvers=approvers,
        decided=None if pending else state.value,
    )  # fmt: skip


def decide_proposal(
    *,
    state: ProposalState,
    decision: Decision,
    approver: str,
    proposer: str,
    approvers: Collection[str],
    reason: str | None,
) -> ProposalState:
    """The proposal's state after one approver's decision, or NotAllowed with the reason why.
    The escalation rules apply: configured approvers only, never the proposer; one approval
    decides it."""
    may_decide(state=state, approver=approver, proposer=proposer, approvers=approvers)
    if decision is Decision.REQUEST_CHANGES:
        raise DomainError("a weight proposal is approved or rejected, not sent back for changes")
    if decision is Decision.REJECT:
        if not (reason or "").strip():
            raise DomainError("Rejected needs a reason")
        return ProposalState.REJECTED
    return ProposalState.APPROVED
