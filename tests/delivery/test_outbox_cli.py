"""A delivery Slack refuses for good: failed with the reason, shown by `rescuebot doctor` and
`rescuebot outbox list`, and after the fix `rescuebot outbox retry` sends it, its waiting reply
following in its thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.courier import Courier
from bot.scheduler.worker import courier_client
from bot.store import deliveries
from bot.store.db import make_engine, session_scope
from tests.cli.conftest import Rescuebot
from tests.scheduling.conftest import Clock
from tests.slack_double import SlackDouble

TEAM, GONE = "C0CSTEAM", "C0PRIVATE"
CONFIG = f"""
digests:
  - {{channel: {TEAM}}}
"""


@pytest.fixture
def outbox(rescuebot: Rescuebot) -> Iterator[tuple[Rescuebot, SlackDouble, Courier, Engine]]:
    with SlackDouble() as double:
        double.add_channel(TEAM, "cs-team", is_member=True)
        double.add_channel(GONE, "private", is_member=False, is_private=True)
        rescuebot.write("rescuebot.yml", CONFIG)
        rescuebot.monkeypatch.setenv("SLACK_BOT_TOKEN", double.token)
        rescuebot.monkeypatch.setenv("SLACK_API_URL", double.api_url)
        assert rescuebot("db", "upgrade").code == 0
        engine = make_engine(rescuebot.database_url)
        settings = Settings(slack_bot_token=double.token, slack_api_url=double.api_url)
        # The test's clock, from now on (`outbox retry` makes a delivery due at the real now).
        courier = Courier(engine, courier_client(settings), Clock(datetime.now(UTC)))
        try:
            yield rescuebot, double, courier, engine
        finally:
            courier.close()
            engine.dispose()


def queue_thread(engine: Engine, channel: str, now: datetime) -> tuple[int, int]:
    with session_scope(engine) as session:
        parent = deliveries.enqueue(
            session, key="digest:1", method="message", channel=channel,
            payload={"text": "digest"}, now=now,
        )  # fmt: skip
        reply = deliveries.enqueue(
            session, key="digest:2", method="message", channel=channel,
            payload={"text": "continued"}, now=now, parent=parent,
        )  # fmt: skip
        assert parent.id is not None and reply.id is not None
        return parent.id, reply.id


def test_a_permanent_refusal_is_shown_and_retried_after_the_fix(
    outbox: tuple[Rescuebot, SlackDouble, Courier, Engine],
) -> None:
    rescuebot, double, courier, engine = outbox
    parent_id, reply_id = queue_thread(engine, GONE, courier.clock())
    assert courier.deliver_due().failed == 1
    assert len(double.calls_to("chat.postMessage")) == 1

    doctor = rescuebot("doctor")
    assert doctor.code == 1
    assert f"delivery {parent_id} (digest:1)" in doctor.out and "not_in_channel" in doctor.out
    assert "1 reply or edit waits for it" in doctor.out
    assert f"rescuebot outbox retry {parent_id}" in doctor.out and "/invite" in doctor.out

    listed = rescuebot("outbox", "list", "--failed", "--json")
    assert listed.code == 0, listed.err
    rows = {row["id"]: row for row in listed.json()}
    assert set(rows) == {parent_id, reply_id}
    assert rows[parent_id]["error"] == "not_in_channel" and "/invite" in rows[parent_id]["fix"]
    assert "parent failed" in rows[reply_id]["error"]
    table = rescuebot("outbox", "list")
    assert "digest:1" in table.out and "outbox retry" in table.out

    double.add_channel(GONE, "private", is_member=True, is_private=True)  # the bot was invited
    retried = rescuebot("outbox", "retry", str(parent_id))
    assert retried.code == 0, retried.err
    assert "1 delivery pending again, with 1 reply or edit waiting for it" in retried.out
    for _ in range(2):  # the parent, then (a pacing interval later) its reply
        courier.clock.advance(seconds=1)  # type: ignore[attr-defined]
        assert courier.deliver_due().delivered == 1
    (top,) = double.messages(GONE)
    assert [m.text for m in double.messages(GONE, thread_ts=top.ts)] == ["continued"]
    assert rescuebot("outbox", "list", "--json").json() == []
    assert rescuebot("doctor").code == 0


def test_retry_all_failed_and_what_retry_refuses(
    outbox: tuple[Rescuebot, SlackDouble, Courier, Engine],
) -> None:
    rescuebot, _, courier, engine = outbox
    assert "Nothing has failed" in rescuebot("outbox", "retry", "--all-failed").out
    parent_id, _ = queue_thread(engine, GONE, courier.clock())
    courier.deliver_due()
    neither = rescuebot("outbox", "retry")
    assert neither.code == 2 and "--all-failed" in neither.err
    both = rescuebot("outbox", "retry", str(parent_id), "--all-failed")
    assert both.code == 2
    unknown = rescuebot("outbox", "retry", "999")
    assert unknown.code == 1 and "no delivery 999" in unknown.err and "list --failed" in unknown.err
    done = rescuebot("outbox", "retry", "--all-failed")
    assert done.code == 0 and "1 delivery pending again, with 1" in done.out
    again = rescuebot("outbox", "retry", str(parent_id))
    assert again.code == 1 and "is pending, not failed" in again.err
