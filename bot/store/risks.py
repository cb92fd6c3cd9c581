"""The risk register's rows: risks and the categories reviewed with no risk."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.store.tables import Risk, RiskReview


def risks_of(session: Session, account_id: int | None = None) -> list[Risk]:
    """The risks of one account (every account's when None), oldest first."""
    statement = select(Risk).order_by(col(Risk.account_id), col(Risk.created_at), col(Risk.id))
    if account_id is not None:
        statement = statement.where(Risk.account_id == account_id)
    return list(session.exec(statement))


def reviews_of(session: Session, account_id: int | None = None) -> list[RiskReview]:
    """The categories marked reviewed with no risk, for one account or every account."""
    statement = select(RiskReview).order_by(col(RiskReview.account_id), col(RiskReview.id))
    if account_id is not None:
        statement = statement.where(RiskReview.account_id == account_id)
    return list(session.exec(statement))


def risk_by_id(session: Session, risk_id: int) -> Risk | None:
    return session.get(Risk, risk_id)


def review(session: Session, *, account_id: int, category: str) -> RiskReview | None:
    statement = select(RiskReview).where(
        RiskReview.account_id == account_id, RiskReview.category == category
    )
    return session.exec(statement).first()
