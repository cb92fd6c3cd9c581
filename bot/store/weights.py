"""Weight versions and weight proposals: the latest version, the history, the pending proposal."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.store.tables import WeightProposal, WeightVersion


def latest_version(session: Session) -> WeightVersion | None:
    """The newest weight version: the one in force (None: the config as shipped)."""
    return session.exec(select(WeightVersion).order_by(col(WeightVersion.version).desc())).first()


def all_versions(session: Session) -> list[WeightVersion]:
    """Every weight version, oldest first."""
    return list(session.exec(select(WeightVersion).order_by(col(WeightVersion.version))))


def pending_proposal(session: Session) -> WeightProposal | None:
    """The proposal awaiting a decision, if any (the oldest, should several exist)."""
    statement = (
        select(WeightProposal)
        .where(WeightProposal.state == "pending")
        .order_by(col(WeightProposal.id))
    )
    return session.exec(statement).first()


def locked_proposal(session: Session, *, proposal_id: int) -> WeightProposal | None:
    """The proposal, its row held until the transaction ends, so decisions take turns."""
    statement = select(WeightProposal).where(WeightProposal.id == proposal_id).with_for_update()
    proposal = session.exec(statement).first()
    if proposal is not None:
        session.refresh(proposal)
    return proposal
