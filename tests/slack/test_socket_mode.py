"""`rescuebot socket` end to end: a real subprocess against the Slack double's Socket Mode.

The double hands out websocket URLs from `apps.connections.open`, greets with `hello` and sends
envelopes; the app must ack each one, apply a retried envelope once, refuse another workspace,
reconnect when told to or when the connection drops, and say which token Slack refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from bot.store.db import make_engine
from bot.store.tables import Account, Reading
from tests.conftest import DATABASES, fresh_database
from tests.slack_double import SlackDouble
from tests.slack_double.socket_mode import SocketModeDouble

FOREIGN_TEAM = "T0FOREIGN"
SELECT = "scorecard.signal_select"


@dataclass
class Running:
    double: SlackDouble
    sockets: SocketModeDouble
    database_url: str

    def command(self, command: str, text: str = "", **fields: str) -> dict:
        """Send a slash command envelope; return the ack and wait for the app's answer."""
        before = len(self.double.responses)
        payload = self.sockets.slash_command(command, text, **fields)
        envelope = self.sockets.send("slash_commands", payload)
        assert self.sockets.wait_ack(envelope)["envelope_id"] == envelope
        self.double.wait_for(lambda: len(self.double.responses) > before, timeout=10)
        return self.double.responses[before].body

    def accounts(self) -> list[str]:
        with Session(make_engine(self.database_url)) as session:
            return sorted(session.exec(select(Account.key)))

    def readings(self, key: str) -> int:
        with Session(make_engine(self.database_url)) as session:
            statement = (
                select(func.count()).select_from(Reading)
                .join(Account, col(Account.id) == col(Reading.account_id))
                .where(Account.key == key)
            )  # fmt: skip
            return int(session.exec(statement).one())


def environment(database_url: str, double: SlackDouble, app_token: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": double.api_url,
           "SLACK_BOT_TOKEN": double.token, "SLACK_APP_TOKEN": app_token, "LOG_LEVEL": "WARNING",
           "COLUMNS": "200"}  # fmt: skip
    env.pop("SLACK_SIGNING_SECRET", None)  # Socket Mode needs none
    env.pop("SLACK_TEAM_ID", None)
    return env


@pytest.fixture(params=DATABASES)
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Running]:
    with (
        fresh_database(request.param, tmp_path) as database_url,
        SlackDouble() as double,
        SocketModeDouble(double) as sockets,
    ):
        log = (tmp_path / "socket.log").open("wb")  # a file: a full pipe would block the app
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "socket", "--no-scheduler"],
            env=environment(database_url, double, sockets.app_token), cwd=tmp_path,
            stdout=log, stderr=log,
        )  # fmt: skip
        try:
            sockets.wait_connected(1, timeout=30)
            yield Running(double, sockets, database_url)
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
        double.assert_no_violations()


def test_socket_mode_acks_applies_retries_once_refuses_strangers_and_reconnects(running: Running):
    double, sockets = running.double, running.sockets
    opened = len(double.calls_to("apps.connections.open"))
    assert all(c.headers["authorization"] == f"Bearer {sockets.app_token}"
               for c in double.calls_to("apps.connections.open"))  # fmt: skip

    # a slash command, then Slack re-sending it (a new envelope, the same request, retry_attempt)
    first = sockets.slash_command("/onboard", "add Socket Co")
    answer = running.command("/onboard", "add Socket Co", trigger_id=first["trigger_id"])
    assert "`socket-co`" in answer["text"]
    responses = len(double.responses)
    retry = sockets.slash_command("/onboard", "add Socket Co", trigger_id=first["trigger_id"])
    retried = sockets.send("slash_commands", retry, retry_attempt=1, retry_reason="timeout")
    sockets.wait_ack(retried)
    running.command("/onboard", "list")  # answered after the retry's work
    assert len(double.responses) == responses + 1  # only the list answered
    assert running.accounts() == ["socket-co"]

    # an interaction, and its retry: one reading
    card = running.command("/scorecard", "socket-co")
    message = {"type": "message", "ts": "1700000000.000100", "blocks": card["blocks"]}
    action = {"action_id": SELECT, "block_id": "signal|socket-co|admin_trained",
              "type": "static_select", "selected_option": {
                  "text": {"type": "plain_text", "text": "1"}, "value": "1"}}  # fmt: skip
    click = sockets.block_action(action, message=message)
    before = len(double.responses)
    sockets.wait_ack(sockets.send("interactive", click))
    double.wait_for(lambda: len(double.responses) > before, timeout=10)
    sockets.wait_ack(sockets.send("interactive", click, retry_attempt=1, retry_reason="timeout"))
    running.command("/onboard", "list")
    assert running.readings("socket-co") == 1

    # an event: the App Home is published
    event = sockets.event({"type": "app_home_opened", "user": "U0USER", "tab": "home"})
    sockets.wait_ack(sockets.send("events_api", event))
    double.wait_for(lambda: "U0USER" in double.views.home, timeout=10)

    # another workspace: acked (so Slack does not retry) and refused, nothing changed
    responses = len(double.responses)
    strangers = [
        sockets.send("slash_commands", sockets.slash_command(
            "/onboard", "add Foreign Socket", team_id=FOREIGN_TEAM)),
        sockets.send("interactive", sockets.block_action(
            {**action, "selected_option": {**action["selected_option"], "value": "0"}},
            message=message, team_id=FOREIGN_TEAM)),
        sockets.send("events_api", sockets.event(
            {"type": "app_home_opened", "user": "U0STRANGER", "tab": "home"},
            team_id=FOREIGN_TEAM)),
    ]  # fmt: skip
    for envelope in strangers:
        assert sockets.wait_ack(envelope) == {"envelope_id": envelope}
    running.command("/onboard", "list")
    assert len(double.responses) == responses + 1
    assert running.accounts() == ["socket-co"] and running.readings("socket-co") == 1
    assert "U0STRANGER" not in double.views.home

    # Slack asks the app to reconnect: a new URL, a new connection, and work goes on
    sockets.ask_to_reconnect()
    sockets.wait_connected(2, timeout=30)
    assert "`socket-two`" in running.command("/onboard", "add Socket Two")["text"]

    # the connection drops without warning: the app notices, reconnects and goes on
    sockets.drop()
    sockets.wait_connected(3, timeout=30)
    assert "`socket-three`" in running.command("/onboard", "add Socket Three")["text"]
    assert len(double.calls_to("apps.connections.open")) == opened + 2
    assert running.accounts() == ["socket-co", "socket-three", "socket-two"]
    every = [sockets.acks(e) for e in (retried, *strangers)]
    assert all(len(acks) == 1 for acks in every)  # each envelope acked exactly once


@pytest.mark.parametrize("wrong", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"])
def test_a_token_slack_refuses_is_named_in_one_line(tmp_path: Path, wrong: str):
    with SlackDouble() as double, SocketModeDouble(double) as sockets:
        env = environment(f"sqlite:///{tmp_path / 'socket.db'}", double, sockets.app_token)
        env[wrong] = "xoxb-not-a-token" if wrong == "SLACK_BOT_TOKEN" else "xapp-1-not-a-token"
        done = subprocess.run(
            [sys.executable, "-m", "bot", "socket", "--no-scheduler"], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode != 0
    # Structured log lines aside (Bolt warns that the token comes from the client), one message
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith('{"at"')]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"Error: {wrong} was refused by Slack (invalid_auth)")
    assert "Traceback" not in done.stderr + done.stdout
    assert sockets.connections == 0
