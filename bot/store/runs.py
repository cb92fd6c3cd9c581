"""Claims on scheduled work: the row whose key makes a digest, a recompute or a reminder run once.

Every replica's scheduler fires the same jobs; only the process whose claim is inserted first
does the work. Work finished in the claim's own transaction (a digest enqueued, a reminder
enqueued) can never be half-done; longer work (the daily recompute) marks its claim finished at
the end, and a claim left unfinished past its lease may be taken over by another process.
"""

import os
import socket
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.store.tables import ScheduledRun


def worker_name() -> str:
    """Who claims: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_run(
    session: Session,
    *,
    key: str,
    job: str,
    due_at: datetime,
    now: datetime,
    by: str,
    stale_before: datetime | None = None,
) -> bool:
    """Claim `key` in the caller's transaction; False if another process holds or did it.

    Concurrent claims of one key wait for each other on the primary key: the loser sees False
    once the winner commits. With `stale_before`, an unfinished claim taken before that moment
    (its process died) is taken over instead.
    """
    try:
        with session.begin_nested():
            session.add(
                ScheduledRun(key=key, job=job, due_at=due_at, claimed_at=now, claimed_by=by)
            )
    except IntegrityError:
        if stale_before is None:
            return False
        taken = session.execute(
            update(ScheduledRun)
            .where(
                col(ScheduledRun.key) == key,
                col(ScheduledRun.finished_at).is_(None),
                col(ScheduledRun.claimed_at) < stale_before,
            )
            .values(claimed_at=now, claimed_by=by)
        )
        return bool(taken.rowcount)
    return True


def finish_run(session: Session, *, key: str, at: datetime) -> None:
    run = session.get(ScheduledRun, key)
    if run is not None:
        run.finished_at = at
        session.add(run)
        session.flush()


def finished_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Which of `keys` are runs already done."""
    if not keys:
        return set()
    return set(
        session.exec(
            select(ScheduledRun.key).where(
                col(ScheduledRun.key).in_(list(keys)), col(ScheduledRun.finished_at).is_not(None)
            )
        )
    )


def last_finished(session: Session, *, job: str) -> ScheduledRun | None:
    return session.exec(
        select(ScheduledRun)
        .where(ScheduledRun.job == job, col(ScheduledRun.finished_at).is_not(None))
        .order_by(col(ScheduledRun.due_at).desc())
        .limit(1)
    ).first()
