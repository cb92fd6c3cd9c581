"""The outbox under Slack's failures: every message delivered exactly once, none posted twice,
and permanent refusals recorded once instead of retried forever."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from bot.store import deliveries
from bot.store.db import session_scope
from tests.scheduling.conftest import ALL, LONDON, NEW_YORK, Scheduled

CHANNELS = (LONDON, NEW_YORK, ALL)


def queue(scheduled: Scheduled, n: int, *, channels: tuple[str, ...] = CHANNELS) -> list[str]:
    texts = [f"message {i}" for i in range(n)]
    with session_scope(scheduled.engine) as session:
        for i, text in enumerate(texts):
            deliveries.enqueue(
                session, key=f"test:{i}", method="message", channel=channels[i % len(channels)],
                payload={"text": text}, now=scheduled.clock(),
            )  # fmt: skip
    return texts


def posted(scheduled: Scheduled) -> Counter[str]:
    return Counter(m.text for m in scheduled.double.messages())


def test_thirty_percent_of_calls_failing_with_500_delivers_everything_once(
    scheduled: Scheduled,
) -> None:
    texts = queue(scheduled, 60)
    scheduled.double.fail_ratio(0.3, seed=7, status=500)
    scheduled.deliver_all()
    assert scheduled.double.failed_calls  # the faults really happened
    assert posted(scheduled) == Counter(texts)
    assert {d.state for d in scheduled.deliveries()} == {"delivered"}


def test_a_burst_of_429s_is_waited_out_as_retry_after_says(scheduled: Scheduled) -> None:
    texts = queue(scheduled, 9)
    scheduled.double.rate_limit_next(6, retry_after=30)
    start = scheduled.clock()
    scheduled.courier.deliver_due()
    refused = [d for d in scheduled.deliveries() if d.attempts]
    assert len(refused) == 3  # one per channel per round
    assert all((d.next_attempt_at - start).total_seconds() >= 30 for d in refused)
    scheduled.clock.advance(seconds=29)
    assert scheduled.courier.deliver_due().sent == 0  # each channel waits as Retry-After says
    scheduled.deliver_all()
    assert posted(scheduled) == Counter(texts)


def test_slack_down_for_a_minute_loses_nothing_and_posts_nothing_twice(
    scheduled: Scheduled,
) -> None:
    texts = queue(scheduled, 12)
    scheduled.double.go_down()
    for _ in range(60):  # a minute of the courier trying, on the test's clock
        scheduled.courier.deliver_due()
        scheduled.clock.advance(seconds=1)
    assert all(d.state == "pending" for d in scheduled.deliveries())
    assert max(d.attempts for d in scheduled.deliveries()) >= 3
    scheduled.double.come_up()
    scheduled.deliver_all()
    assert posted(scheduled) == Counter(texts)


@pytest.mark.parametrize("problem", ["archived", "not_in_channel", "channel_not_found"])
def test_a_permanent_refusal_fails_once_with_its_replies_and_is_logged_once(
    scheduled: Scheduled, caplog: pytest.LogCaptureFixture, problem: str
) -> None:
    broken = "C0BROKEN"
    if problem == "archived":
        scheduled.double.add_channel(broken, "old", is_member=True, is_archived=True)
    elif problem == "not_in_channel":
        scheduled.double.add_channel(broken, "private", is_member=False, is_private=True)
    with session_scope(scheduled.engine) as session:
        parent = deliveries.enqueue(
            session, key="digest:1", method="message", channel=broken,
            payload={"text": "digest"}, now=scheduled.clock(),
        )  # fmt: skip
        deliveries.enqueue(
            session, key="digest:2", method="message", channel=broken,
            payload={"text": "continued"}, now=scheduled.clock(), parent=parent,
        )  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="rescuebot.courier"):
        scheduled.deliver_all()
        for _ in range(5):
            scheduled.clock.advance(minutes=10)
            scheduled.courier.deliver_due()
    rows = scheduled.deliveries()
    assert [d.state for d in rows] == ["failed", "failed"]
    assert rows[0].attempts == 1  # never retried
    expected = {"archived": "is_archived"}.get(problem, problem)
    assert expected in (rows[0].last_error or "")
    assert "parent failed" in (rows[1].last_error or "")
    assert len([r for r in caplog.records if "digest:1" in r.getMessage()]) == 1
    assert not scheduled.double.messages(broken)


def test_thread_replies_wait_for_their_parent_and_land_in_its_thread(
    scheduled: Scheduled,
) -> None:
    with session_scope(scheduled.engine) as session:
        parent = deliveries.enqueue(
            session, key="p", method="message", channel=ALL, payload={"text": "parent"},
            now=scheduled.clock(),
        )  # fmt: skip
        for i in range(3):
            deliveries.enqueue(
                session, key=f"r{i}", method="message", channel=ALL,
                payload={"text": f"reply {i}"}, now=scheduled.clock(), parent=parent,
            )  # fmt: skip
    scheduled.double.fail_next(2, status=500)
    scheduled.deliver_all()
    (top,) = scheduled.double.messages(ALL)
    assert top.text == "parent"
    replies = scheduled.double.messages(ALL, thread_ts=top.ts)
    assert [m.text for m in replies] == ["reply 0", "reply 1", "reply 2"]


def test_enqueuing_the_same_key_twice_is_one_delivery(scheduled: Scheduled) -> None:
    queue(scheduled, 3)
    queue(scheduled, 3)
    assert len(scheduled.deliveries()) == 3
