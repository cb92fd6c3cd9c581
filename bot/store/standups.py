"""Posted standups kept live: their rows, which accounts they list, and the one pending edit that
takes every change of those accounts until the courier sends it (so a burst of changes is one
`chat.update`, rendered from the latest state when it is sent)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.store import deliveries
from bot.store.delivery_due import PENDING
from bot.store.tables import Delivery, StandupLine, StandupPost

# What a live edit's payload carries: the standup it renders (the courier renders it when sent).
LIVE_STANDUP = "live_standup"
# A change waits this long before its edit is sent, so the changes made in the same moment (a
# row of ratings, a claim and its rescue) become one edit: chat.update is rate-limited per
# workspace (Tier 3, about 50 a minute), and a standup is read, not watched.
EDIT_GAP = timedelta(seconds=2)


def record(
    session: Session,
    *,
    channel: str,
    scope: str,
    scope_label: str,
    delivery: Delivery,
    accounts: Sequence[tuple[int, str]],
    focus_count: int,
    posted_by: str,
    now: datetime,
) -> StandupPost:
    """A newly queued standup (`delivery`: its first message; `accounts`: (id, key) in order).
    The live one of the same channel and scope, if any, is superseded and edited to say so."""
    post = StandupPost(
        channel=channel, scope=scope, scope_label=scope_label, delivery_id=delivery.id,
        accounts=[key for _, key in accounts], focus_count=focus_count, posted_by=posted_by,
        posted_at=now,
    )  # fmt: skip
    session.add(post)
    session.flush()
    for position, (account_id, _) in enumerate(accounts):
        session.add(StandupLine(standup_id=post.id, account_id=account_id, position=position))
    for old in live(session, channel=channel, scope=scope, but=post.id):
        old.superseded_by = post.id
        session.add(old)
        queue_edit(session, old, now=now)
    session.flush()
    return post


def live(
    session: Session, *, channel: str, scope: str, but: int | None = None
) -> list[StandupPost]:
    """The standups of a channel and scope nobody superseded (`but` one)."""
    statement = select(StandupPost).where(
        StandupPost.channel == channel,
        StandupPost.scope == scope,
        col(StandupPost.superseded_by).is_(None),
    )
    if but is not None:
        statement = statement.where(StandupPost.id != but)
    return list(session.exec(statement))


def changed(session: Session, account_ids: Collection[int], *, now: datetime) -> None:
    """The accounts changed in this transaction: each live standup listing one gets an edit."""
    if not account_ids:
        return
    posts = session.exec(_live_listing(), params={"account_ids": list(account_ids)}).all()  # type: ignore[call-overload]
    # Each post once, deduplicated here: PostgreSQL has no DISTINCT over its json columns.
    for post in {post.id: post for post in posts}.values():
        queue_edit(session, post, now=now)


@cache
def _live_listing() -> Any:
    """`changed`'s statement, built once: every rating asks it."""
    return (
        select(StandupPost)
        .join(StandupLine, col(StandupLine.standup_id) == col(StandupPost.id))
        .where(
            col(StandupLine.account_id).in_(bindparam("account_ids", expanding=True)),
            col(StandupPost.superseded_by).is_(None),
        )
    )


def queue_edit(session: Session, post: StandupPost, *, now: datetime) -> None:
    """An edit of `post`'s message, unless one is still pending (it will render this change
    too: its payload is made when it is sent)."""
    if post.edit_id is not None:
        pending = session.get(Delivery, post.edit_id)
        if pending is not None and pending.state == PENDING:
            return
    parent = session.get(Delivery, post.delivery_id)
    edit = deliveries.enqueue(
        session, key=f"standup:{post.id}:edit:{uuid.uuid4().hex}", method="update",
        channel=post.channel,
        payload={"text": "Standup", "render": LIVE_STANDUP, LIVE_STANDUP: post.id},
        now=now + EDIT_GAP, parent=parent,
    )  # fmt: skip
    post.edit_id = edit.id
    session.add(post)
    session.flush()
