"""The outbox's rows: enqueueing Slack calls, taking due ones under a lease, recording answers
(which rows are due, and the states, are `bot.store.delivery_due`).

A delivery's key makes it exist once: enqueueing the same key again returns the first row. A
delivery taken for sending carries a lease; if its process dies before recording Slack's answer,
the lease runs out and another process takes it again, knowing that the first attempt may have
reached Slack (`uncertain_since`). A delivery with a parent (a thread reply, or an update of the
parent's message) waits until the parent is delivered and its earlier siblings are sent; if the
parent fails for good, its waiting children fail with it, and `retry` revives them together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, delete, or_
from sqlalchemy.orm import aliased, defer, undefer
from sqlmodel import Session, col, func, select

from bot.store.delivery_due import (
    DELIVERED,
    FAILED,
    PENDING,
    SENDING,
    WAITING,
    due_parameters,
    due_rows,
)
from bot.store.tables import Delivery

# Set on a session that queued a delivery, so whoever commits it knows to wake the courier.
QUEUED = "rescuebot.queued_deliveries"
# The method of a delivery that publishes a user's App Home tab (views.publish; its channel is
# the user, its payload the view).
HOME = "home"
# Set (True) on a session whose changes are also noted in HubSpot (HUBSPOT_TOKEN is set).
HUBSPOT_NOTES = "rescuebot.hubspot_notes"
# A delivery written to HubSpot (a note on a company), not to Slack; its channel is
# NOTE_CHANNEL + the company id, so one company's notes go in order.
NOTE_METHOD, NOTE_CHANNEL = "hubspot_note", "hubspot:"


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
    transaction; it becomes due at once, or once `parent` is delivered and the deliveries queued
    before it with the same parent are sent. A `message` or `file` with a parent goes into the
    parent's thread; an `update` with a parent edits the parent's message (its payload needs no
    `ts` then: the parent's is used once it is known)."""
    existing = queued(session, key)
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
    session.info[QUEUED] = True
    return delivery


def queued(session: Session, key: str) -> Delivery | None:
    """The delivery queued under `key`, if any (its statement built once: a rating queues and
    looks up several)."""
    return session.exec(_by_key(), params={"key": key}).first()  # type: ignore[call-overload,no-any-return]


@cache
def _by_key() -> Any:
    return select(Delivery).where(Delivery.key == bindparam("key"))


def drop_pending(session: Session, *, method: str, channel: str) -> int:
    """Remove the deliveries by `method` to `channel` still waiting to be sent (not one being
    sent): for a delivery that replaces everything before it, as a home tab does. How many."""
    statement = delete(Delivery).where(
        col(Delivery.method) == method,
        col(Delivery.channel) == channel,
        col(Delivery.state) == PENDING,
    )
    return int(session.execute(statement).rowcount or 0)


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
    statement = _lease_statement(first_per_channel)
    parameters = due_parameters(now, skip_channels, paced_channels, paced_methods)
    parameters |= {"skip_methods": list(skip_methods), "look_at": limit}
    taken = _accepted(session, statement, parameters, accept, most)
    if taken:
        _mark_leased(session, taken, now=now, lease_until=lease_until)
    return taken


@cache
def _lease_statement(first_per_channel: bool) -> Any:
    """`take_due`'s statement (built once: see `bot.store.delivery_due`)."""
    return (
        due_rows(first_per_channel=first_per_channel)
        .where(col(Delivery.method).not_in(bindparam("skip_methods", expanding=True)))
        .order_by(col(Delivery.id))
        .limit(bindparam("look_at", type_=Integer))
        .options(defer(Delivery.payload), defer(Delivery.content))  # type: ignore[arg-type]
        .with_for_update(of=Delivery, skip_locked=True)  # type: ignore[arg-type]
    )


def _accepted(
    session: Session,
    statement: Any,
    parameters: dict[str, Any],
    accept: Callable[[Delivery], bool],
    most: int | None,
) -> list[Delivery]:
    """The rows `accept` lets through, until `most` are taken (the rest stay unread)."""
    taken: list[Delivery] = []
    rows = session.exec(statement, params=parameters)
    try:
        for delivery in rows:
            if most is not None and len(taken) >= most:
                break
            if accept(delivery):
                taken.append(delivery)
    finally:
        rows.close()
    return taken


def _mark_leased(
    session: Session, taken: list[Delivery], *, now: datetime, lease_until: datetime
) -> None:
    """Load the taken rows' payload and bytes, and lease them to this sender."""
    # The taken rows' payload and bytes, into the same objects (they are in the session).
    session.exec(
        select(Delivery)
        .where(col(Delivery.id).in_([d.id for d in taken]))
        .options(undefer(Delivery.payload), undefer(Delivery.content))  # type: ignore[arg-type]
    ).all()
    for delivery in taken:
        if delivery.state == SENDING:
            # Its sender's lease ran out before Slack's answer was recorded: that attempt may
            # have been posted.
            delivery.uncertain_since = _earliest(
                delivery.uncertain_since, delivery.attempted_at or now
            )
        delivery.state = SENDING
        delivery.lease_until = lease_until
        delivery.attempted_at = now
        delivery.attempts += 1
        session.add(delivery)
    session.flush()


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
    delivery.uncertain_since = delivery.file_id = None
    session.add(delivery)
    session.flush()
    return delivery


def retry_later(
    session: Session,
    delivery_id: int,
    *,
    at: datetime,
    error: str | None,
    uncertain_since: datetime | None = None,
    file_id: str | None = None,
) -> None:
    """Back to pending until `at`. With `uncertain_since`, the attempt begun then may have
    reached Slack (for a file: `file_id`, uploaded, may have been shared)."""
    delivery = _get(session, delivery_id)
    delivery.state, delivery.next_attempt_at, delivery.lease_until = PENDING, at, None
    if error is not None:
        delivery.last_error = error
    if uncertain_since is not None:
        delivery.uncertain_since = _earliest(delivery.uncertain_since, uncertain_since)
    if file_id is not None:
        delivery.file_id = file_id
    session.add(delivery)
    session.flush()


def failed(session: Session, delivery_id: int, *, error: str) -> list[Delivery]:
    """Give up on a delivery for good, and on the thread replies that were waiting for it."""
    root = _get(session, delivery_id)
    given_up = [root, *_descendants(session, [root], states=WAITING)]
    for delivery in given_up:
        delivery.state, delivery.lease_until = FAILED, None
        delivery.last_error = error if delivery is root else f"{PARENT_FAILED}{error}"
        session.add(delivery)
    session.flush()
    return given_up


PARENT_FAILED = "its thread's parent failed: "


def retry(session: Session, delivery_ids: Iterable[int], *, now: datetime) -> list[Delivery]:
    """Make failed deliveries pending again, due now, with the children that failed with them
    (they wait for their parent again, in order). Returns every revived delivery; the ones not
    failed are left as they are."""
    roots = [d for d in (session.get(Delivery, i) for i in delivery_ids) if d and d.state == FAILED]
    found = [*roots, *_descendants(session, roots, states=[FAILED], cascaded=True)]
    revived = list({d.id: d for d in found}.values())  # a root may also be another's child
    for delivery in revived:
        delivery.state, delivery.next_attempt_at, delivery.lease_until = PENDING, now, None
        delivery.attempts = 0  # the backoff starts small again after the fix
        session.add(delivery)
    session.flush()
    return revived


def failed_ids(session: Session) -> list[int]:
    """Every delivery that failed for good by itself (not just because its parent did), oldest
    first: `retry` of them all revives the whole outbox."""
    statement = _failed_roots().with_only_columns(Delivery.id).order_by(col(Delivery.id))
    return [i for i in session.exec(statement) if i is not None]


def _failed_roots() -> Any:
    parent = aliased(Delivery)
    return (
        select(Delivery)
        .outerjoin(parent, col(Delivery.parent_id) == parent.id)
        .where(
            Delivery.state == FAILED,
            or_(col(Delivery.parent_id).is_(None), parent.state != FAILED),
        )
    )


@dataclass(frozen=True)
class Failure:
    """A delivery that failed for good, for an admin: what, where, why, and how many of its
    replies or edits wait on it."""

    id: int
    key: str
    method: str
    channel: str
    error: str
    failed_at: datetime | None
    waiting_children: int


def failed_for_admins(session: Session, *, limit: int = 10) -> list[Failure]:
    """The latest failures that are not just a failed parent's children, newest first (the
    App Home lists them for admins; `rescuebot outbox retry ID` revives one with its children)."""
    statement = (
        _failed_roots()
        .order_by(col(Delivery.id).desc())
        .limit(limit)
        .options(defer(Delivery.content))  # type: ignore[arg-type]
    )
    failures = []
    for delivery in session.exec(statement).all():
        assert delivery.id is not None
        children = _descendants(session, [delivery], states=[FAILED], cascaded=True)
        failures.append(
            Failure(
                id=delivery.id,
                key=delivery.key,
                method=delivery.method,
                channel=delivery.channel,
                error=delivery.last_error or "unknown error",
                failed_at=delivery.attempted_at,
                waiting_children=len(children),
            )
        )
    return failures


def _descendants(
    session: Session, roots: Sequence[Delivery], *, states: Sequence[str], cascaded: bool = False
) -> list[Delivery]:
    """The children, grandchildren… of `roots` in one of `states` (with `cascaded`, only those
    that failed because their parent did), parents before children."""
    found: list[Delivery] = []
    level = [d.id for d in roots]
    while level:
        statement = select(Delivery).where(
            col(Delivery.parent_id).in_(level), col(Delivery.state).in_(states)
        )
        if cascaded:
            statement = statement.where(col(Delivery.last_error).startswith(PARENT_FAILED))
        children = list(session.exec(statement.order_by(col(Delivery.id))))
        found.extend(children)
        level = [d.id for d in children]
    return found


def _earliest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment < current else current


def next_due_at(session: Session, *, after: datetime | None = None) -> datetime | None:
    """When the earliest waiting delivery becomes due (None when nothing waits); with `after`,
    the earliest that becomes due later than that."""
    if after is None:
        return session.exec(_next_due_statement(later=False)).first()
    return session.exec(_next_due_statement(later=True), params={"after": after}).first()


@cache
def _next_due_statement(*, later: bool) -> Any:
    """`next_due_at`'s statement, built once (the courier asks after every look)."""
    statement = select(func.min(Delivery.next_attempt_at)).where(Delivery.state == PENDING)
    if later:
        statement = statement.where(col(Delivery.next_attempt_at) > bindparam("after"))
    return statement


def counts_by_state(session: Session) -> dict[str, int]:
    rows = session.exec(select(Delivery.state, func.count()).group_by(Delivery.state))
    return {state: count for state, count in rows}


def counts_by_state_of_method(session: Session, *, method: str) -> dict[str, int]:
    rows = session.exec(
        select(Delivery.state, func.count())
        .where(Delivery.method == method)
        .group_by(Delivery.state)
    )  # fmt: skip
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
            .options(defer(Delivery.content))  # type: ignore[arg-type]
        )
    )


def _get(session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None, f"delivery {delivery_id} vanished"
    return delivery
