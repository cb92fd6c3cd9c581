"""Rescues: opening and resolving them, and finding the open one per account.

A rescue is open until it is resolved (an escalated rescue is still open). ``open_account_id``
carries the account id while open and NULL once resolved; its UNIQUE constraint makes the
database refuse a second open rescue, and a CHECK keeps it in step with ``state``.
"""

from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.store.tables import Rescue

# The resolution of a rescue that a corrected rating should never have opened: a false alarm,
# left out of the recovery and SLA KPIs.
OPENED_BY_MISTAKE = "opened_by_mistake"
# The owner closed it as never needed: a false alarm too, for calibration and the KPIs.
NOT_NEEDED = "not_needed"


def add_rescue(
    session: Session,
    *,
    account_id: int,
    trigger: str,
    reason: str,
    owner: str | None,
    opened_by: str,
    opened_at: datetime,
    sla_due_at: datetime,
    checkpoint_on: date,
    status_at_open: str,
    score_at_open: float | None,
    next_step: str | None = None,
) -> Rescue:
    """Open a rescue for the account.

    If the account already has an open rescue this raises IntegrityError; the insert runs in a
    SAVEPOINT, so the rest of the caller's transaction stays usable.
    """
    rescue = Rescue(
        account_id=account_id,
        state="open",
        trigger=trigger,
        reason=reason,
        owner=owner,
        opened_by=opened_by,
        opened_at=opened_at,
        sla_due_at=sla_due_at,
        checkpoint_on=checkpoint_on,
        next_step=next_step,
        status_at_open=status_at_open,
        score_at_open=score_at_open,
        open_account_id=account_id,
    )
    with session.begin_nested():
        session.add(rescue)
    return rescue


def resolve_rescue(
    session: Session, *, rescue: Rescue, resolution: str, resolved_at: datetime
) -> Rescue:
    """Close a rescue as ``recovered``, ``not_recovered`` or ``opened_by_mistake``, freeing the
    account for a new one."""
    rescue.state = "resolved"
    rescue.resolution = resolution
    rescue.resolved_at = resolved_at
    rescue.open_account_id = None
    session.add(rescue)
    session.flush()
    return rescue


def open_rescue(session: Session, *, account_id: int) -> Rescue | None:
    """The account's rescue that is not resolved, if any."""
    return session.exec(select(Rescue).where(Rescue.open_account_id == account_id)).first()


def open_rescues(session: Session) -> dict[int, Rescue]:
    """Every rescue that is not resolved, by account id."""
    statement = select(Rescue).where(col(Rescue.open_account_id).is_not(None))
    return {rescue.account_id: rescue for rescue in session.exec(statement)}


def lock_rescue(session: Session, *, rescue_id: int) -> Rescue | None:
    """The rescue, its row locked until the transaction ends (`SELECT … FOR UPDATE`; SQLite's
    write transactions are serialised already) and re-read, so a transition decided on it sees
    every transition committed before it: twenty simultaneous clicks apply once."""
    rescue = session.exec(select(Rescue).where(Rescue.id == rescue_id).with_for_update()).first()
    if rescue is not None:
        session.refresh(rescue)
    return rescue
