"""Weekly snapshots: one per account and week, replaced when recomputed."""

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from bot.store.snapshots import upsert_snapshot
from bot.store.tables import Account, WeeklySnapshot

COMPUTED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _snapshot(session: Session, account: Account, week: str, score: float | None) -> None:
    assert account.id is not None
    upsert_snapshot(
        session,
        account_id=account.id,
        week=week,
        week_end=date(2026, 11, 22),
        score=score,
        status="watch",
        coverage=0.5,
        computed_at=COMPUTED,
        weights_version=2,
    )


def test_recomputing_a_week_replaces_its_snapshot(session: Session, account: Account) -> None:
    _snapshot(session, account, "2026-W47", 6.5)
    _snapshot(session, account, "2026-W47", 5.8)
    _snapshot(session, account, "2026-W48", None)
    session.commit()
    snapshots = session.exec(select(WeeklySnapshot).order_by(WeeklySnapshot.week)).all()
    assert [(s.week, s.score) for s in snapshots] == [("2026-W47", 5.8), ("2026-W48", None)]
    assert {s.weights_version for s in snapshots} == {2}
