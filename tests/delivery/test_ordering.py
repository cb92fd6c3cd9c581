"""A parent message, its replies and its edits, in order: children wait for their parent and for
their earlier siblings; an edit of a message not yet posted gets its ts once it is; a parent that
fails for good takes its waiting children with it, and `retry` revives them together."""

from __future__ import annotations

from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery
from tests.scheduling.conftest import ALL, Scheduled

BROKEN = "C0BROKEN"


def enqueue(scheduled: Scheduled, key: str, **fields: object) -> Delivery:
    fields.setdefault("method", "message")
    fields.setdefault("channel", ALL)
    fields.setdefault("payload", {"text": key})
    with session_scope(scheduled.engine) as session:
        return deliveries.enqueue(session, key=key, now=scheduled.clock(), **fields)  # type: ignore[arg-type]


def states(scheduled: Scheduled) -> dict[str, str]:
    return {d.key: d.state for d in scheduled.deliveries()}


def test_an_edit_queued_before_its_message_is_posted_waits_and_edits_it(
    scheduled: Scheduled,
) -> None:
    parent = enqueue(scheduled, "rescue:1:message")
    enqueue(scheduled, "rescue:1:card:1", method="update", parent=parent,
            payload={"text": "acknowledged"})  # fmt: skip
    enqueue(scheduled, "rescue:1:reply:1", parent=parent, payload={"text": "Acknowledged."})
    enqueue(scheduled, "rescue:1:card:2", method="update", parent=parent,
            payload={"text": "resolved"})  # fmt: skip
    scheduled.double.fail_next(3, status=500, method="chat.postMessage")
    scheduled.deliver_all()
    (card,) = scheduled.double.messages(ALL)
    assert card.text == "resolved"
    assert [v["text"] for v in card.history] == ["rescue:1:message", "acknowledged"]
    assert [m.text for m in scheduled.double.messages(ALL, thread_ts=card.ts)] == ["Acknowledged."]
    methods = [c.method for c in scheduled.double.calls if c.method.startswith("chat.")]
    assert methods == ["chat.postMessage", "chat.update", "chat.postMessage", "chat.update"]


def test_a_reply_retried_later_is_not_overtaken_by_the_next(scheduled: Scheduled) -> None:
    parent = enqueue(scheduled, "digest:1")
    scheduled.courier.deliver_due()
    for n in (2, 3, 4):
        enqueue(scheduled, f"digest:{n}", parent=parent)
    scheduled.double.fail_next(1, status=503, method="chat.postMessage")  # digest:2, no effect
    scheduled.clock.advance(seconds=1)
    scheduled.courier.deliver_due()
    scheduled.clock.advance(seconds=1)  # digest:2 waits out its backoff; 3 and 4 wait for it
    assert scheduled.courier.deliver_due().sent == 0
    scheduled.deliver_all()
    (top,) = scheduled.double.messages(ALL)
    replies = scheduled.double.messages(ALL, thread_ts=top.ts)
    assert [m.text for m in replies] == ["digest:2", "digest:3", "digest:4"]


def test_a_failed_parent_fails_its_children_and_retry_revives_them_in_order(
    scheduled: Scheduled,
) -> None:
    scheduled.double.add_channel(BROKEN, "cs-old", is_member=True, is_archived=True)
    parent = enqueue(scheduled, "rescue:1:message", channel=BROKEN)
    enqueue(scheduled, "rescue:1:reply", channel=BROKEN, parent=parent)
    enqueue(scheduled, "rescue:1:card", channel=BROKEN, method="update", parent=parent,
            payload={"text": "edited"})  # fmt: skip
    enqueue(scheduled, "elsewhere", channel=ALL)
    scheduled.deliver_all()
    assert states(scheduled) == {
        "rescue:1:message": "failed", "rescue:1:reply": "failed", "rescue:1:card": "failed",
        "elsewhere": "delivered",
    }  # fmt: skip
    with session_scope(scheduled.engine, read_only=True) as session:
        (failure,) = deliveries.failed_for_admins(session, limit=5)
    assert failure.key == "rescue:1:message" and "is_archived" in failure.error
    assert failure.waiting_children == 2
    scheduled.double.add_channel(BROKEN, "cs-old", is_member=True)  # unarchived
    with session_scope(scheduled.engine) as session:
        revived = deliveries.retry(session, [failure.id], now=scheduled.clock())
    assert [d.key for d in revived] == ["rescue:1:message", "rescue:1:reply", "rescue:1:card"]
    scheduled.deliver_all()
    assert set(states(scheduled).values()) == {"delivered"}
    (top,) = scheduled.double.messages(BROKEN)
    assert top.text == "edited"
    assert [m.text for m in scheduled.double.messages(BROKEN, thread_ts=top.ts)] == [
        "rescue:1:reply"
    ]
    with session_scope(scheduled.engine, read_only=True) as session:
        assert deliveries.failed_for_admins(session) == []
