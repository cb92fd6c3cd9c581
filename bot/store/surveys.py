"""Survey answers: added one at a time (append-only), read back per account or all at once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.store.tables import Survey


def add_survey(
    session: Session,
    *,
    account_id: int,
    kind: str,
    day: int,
    score: int,
    author: str,
    source: str,
    recorded_at: datetime,
) -> Survey:
    survey = Survey(
        account_id=account_id, kind=kind, day=day, score=score, author=author, source=source,
        recorded_at=recorded_at,
    )  # fmt: skip
    session.add(survey)
    session.flush()
    return survey


def all_surveys(session: Session) -> list[Survey]:
    """Every answer, oldest first."""
    return list(session.exec(select(Survey).order_by(col(Survey.recorded_at), col(Survey.id))))


def latest_by_account(session: Session) -> dict[int, dict[str, int]]:
    """The latest score per account and column (`csat_d7` …)."""
    latest: dict[int, dict[str, int]] = {}
    for survey in all_surveys(session):
        latest.setdefault(survey.account_id, {})[f"{survey.kind}_d{survey.day}"] = survey.score
    return latest
