"""The outbox's rows: enqueueing Slack calls, taking due ones under a lease, recording answers.

A delivery's key makes it exist once: enqueueing the same key again returns the first row. A
delivery taken for sending carries a lease; if its process dies before recording Slack's answer,
the lease runs out and another process takes it again. A thread reply waits for its parent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_
from sqlalchemy.orm import aliased, defer, undefer
from sqlmodel import Session, col, func, select

from bot.store.tables import Delivery

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
WAITING = (PENDING, SENDING)


def enqueue(
    session: Session,
    *,
    key: str,
    method: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    content: bytes | None = None,
    parent: Delivery | None = None,
    run_key: str | None = None,
) -> Delivery:
    """Add a delivery (or return the one already queued under `key`) in the caller's
    transaction; it becomes due at once, or once `parent` is delivered."""
    existing = session.exec(select(Delivery).where(Delivery.key == key)).first()
    if existing is not None:
        return existing
    delivery = Delivery(
        key=key,
        run_key=run_key,
        method=method,
        channel=channel,
        payload=payload,
        content=content,
        parent_id=parent.id if parent else None,
        state=PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def take_due(
    session: Session,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    accept: Callable[[Delivery], bool] = lambda _: True,
    skip_channels: Collection[str] = (),
    most: int | None = None,
    first_per_channel: bool = False,
    skip_methods: Collection[str] = (),
    paced_channels: Collection[str] = (),
    paced_methods: Collection[str] = (),
) -> list[Delivery]:
    """Lease the due deliveries that `accept` lets through (at most `limit` looked at, and at
    most `most` taken), oldest first: pending ones whose time has come, and ones whose sender's
    lease ran out. Thread replies wait until their parent is delivered. Deliveries to
    `skip_channels` are not looked at; with `first_per_channel`, only each channel's oldest due
    delivery is. Deliveries whose method is in `skip_methods` are not taken (with
    `first_per_channel`, a channel whose oldest due delivery is one of them waits whole).
    In `paced_channels`, deliveries by `paced_methods` wait; the others (uploads) may go.

    The rows are looked at without their payload and file bytes (a window of a thousand queued
    digests would otherwise read every chart); those are loaded for the taken ones only."""
    if first_per_channel:
        inner, inner_parent = aliased(Delivery), aliased(Delivery)
        first = (
            select(func.min(inner.id))
            .outerjoin(inner_parent, inner.parent_id == inner_parent.id)
            .where(*_due(inner, inner_parent, now, skip_channels, paced_channels, paced_methods))
            .group_by(inner.channel)
        )
        # The due condition again on the outer rows: when a row is found locked-then-committed
        # by another courier, PostgreSQL re-checks only these conditions on its new version, so
        # without them a delivery just taken elsewhere would be taken (and sent) twice.
        statement = select(Delivery).where(col(Delivery.id).in_(first), _sendable(Delivery, now))
    else:
        parent = aliased(Delivery)
        statement = (
            select(Delivery)
            .outerjoin(parent, col(Delivery.parent_id) == parent.id)
            .where(*_due(Delivery, parent, now, skip_channels, paced_channels, paced_methods))
        )
    if skip_methods:
        statement = statement.where(col(Delivery.method).not_in(list(skip_methods)))
    statement = (
        statement.order_by(col(Delivery.id))
        .limit(limit)
        .options(defer(Delivery.payload), defer(Delivery.content))  # type: ignore[arg-type]
        .with_for_update(of=Delivery, skip_locked=True)  # type: ignore[arg-type]
    )
    taken: list[Delivery] = []
    rows = session.exec(statement)
    try:
        for delivery in rows:
            if most is not None and len(taken) >= most:
                break
            if accept(delivery):
                taken.append(delivery)
    finally:
        rows.close()
    if not taken:
        return taken
    # The taken rows' payload and bytes, into the same objects (they are in the session).
    session.exec(
        select(Delivery)
        .where(col(Delivery.id).in_([d.id for d in taken]))
        .options(undefer(Delivery.payload), undefer(Delivery.content))  # type: ignore[arg-type]
    ).all()
    for delivery in taken:
        delivery.state = SENDING
        delivery.lease_until = lease_until
        delivery.attempts += 1
        session.add(delivery)
    session.flush()
    return taken


def _sendable(delivery: Any, now: datetime) -> ColumnElement[bool]:
    """Waiting and due, or leased by a sender whose lease ran out."""
    return or_(
        and_(delivery.state == PENDING, delivery.next_attempt_at <= now),
        and_(delivery.state == SENDING, delivery.lease_until <= now),
    )


def _due(
    delivery: Any,
    parent: Any,
    now: datetime,
    skip_channels: Collection[str],
    paced_channels: Collection[str],
    paced_methods: Collection[str],
) -> list[ColumnElement[bool]]:
    """Conditions for a delivery row that may be sent now (`parent`: its parent's row)."""
    due = [
        _sendable(delivery, now),
        or_(delivery.parent_id.is_(None), parent.state == DELIVERED),
    ]
    if skip_channels:
        due.append(delivery.channel.not_in(list(skip_channels)))
    if paced_channels and paced_methods:
        due.append(
            not_(
                and_(
                    delivery.channel.in_(list(paced_channels)),
                    delivery.method.in_(list(paced_methods)),
                )
            )
        )
    return due


def parent_ts(session: Session, delivery: Delivery) -> str | None:
    if delivery.parent_id is None:
        return None
    parent = session.get(Delivery, delivery.parent_id)
    return parent.ts if parent else None


def delivered(session: Session, delivery_id: int, *, ts: str | None, at: datetime) -> Delivery:
    delivery = _get(session, delivery_id)
    delivery.state, delivery.ts, delivery.delivered_at = DELIVERED, ts, at
    delivery.lease_until = None
    delivery.last_error = None
    session.add(delivery)
    session.flush()
    return delivery


def retry_later(
    session: Session, delivery_id: int, *, at: datetime, error: str | None, counted: bool = True
) -> None:
    """Back to pending until `at`; an uncounted retry (held back by our own pacing) gives its
    attempt back."""
    delivery = _get(session, delivery_id)
    delivery.state, delivery.next_attempt_at, delivery.lease_until = PENDING, at, None
    if error is not None:
        delivery.last_error = error
    if not counted:
        delivery.attempts = max(0, delivery.attempts - 1)
    session.add(delivery)
    session.flush()


def failed(session: Session, delivery_id: int, *, error: str) -> list[Delivery]:
    """Give up on a delivery for good, and on the thread replies that were waiting for it."""
    given_up: list[Delivery] = []
    queue = [_get(session, delivery_id)]
    while queue:
        delivery = queue.pop()
        delivery.state, delivery.lease_until = FAILED, None
        delivery.last_error = error if not given_up else f"its thread's parent failed: {error}"
        session.add(delivery)
        given_up.append(delivery)
        queue.extend(
            session.exec(
                select(Delivery).where(
                    Delivery.parent_id == delivery.id, col(Delivery.state).in_([PENDING, SENDING])
                )
            )
        )
    session.flush()
    return given_up


def next_due_at(session: Session, *, after: datetime | None = None) -> datetime | None:
    """When the earliest waiting delivery becomes due (None when nothing waits); with `after`,
    the earliest that becomes due later than that."""
    statement = select(func.min(Delivery.next_attempt_at)).where(Delivery.state == PENDING)
    if after is not None:
        statement = statement.where(col(Delivery.next_attempt_at) > after)
    return session.exec(statement).first()


def counts_by_state(session: Session) -> dict[str, int]:
    rows = session.exec(select(Delivery.state, func.count()).group_by(Delivery.state))
    return {state: count for state, count in rows}


def by_key(session: Session, key: str) -> Delivery | None:
    return session.exec(select(Delivery).where(Delivery.key == key)).first()


def of_run(session: Session, *, run_key: str) -> list[Delivery]:
    return list(
        session.exec(select(Delivery).where(Delivery.run_key == run_key).order_by(col(Delivery.id)))
    )


def of_state(session: Session, states: Sequence[str], *, limit: int = 100) -> list[Delivery]:
    return list(
        session.exec(
            select(Delivery)
            .where(col(Delivery.state).in_(states))
            .order_by(col(Delivery.id))
            .limit(limit)
        )
    )


def _get(session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None, f"delivery {delivery_id} vanished"
    return delivery
