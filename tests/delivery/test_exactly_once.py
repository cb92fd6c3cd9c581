"""Exactly once when Slack's answer is lost: a post whose outcome is unknown is looked for in
the conversation's history (by the delivery key in its message metadata) before it is sent
again, in a channel, a thread, a DM and for a file; a 429 waits as Retry-After says."""

from __future__ import annotations

from datetime import timedelta

from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery
from tests.scheduling.conftest import ALL, CSM, Scheduled


def enqueue(scheduled: Scheduled, key: str, **fields: object) -> Delivery:
    fields.setdefault("method", "message")
    fields.setdefault("channel", ALL)
    fields.setdefault("payload", {"text": key})
    with session_scope(scheduled.engine) as session:
        return deliveries.enqueue(session, key=key, now=scheduled.clock(), **fields)  # type: ignore[arg-type]


def only(scheduled: Scheduled, key: str) -> Delivery:
    (delivery,) = [d for d in scheduled.deliveries() if d.key == key]
    return delivery


def test_a_post_accepted_then_answered_500_is_in_the_channel_once(scheduled: Scheduled) -> None:
    enqueue(scheduled, "digest:1")
    scheduled.double.accept_then_fail(1, status=500, method="chat.postMessage")
    scheduled.deliver_all()
    (posted,) = scheduled.double.messages(ALL)
    assert posted.metadata == {
        "event_type": "rescuebot_delivery",
        "event_payload": {"delivery": "digest:1"},
    }
    delivery = only(scheduled, "digest:1")
    assert delivery.state == "delivered" and delivery.ts == posted.ts
    assert delivery.attempts == 2 and delivery.uncertain_since is None
    assert len(scheduled.double.calls_to("chat.postMessage")) == 1  # found, not posted again
    (lookup,) = scheduled.double.calls_to("conversations.history")
    assert lookup.params["include_all_metadata"] in (True, "true", "1")


def test_a_connection_dropped_after_the_post_is_in_the_channel_once(
    scheduled: Scheduled,
) -> None:
    enqueue(scheduled, "digest:1")
    scheduled.double.accept_then_fail(1, method="chat.postMessage", drop=True)
    scheduled.deliver_all()
    assert len(scheduled.double.messages(ALL)) == 1
    assert only(scheduled, "digest:1").state == "delivered"


def test_an_unanswered_post_that_never_arrived_is_posted_again(scheduled: Scheduled) -> None:
    enqueue(scheduled, "digest:1")
    scheduled.double.fail_next(1, status=500, method="chat.postMessage")  # no effect
    scheduled.deliver_all()
    assert len(scheduled.double.messages(ALL)) == 1
    assert len(scheduled.double.calls_to("conversations.history")) == 1  # looked, not found
    assert len(scheduled.double.calls_to("chat.postMessage")) == 1


def test_a_refused_connection_sent_nothing_so_nothing_is_looked_for(
    scheduled: Scheduled,
) -> None:
    enqueue(scheduled, "digest:1")
    scheduled.double.go_down()
    scheduled.courier.deliver_due()
    assert only(scheduled, "digest:1").uncertain_since is None
    scheduled.double.come_up()
    scheduled.deliver_all()
    assert len(scheduled.double.messages(ALL)) == 1
    assert not scheduled.double.calls_to("conversations.history")


def test_a_thread_reply_whose_answer_was_lost_is_in_the_thread_once(
    scheduled: Scheduled,
) -> None:
    parent = enqueue(scheduled, "digest:1")
    enqueue(scheduled, "digest:2", parent=parent)
    enqueue(scheduled, "digest:3", parent=parent)
    scheduled.deliver_all()  # the parent, then the first reply before the fault
    scheduled.double.accept_then_fail(2, status=503, method="chat.postMessage")
    enqueue(scheduled, "digest:4", parent=parent)
    enqueue(scheduled, "digest:5", parent=parent)
    scheduled.deliver_all()
    (top,) = scheduled.double.messages(ALL)
    replies = scheduled.double.messages(ALL, thread_ts=top.ts)
    assert [m.text for m in replies] == ["digest:2", "digest:3", "digest:4", "digest:5"]
    assert scheduled.double.calls_to("conversations.replies")
    assert not scheduled.double.calls_to("conversations.history")


def test_a_dm_whose_answer_was_lost_arrives_once(scheduled: Scheduled) -> None:
    enqueue(scheduled, "rescue:1:owner", channel=CSM)
    scheduled.double.accept_then_fail(1, method="chat.postMessage", drop=True)
    scheduled.deliver_all()
    assert len(scheduled.double.messages(CSM)) == 1
    (opened,) = scheduled.double.calls_to("conversations.open")
    assert opened.params["users"] == CSM
    (lookup,) = scheduled.double.calls_to("conversations.history")
    assert lookup.params["channel"].startswith("D")


def test_a_file_whose_sharing_went_unanswered_is_shared_once(scheduled: Scheduled) -> None:
    parent = enqueue(scheduled, "digest:1")
    enqueue(
        scheduled, "digest:chart", method="file", parent=parent, content=b"\x89PNG chart",
        payload={"filename": "onboarding-2026-W43.png", "title": "Onboarding scores"},
    )  # fmt: skip
    scheduled.double.accept_then_fail(1, method="files.completeUploadExternal")
    scheduled.deliver_all()
    (chart,) = scheduled.double.files
    (top,) = scheduled.double.messages(ALL)
    assert chart.thread_ts == top.ts and chart.content == b"\x89PNG chart"
    assert len(scheduled.double.calls_to("files.completeUploadExternal")) == 1
    assert only(scheduled, "digest:chart").file_id is None  # cleared once delivered


def test_a_429_is_waited_out_as_retry_after_says_and_sent_once(scheduled: Scheduled) -> None:
    enqueue(scheduled, "digest:1")
    scheduled.double.rate_limit_next(1, retry_after=30, method="chat.postMessage")
    start = scheduled.clock()
    scheduled.courier.deliver_due()
    delivery = only(scheduled, "digest:1")
    assert delivery.next_attempt_at - start >= timedelta(seconds=30)
    assert delivery.uncertain_since is None  # a 429 posted nothing
    scheduled.clock.advance(seconds=29)
    assert scheduled.courier.deliver_due().sent == 0
    scheduled.clock.advance(seconds=1)
    assert scheduled.courier.deliver_due().delivered == 1
    assert len(scheduled.double.messages(ALL)) == 1
    assert not scheduled.double.calls_to("conversations.history")
