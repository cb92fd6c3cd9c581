"""A delivery's states, and which outbox rows may be sent now: the conditions
`deliveries.take_due` leases by, and that PostgreSQL re-checks on a row another sender just
committed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from bot.store.tables import Delivery

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
WAITING = (PENDING, SENDING)


def due_rows(
    now: datetime,
    skip_channels: Collection[str],
    paced_channels: Collection[str],
    paced_methods: Collection[str],
    *,
    first_per_channel: bool,
) -> Any:
    """The due deliveries (with `first_per_channel`, only each channel's oldest)."""
    if not first_per_channel:
        parent = aliased(Delivery)
        return (
            select(Delivery)
            .outerjoin(parent, col(Delivery.parent_id) == parent.id)
            .where(*_due(Delivery, parent, now, skip_channels, paced_channels, paced_methods))
        )
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
    return select(Delivery).where(col(Delivery.id).in_(first), _sendable(Delivery, now))


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
    """Conditions for a delivery row that may be sent now (`parent`: its parent's row): due,
    its parent delivered, and none of its earlier siblings still waiting (so a reply retried
    later does not let the next one overtake it)."""
    sibling = aliased(Delivery)
    earlier_waiting = (
        select(sibling.id)
        .where(
            sibling.parent_id == delivery.parent_id,
            sibling.id < delivery.id,
            col(sibling.state).in_(WAITING),
        )
        .exists()
    )
    due = [
        _sendable(delivery, now),
        or_(
            delivery.parent_id.is_(None),
            and_(parent.state == DELIVERED, not_(earlier_waiting)),
        ),
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
