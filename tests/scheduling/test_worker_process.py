"""`rescuebot worker` as a real process: killed between claiming the digest and posting it, the
next start delivers it, once; killed after Slack took a post but before its answer came back,
the next start finds the post in Slack and does not post it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery, ScheduledRun
from tests.scheduling.conftest import ALL
from tests.slack_double import SlackDouble

CONFIG = f"""
digests:
  - {{channel: {ALL}, cron: "* * * * *"}}
"""


def start_worker(
    database_url: str, double: SlackDouble, directory: Path
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": double.api_url,
           "SLACK_BOT_TOKEN": double.token, "RESCUEBOT_CONFIG": str(directory / "rescuebot.yml"),
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"], env=env, cwd=directory,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def digest_queued(engine: Engine) -> bool:
    with session_scope(engine, read_only=True) as session:
        run = session.exec(select(ScheduledRun).where(ScheduledRun.job == "digest")).first()
        return run is not None and run.finished_at is not None


def queued(engine: Engine) -> list[Delivery]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Delivery)))


def test_a_worker_killed_after_claiming_is_resumed_by_the_next_start_without_duplicates(
    engine: Engine, database_url: str, double: SlackDouble, tmp_path: Path
) -> None:
    (tmp_path / "rescuebot.yml").write_text(CONFIG, encoding="utf-8")
    double.go_down()  # Slack unreachable: the digest is claimed and queued, but not posted
    first = start_worker(database_url, double, tmp_path)
    try:
        # Killed once the whole digest is queued (its chart too) and a post has failed and is
        # waiting to be retried: not mid-send, whose lease would hold it for two minutes.
        wait_for(lambda: digest_queued(engine) and any(
            d.attempts >= 1 and d.state == "pending" for d in queued(engine)), first)  # fmt: skip
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    with session_scope(engine, read_only=True) as session:
        (run,) = session.exec(select(ScheduledRun).where(ScheduledRun.job == "digest")).all()
        assert run.finished_at is not None
    assert all(d.state in ("pending", "sending") for d in queued(engine))
    double.come_up()
    second = start_worker(database_url, double, tmp_path)
    try:
        wait_for(lambda: all(d.state == "delivered" for d in queued(engine)), second, timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0
    assert len(double.messages(ALL)) == 1
    assert len(double.files) == 1
    with session_scope(engine, read_only=True) as session:
        assert (
            len(session.exec(select(ScheduledRun).where(ScheduledRun.job == "digest")).all()) == 1
        )


def test_a_worker_killed_while_slack_holds_the_answer_to_its_post_posts_it_once(
    engine: Engine, database_url: str, double: SlackDouble, tmp_path: Path
) -> None:
    (tmp_path / "rescuebot.yml").write_text("digests: []\n", encoding="utf-8")
    with session_scope(engine) as session:  # committed: a rescue's message and a reply
        now = datetime.now(UTC)
        parent = deliveries.enqueue(session, key="rescue:1:message", method="message",
                                    channel=ALL, payload={"text": "rescue"}, now=now)  # fmt: skip
        deliveries.enqueue(session, key="rescue:1:reply", method="message", channel=ALL,
                           payload={"text": "reply"}, now=now, parent=parent)  # fmt: skip
    # Slack posts the message and holds its answer; the worker dies waiting for it.
    double.accept_then_fail(1, method="chat.postMessage", drop=True, hang=60)
    first = start_worker(database_url, double, tmp_path)
    try:
        wait_for(lambda: len(double.messages(ALL)) == 1, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    double.release_held()
    with session_scope(engine) as session:
        sent = deliveries.by_key(session, "rescue:1:message")
        assert sent is not None and sent.state == "sending"  # leased, its answer never recorded
        sent.lease_until = datetime.now(UTC) - timedelta(seconds=1)  # two minutes later
    second = start_worker(database_url, double, tmp_path)
    try:
        wait_for(lambda: all(d.state == "delivered" for d in queued(engine)), second, timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0
    (top,) = double.messages(ALL)
    assert [m.text for m in double.messages(ALL, thread_ts=top.ts)] == ["reply"]
    assert len(double.calls_to("chat.postMessage")) == 2  # the message once, the reply once
    assert len(double.calls_to("conversations.history")) == 1


def wait_for(
    predicate: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 30
) -> None:
    """Poll a real process's visible effect (not a sleep standing in for logic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")
