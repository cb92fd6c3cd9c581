"""A delivery's states, and which outbox rows may be sent now: the conditions
`deliveries.take_due` leases by, and that PostgreSQL re-checks on a row another sender just
committed.

The courier looks for due rows after every commit that queued one and every send that
finished, so the statement takes its moment and channel lists as bound parameters
(`due_parameters`) and `take_due` builds it once per shape: building SQLAlchemy's aliased joins
anew for each look cost more than running the query."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from bot.store.tables import Delivery

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
WAITING = (PENDING, SENDING)


def due_parameters(
    now: datetime,
    skip_channels: Collection[str],
    paced_channels: Collection[str],
    paced_methods: Collection[str],
) -> dict[str, Any]:
    """The values `due_rows`' statement is run with. An empty list leaves its condition
    out: nothing is skipped, and with no paced channel or no paced method nothing waits."""
    return {
        "due_now": now,
        "skip_channels": list(skip_channels),
        "paced_channels": list(paced_channels),
        "paced_methods": list(paced_methods),
    }


def due_rows(*, first_per_channel: bool) -> Any:
    """The due deliveries (with `first_per_channel`, only each channel's oldest), to be run
    with `due_parameters`."""
    if not first_per_channel:
        parent = aliased(Delivery)
        return (
            select(Delivery)
            .outerjoin(parent, col(Delivery.parent_id) == parent.id)
            .where(*_due(Delivery, parent))
        )
    inner, inner_parent = aliased(Delivery), aliased(Delivery)
    first = (
        select(func.min(inner.id))
        .outerjoin(inner_parent, inner.parent_id == inner_parent.id)
        .where(*_due(inner, inner_parent))
        .group_by(inner.channel)
    )
    # The due condition again on the outer rows: when a row is found locked-then-committed
    # by another courier, PostgreSQL re-checks only these conditions on its new version, so
    # without them a delivery just taken elsewhere would be taken (and sent) twice.
    return select(Delivery).where(col(Delivery.id).in_(first), _sendable(Delivery))


def _sendable(delivery: Any) -> ColumnElement[bool]:
    """Waiting and due, or leased by a sender whose lease ran out."""
    now = bindparam("due_now")
    return or_(
        and_(delivery.state == PENDING, delivery.next_attempt_at <= now),
        and_(delivery.state == SENDING, delivery.lease_until <= now),
    )


def _due(delivery: Any, parent: Any) -> list[ColumnElement[bool]]:
    """Conditions for a delivery row that may be sent now (`parent`: its parent's row): due,
    its parent delivered, none of its earlier siblings still waiting (so a reply retried
    later does not let the next one overtake it), not to a skipped channel, and not a paced
    method to a paced channel."""
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
    return [
        _sendable(delivery),
        or_(
            delivery.parent_id.is_(None),
            and_(parent.state == DELIVERED, not_(earlier_waiting)),
        ),
        delivery.channel.not_in(bindparam("skip_channels", expanding=True)),
        not_(
            and_(
                delivery.channel.in_(bindparam("paced_channels", expanding=True)),
                delivery.method.in_(bindparam("paced_methods", expanding=True)),
            )
        ),
    ]
