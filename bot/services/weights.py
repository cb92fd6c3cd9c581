"""The weights in force, and changing them: calibration proposes, an approver decides.

`rules_in_force` is where every score users see gets its rules: the config's taxonomy with the
latest approved weight version applied, so each score knows the version it was computed with.

A proposal is stored with its evidence and decided once: the decision locks the proposal's row,
so concurrent clicks are applied one after the other against the state already recorded, and an
approval adds the next weight version in the same transaction. A version is only ever added;
going back to the configured weights is a new version too (`reset_to_config`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Config
from bot.services.in_force import RULES_IN_FORCE, checked_version, rules_in_force
from bot.services.outcomes import calibration_of
from bot.store import events
from bot.store import weights as weight_rows
from bot.store.tables import WeightProposal, WeightVersion
from scoring.calibration import Calibration, Proposal, SignalCalibration
from scoring.errors import DomainError
from scoring.escalation import Decision
from scoring.rules import Rules
from scoring.weights import ProposalState, decide_proposal, proposal_problem

CONFIG_SOURCE = "config"


class NothingToPropose(DomainError):
    """Calibration has no proposal worth an approver's time; the message says why."""


@dataclass(frozen=True)
class WeightsOverview:
    """The weights in force, every version, and the proposal awaiting a decision, if any."""

    rules: Rules
    versions: list[WeightVersion]
    pending: WeightProposal | None

    def as_json(self) -> dict[str, Any]:
        taxonomy = self.rules.taxonomy
        pending = self.pending
        return {
            "in_force": {
                "version": self.rules.weights_version,
                "weights": {s.key: float(s.weight) for s in taxonomy.active},
                "retired": [s.key for s in taxonomy.signals if s.retired],
            },
            "versions": [
                {
                    "version": v.version,
                    "weights": v.weights,
                    "retired": v.retired,
                    "source": v.source,
                    "approved_by": v.approved_by,
                    "created_at": v.created_at.isoformat(),
                }
                for v in self.versions
            ],
            "pending_proposal": None
            if pending is None
            else {
                "id": pending.id,
                "based_on": pending.based_on,
                "weights": pending.weights,
                "retire": pending.retire,
                "auc_before": pending.auc_before,
                "auc_after": pending.auc_after,
                "proposed_by": pending.proposed_by,
                "created_at": pending.created_at.isoformat(),
            },
        }


def weights_overview(session: Session, config: Config) -> WeightsOverview:
    return WeightsOverview(
        rules_in_force(session, config),
        weight_rows.all_versions(session),
        weight_rows.pending_proposal(session),
    )


def evidence_of(calibration: Calibration) -> dict[str, Any]:
    """What an approver needs to judge a proposal: each signal's current and proposed weight
    with its day-30 AUC, the model's AUC now, and the cross-validated comparison."""
    proposal = calibration.proposal
    return {
        "accounts": calibration.accounts,
        "bad": calibration.bad,
        "model_auc": calibration.model.day30.auc,
        "signals": [_signal_evidence(s, proposal) for s in calibration.signals],
        "held_out": proposal.as_json()["held_out"],
    }


def _signal_evidence(signal: SignalCalibration, proposal: Proposal) -> dict[str, Any]:
    interval = signal.indicator.day30.auc_ci
    return {
        "key": signal.key,
        "current": signal.weight,
        "proposed": proposal.weights.get(signal.key, signal.weight),
        "retire": signal.key in proposal.retire,
        "auc": signal.auc,
        "auc_ci": None if interval is None else interval.as_json(),
        "verdict": signal.indicator.verdict.value,
    }


@dataclass(frozen=True)
class Calibrated:
    """A calibration with a proposal worth an approver's time, and the weight version it was
    computed against."""

    based_on: int
    calibration: Calibration


def calibrated(session: Session, config: Config, *, today: date) -> Calibrated:
    """Calibrate the weights in force on the store (read-only: it may take seconds on a large
    store, so it holds no write lock); NothingToPropose says why when there is no proposal."""
    _no_pending(session)
    rules = rules_in_force(session, config)
    calibration = calibration_of(session, rules, today=today)
    problem = proposal_problem(calibration)
    if problem is not None:
        raise NothingToPropose(problem)
    return Calibrated(rules.weights_version, calibration)


def propose(
    session: Session, calibrated: Calibrated, *, proposer: str, now: datetime
) -> WeightProposal:
    """Keep the calibration's proposal for an approver; refused while another proposal awaits
    a decision, or when the weights changed since the calibration."""
    _no_pending(session)
    in_force = _version_in_force(session)
    if in_force != calibrated.based_on:
        raise DomainError(f"weights v{in_force} were put in force while calibrating; propose again")
    calibration = calibrated.calibration
    proposal = WeightProposal(
        based_on=calibrated.based_on,
        weights=dict(calibration.proposal.weights),
        retire=list(calibration.proposal.retire),
        evidence=evidence_of(calibration),
        auc_before=calibration.proposal.auc_before,
        auc_after=calibration.proposal.auc_after,
        proposed_by=proposer,
        created_at=now,
        state=ProposalState.PENDING.value,
    )
    session.add(proposal)
    session.flush()
    events.record_event(
        session, account_id=None, kind="weights_proposed", actor=proposer, at=now,
        payload={"proposal_id": proposal.id, "based_on": proposal.based_on,
                 "weights": proposal.weights, "retire": proposal.retire,
                 "auc_before": proposal.auc_before, "auc_after": proposal.auc_after},
    )  # fmt: skip
    return proposal


def _no_pending(session: Session) -> None:
    pending = weight_rows.pending_proposal(session)
    if pending is not None:
        raise DomainError(
            f"weight proposal #{pending.id} is still awaiting a decision; an approver decides "
            "it before a new one is made"
        )


def withdraw(session: Session, *, proposal_id: int, why: str, now: datetime) -> None:
    """A proposal whose message never reached the approvers is withdrawn, not left pending."""
    proposal = session.get(WeightProposal, proposal_id)
    if proposal is None or proposal.state != ProposalState.PENDING:
        return
    proposal.state, proposal.reason, proposal.decided_at = ProposalState.WITHDRAWN, why, now
    session.add(proposal)
    events.record_event(
        session, account_id=None, kind="weights_withdrawn", actor="rescuebot", at=now,
        payload={"proposal_id": proposal.id, "reason": why},
    )  # fmt: skip


@dataclass(frozen=True)
class WeightsDecided:
    """The decided proposal and, when approved, the weight version it put in force."""

    proposal: WeightProposal
    version: WeightVersion | None


def decide(
    session: Session,
    config: Config,
    *,
    proposal_id: int,
    approver: str,
    decision: Decision,
    reason: str | None,
    approvers: Collection[str],
    now: datetime,
) -> WeightsDecided:
    """Record one approver's decision, or refuse it (NotAllowed) without writing anything.
    Approving adds the next weight version, which every score uses from then on."""
    proposal = weight_rows.locked_proposal(session, proposal_id=proposal_id)
    if proposal is None:
        raise DomainError("that weight proposal no longer exists")
    reason = (reason or "").strip() or None
    state = decide_proposal(
        state=ProposalState(proposal.state), decision=decision, approver=approver,
        proposer=proposal.proposed_by, approvers=approvers, reason=reason,
    )  # fmt: skip
    version = None
    if state is ProposalState.APPROVED:
        in_force = _version_in_force(session)
        if in_force != proposal.based_on:
            raise DomainError(
                f"this proposal was computed against weights v{proposal.based_on}, but "
                f"v{in_force} is in force now; reject it and propose again"
            )
        version = _add_version(
            session, config, weights=proposal.weights, retired=proposal.retire,
            source=f"proposal {proposal.id}", approved_by=[approver], now=now,
        )  # fmt: skip
        proposal.version = version.version
    proposal.state, proposal.decided_by = state.value, approver
    proposal.reason, proposal.decided_at = reason, now
    session.add(proposal)
    session.flush()
    events.record_event(
        session, account_id=None, kind=f"weights_{state.value}", actor=approver, at=now,
        payload={"proposal_id": proposal.id, "reason": reason,
                 "version": None if version is None else version.version,
                 "weights": proposal.weights, "retire": proposal.retire,
                 "decision_seconds": int((now - proposal.created_at).total_seconds())},
    )  # fmt: skip
    return WeightsDecided(proposal, version)


def reset_to_config(
    session: Session, config: Config, *, actor: str, now: datetime
) -> WeightVersion:
    """A new version that puts the configured weights back in force."""
    latest = weight_rows.latest_version(session)
    if latest is None or (latest.source == CONFIG_SOURCE and not latest.weights):
        raise DomainError("the configured weights are already in force; nothing to reset")
    version = _add_version(
        session, config, weights={}, retired=[], source=CONFIG_SOURCE, approved_by=[actor],
        now=now,
    )  # fmt: skip
    events.record_event(
        session, account_id=None, kind="weights_reset", actor=actor, at=now,
        payload={"version": version.version, "replaced": latest.version},
    )  # fmt: skip
    return version


def _version_in_force(session: Session) -> int:
    latest = weight_rows.latest_version(session)
    return latest.version if latest is not None else 0


def _add_version(
    session: Session, config: Config, *, weights: dict[str, float], retired: list[str],
    source: str, approved_by: list[str], now: datetime,
) -> WeightVersion:  # fmt: skip
    in_force = _version_in_force(session)
    checked_version(config, in_force + 1, weights, retired)  # refuses weights that cannot score
    version = WeightVersion(
        version=in_force + 1, weights=weights, retired=retired, source=source,
        approved_by=approved_by, created_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError as exc:
        raise DomainError(
            f"weights v{in_force + 1} were put in force at the same moment; propose again"
        ) from exc
    session.info.pop(RULES_IN_FORCE, None)
    return version
