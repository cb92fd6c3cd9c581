"""`rescuebot serve` as a real subprocess, talking to the Slack double, driven by signed requests.

One server per test module and database (starting one takes about a second); each test starts
with the double's records cleared and uses its own accounts.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from bot.store.db import make_engine
from bot.store.tables import Account, Delivery, Event, Reading
from tests.conftest import DATABASES, fresh_database
from tests.slack_double import SlackDouble, SlackRequests

SECRET = "test-signing-secret"
CHANNEL = "C0GENERAL"
CSM = "U0USER"
MANAGER = "U0MANAGER"
BOSS = "U0BOSS"
STRANGER = "U0STRANGER"
LEADERS = "C0LEADERS"
CONFIG = """
escalation:
  channel: C0LEADERS
  approvers: [U0MANAGER, U0BOSS]
  two_approvals_from_arr: 250000
"""
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """The running app, the double it talks to, and a signed client for Slack's side."""

    url: str
    double: SlackDouble
    slack: SlackRequests
    database_url: str
    process: subprocess.Popen[bytes]

    def command(self, command: str, text: str, **kwargs: Any) -> dict[str, Any]:
        """Send a slash command and return the app's answer posted to its response_url."""
        before = len(self.double.responses)
        response = self.slack.command(command, text, **kwargs)
        assert response.status == 200, response.text
        self.double.wait_for(lambda: len(self.double.responses) > before, timeout=10)
        return self.double.responses[before].body

    def db(self) -> Session:
        return Session(make_engine(self.database_url))

    def readings(self, key: str) -> list[Reading]:
        with self.db() as session:
            statement = (
                select(Reading).join(Account, col(Account.id) == col(Reading.account_id))
                .where(Account.key == key).order_by(col(Reading.id))
            )  # fmt: skip
            return list(session.exec(statement))

    def events(self, key: str) -> list[Event]:
        with self.db() as session:
            statement = (
                select(Event).join(Account, col(Account.id) == col(Event.account_id))
                .where(Account.key == key).order_by(col(Event.id))
            )  # fmt: skip
            return list(session.exec(statement))

    def settle(self, timeout: float = 10.0) -> None:
        """Let the courier finish what earlier tests queued (bounded), so none of their late
        messages or edits lands among this test's: the server is shared by a whole module."""

        def quiet() -> bool:
            with self.db() as session:
                waiting = select(func.count()).select_from(Delivery)
                waiting = waiting.where(col(Delivery.state).in_(("pending", "sending")))
                return session.exec(waiting).one() == 0

        # A delivery backing off for longer than that belongs to its own test's assertions.
        with contextlib.suppress(TimeoutError):
            self.double.wait_for(quiet, timeout=timeout)

    def account(self, key: str) -> Account | None:
        with self.db() as session:
            return session.exec(select(Account).where(Account.key == key)).first()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rescuebot serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if json.load(answer)["status"] == "ok":
                    return
        except OSError:
            time.sleep(0.05)  # waiting for a real process to listen, not for logic
    raise RuntimeError("rescuebot serve did not become healthy")


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with serving(request.param, tmp_path_factory.mktemp("serve"), CONFIG) as served:
        yield served


@contextmanager
def serving(database: str, directory: Path, config_text: str) -> Iterator[Served]:
    """`rescuebot serve` with `config_text` as its rescuebot.yml, on a fresh `database`."""
    config = directory / "rescuebot.yml"
    config.write_text(config_text, encoding="utf-8")
    with fresh_database(database, directory) as database_url, SlackDouble() as double:
        double.add_user(MANAGER, "morgan", real_name="Morgan Manager", tz="Europe/London")
        double.add_user(BOSS, "bea", real_name="Bea Boss", tz="Europe/London")
        double.add_user(STRANGER, "sam", real_name="Sam Stranger", tz="UTC")
        double.add_channel(LEADERS, "leadership", is_member=True)
        double.add_channel("C0RESCUE", "rescue-acme", is_member=True)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": double.api_url,
               "SLACK_BOT_TOKEN": double.token, "SLACK_SIGNING_SECRET": SECRET,
               "RESCUEBOT_CONFIG": str(config), "LOG_LEVEL": "WARNING"}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process)
            slack = SlackRequests(f"{url}/slack/events", signing_secret=SECRET, double=double)
            yield Served(url, double, slack, database_url, process)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def app(served: Served) -> Iterator[Served]:
    served.settle()
    served.double.reset()
    yield served
    served.double.assert_no_violations()
