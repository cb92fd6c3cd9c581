"""Weekly snapshots: the cached end-of-week score per account (the readings stay the truth)."""

from datetime import date, datetime

from sqlmodel import Session, select

from bot.store.tables import WeeklySnapshot


def upsert_snapshot(
    session: Session,
    *,
    account_id: int,
    week: str,
    week_end: date,
    score: float | None,
    status: str,
    coverage: float,
    computed_at: datetime,
    weights_version: int,
) -> WeeklySnapshot:
    """Store the account's snapshot for ``week`` (e.g. "2026-W47"), replacing an earlier one;
    ``weights_version`` is the weight version the score was computed with."""
    snapshot = session.exec(
        select(WeeklySnapshot).where(
            WeeklySnapshot.account_id == account_id, WeeklySnapshot.week == week
        )
    ).first()
    if snapshot is None:
        snapshot = WeeklySnapshot(account_id=account_id, week=week)
    snapshot.week_end = week_end
    snapshot.score = score
    snapshot.status = status
    snapshot.coverage = coverage
    snapshot.computed_at = computed_at
    snapshot.weights_version = weights_version
    session.add(snapshot)
    session.flush()
    return snapshot
