"""The red-team pass against `rescuebot serve`: requests an attacker (or a broken proxy) sends.

Every refused request must get its status (401 unverified, 400 signed but not Slack's, 413 too
big, 403 another workspace) with no traceback, change no row in the database and make no call
to Slack; a response_url that never answers must not slow real commands down. `SENT` counts
every request these tests send (printed at the end with `pytest -s`).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

import bot.store.tables  # noqa: F401  (registers every table in SQLModel.metadata)
from tests.slack.conftest import SECRET, Served
from tests.slack_double import HttpResponse, SlackRequests

FOREIGN_TEAM = "T0FOREIGN"
SENT: list[str] = []
FAST_SECONDS = 2.0


@pytest.fixture(scope="module", autouse=True)
def count_requests() -> Iterator[None]:
    yield
    print(f"\nred team: {len(SENT)} requests sent")


def rows(app: Served) -> dict[str, int]:
    """How many rows every table holds."""
    with app.db() as session:
        return {
            table.name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
            for table in SQLModel.metadata.sorted_tables
        }


def raw_post(app: Served, body: bytes, headers: dict[str, str]) -> HttpResponse:
    """POST exactly these bytes and headers (no signing helper in the way)."""
    SENT.append("raw")
    host, port = app.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", "/slack/events", body, headers)
        answer = connection.getresponse()
        return HttpResponse(answer.status, dict(answer.getheaders()), answer.read(), headers,
                            body.decode(errors="replace"))  # fmt: skip
    finally:
        connection.close()


def signed(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


def command_body(app: Served, text: str, **fields: str) -> bytes:
    form = {"team_id": app.slack.team_id, "user_id": "U0USER", "channel_id": "C0GENERAL",
            "command": "/onboard", "text": text, "trigger_id": f"1.2.{len(SENT)}",
            "response_url": app.double.new_response_url(channel="C0GENERAL", user="U0USER"),
            **fields}  # fmt: skip
    return urlencode(form).encode()


def refused_cleanly(response: HttpResponse, status: int) -> None:
    assert response.status == status, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text


class Hanging:
    """A server that accepts connections and never answers: a response_url from hell."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.accepted: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks/never"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    server = Hanging()
    yield server
    server.close()


def send(how: str, app: Served, response_url: str | None = None) -> HttpResponse:
    """One request of kind `how`, made by the signing helper."""
    SENT.append(how)
    options: dict[str, Any] = {
        "forged": {"secret": "not-the-signing-secret"},
        "unsigned": {"signed": False},
        "replayed": {"timestamp": int(time.time()) - 6 * 60},
        "future": {"timestamp": int(time.time()) + 6 * 60},
        "word timestamp": {"timestamp": "yesterday"},
        "float timestamp": {"timestamp": "1700000000.5"},
        "negative timestamp": {"timestamp": "-60"},
        "huge timestamp": {"timestamp": "9" * 40},
        "empty timestamp": {"timestamp": ""},
    }[how]
    return app.slack.command("/onboard", "add Intruder Inc", response_url=response_url,
                             **options)  # fmt: skip


UNVERIFIED = ["forged", "unsigned", "replayed", "future", "word timestamp", "float timestamp",
              "negative timestamp", "huge timestamp", "empty timestamp"]  # fmt: skip


def test_unverified_requests_of_every_kind_get_401_and_touch_nothing(app: Served):
    before = rows(app)
    for how in UNVERIFIED:
        refused_cleanly(send(how, app), 401)
        options = {"secret": "nope"} if how == "forged" else {"signed": False}
        message = {"ts": "1.0", "blocks": []}
        for response in (
            app.slack.block_action("standup.claim", value="acme", message=message, **options),
            app.slack.event({"type": "app_home_opened", "user": "U0USER"}, **options),
            app.slack.view_submission("modal.note", values={}, **options),
            app.slack.url_verification(**options),
        ):
            SENT.append(how)
            refused_cleanly(response, 401)
    body = command_body(app, "add Intruder Inc")
    good = signed(body)
    for headers in (
        {"X-Slack-Signature": good["X-Slack-Signature"]},  # no timestamp
        {"X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"]},  # no signature
        {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]},
        {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()},
        {**good, "X-Slack-Signature": "v0=xyz"},
        {**good, "X-Slack-Signature": good["X-Slack-Signature"] + "00"},
        {**good, "X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"] + "1"},
        {**good, "X-Slack-Request-Timestamp": "0x10"},
        {**good, "X-Slack-Request-Timestamp": "1e9"},
    ):
        refused_cleanly(raw_post(app, body, headers), 401)
    tampered = body.replace(b"Intruder", b"Intrudes")
    refused_cleanly(raw_post(app, tampered, good), 401)
    assert rows(app) == before
    assert app.double.calls == [] and app.double.failed_calls == []


NOT_SLACK = [
    b"",
    b"%%%not=a&&form",
    b"payload=not-json",
    b"payload=%5B1%2C2%5D",  # a JSON list
    b"payload=%7B%7D",  # a JSON object without a type
    b"user_id=U0USER&text=no+command",
    b"command=onboard&text=list",  # a command must start with /
    b"{}",
    b"[1, 2]",
    b'{"type": ',
    b'"just a string"',
    b"\xff\xfe\x00 not utf-8",
    b"payload=%FF%FE",
]


@pytest.mark.parametrize("body", NOT_SLACK)
def test_signed_bodies_slack_never_sends_get_400(app: Served, body: bytes):
    before = rows(app)
    refused_cleanly(raw_post(app, body, signed(body)), 400)
    refused_cleanly(raw_post(app, body, {**signed(body), "Content-Type": "application/json"}), 400)
    assert rows(app) == before
    assert app.double.calls == [] and app.double.failed_calls == []


def test_signed_oddities_slack_would_not_send_never_get_a_5xx(app: Served):
    """Validly signed, Slack-shaped but broken payloads reach Bolt; it must answer, not fail."""
    before = rows(app)
    payloads = [
        {"type": "block_actions", "team": {"id": app.slack.team_id}, "user": {"id": "U0USER"}},
        {"type": "block_actions", "team": {"id": app.slack.team_id}, "actions": "nope"},
        {"type": "block_actions", "team": {"id": app.slack.team_id}, "user": {"id": "U0USER"},
         "actions": [{"action_id": "standup.claim", "value": "no-such-account"}]},
        {"type": "view_submission", "team": {"id": app.slack.team_id}, "user": {"id": "U0USER"}},
        {"type": "view_submission", "team": {"id": app.slack.team_id}, "user": {"id": "U0USER"},
         "view": {"callback_id": "modal.note", "private_metadata": "{not json"}},
        {"type": "shortcut", "team": {"id": app.slack.team_id}},
        {"type": "mystery", "team": {"id": app.slack.team_id}},
    ]  # fmt: skip
    bodies = [urlencode({"payload": json.dumps(p)}).encode() for p in payloads]
    bodies += [
        json.dumps({"type": "event_callback", "team_id": app.slack.team_id}).encode(),
        json.dumps({"type": "event_callback", "team_id": app.slack.team_id, "event": {}}).encode(),
        command_body(app, "x" * 200_000),
        command_body(app, "add \x00\x01\u202e"),
        command_body(app, "", command="/no-such-command"),
    ]
    for body in bodies:
        response = raw_post(app, body, signed(body))
        assert response.status < 500, (body[:200], response.status, response.text)
        assert "Traceback" not in response.text
    after = rows(app)  # verified, so answered (an error may be DMed through the outbox)
    assert [after[t] for t in ("account", "reading", "rescue")] == [
        before[t] for t in ("account", "reading", "rescue")
    ]


def test_oversized_bodies_are_refused(app: Served):
    before = rows(app)
    body = command_body(app, "add " + "x" * 1_100_000)
    refused_cleanly(raw_post(app, body, signed(body)), 413)
    host, port = app.url.removeprefix("http://").split(":")
    chunk = b"x" * 65_536
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        SENT.append("chunked")
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        try:
            for _ in range(20):  # 1.3 MB, sent without a length
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close as soon as it has refused
        status = connection.recv(200).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert rows(app) == before
    assert app.double.calls == []


def test_another_workspace_is_refused_with_403(app: Served):
    before = rows(app)
    foreign = SlackRequests(f"{app.url}/slack/events", signing_secret=SECRET, team_id=FOREIGN_TEAM)
    message = {"ts": "1.0", "blocks": []}
    for response in (
        foreign.command("/onboard", "add Foreign Ltd"),
        foreign.command("/signal", "acme import=0"),
        foreign.block_action("standup.claim", value="acme", message=message),
        foreign.event({"type": "app_home_opened", "user": "U0USER", "tab": "home"}),
        foreign.view_submission("modal.note", values={}),
    ):
        SENT.append("foreign")
        refused_cleanly(response, 403)
    assert rows(app) == before
    assert app.double.calls == [] and app.double.failed_calls == []


def test_a_hanging_response_url_cannot_starve_real_commands(app: Served, hanging: Hanging):
    before = rows(app)
    attacks = [how for how in UNVERIFIED for _ in range(9)][:80]

    def listed(_: int) -> int:  # verified, but its response_url is not Slack's: never called
        SENT.append("list")
        return app.slack.command("/onboard", "list", response_url=hanging.url).status

    with ThreadPoolExecutor(max_workers=50) as pool:
        attacked = pool.map(lambda how: send(how, app, hanging.url).status, attacks)
        misdirected = pool.map(listed, range(20))
        timings = []
        for _ in range(5):  # meanwhile, real commands
            started = time.monotonic()
            SENT.append("real")
            answer = app.command("/onboard", "list")
            timings.append(time.monotonic() - started)
            assert answer["response_type"] == "ephemeral"
        assert list(attacked) == [401] * 80
        assert list(misdirected) == [200] * 20
    print(f"\nreal commands under attack answered in {max(timings):.3f}s at most")
    assert max(timings) < FAST_SECONDS
    assert hanging.accepted == []
    assert {k: v for k, v in rows(app).items() if k != "handled_request"} == {
        k: v for k, v in before.items() if k != "handled_request"
    }
    assert [c.method for c in app.double.calls] == ["response_url"] * 5  # the real answers


def test_a_trigger_id_reused_for_another_command_is_refused_with_an_explanation(app: Served):
    trigger = "1700000000.42.reused"
    SENT.extend(["reuse"] * 3)
    app.command("/onboard", "add Reuse First", trigger_id=trigger)
    answer = app.command("/onboard", "add Reuse Second", trigger_id=trigger)
    assert answer["response_type"] == "ephemeral"
    assert "already used for another command" in answer["text"]
    assert "Run the command again" in answer["text"]
    assert app.account("reuse-second") is None and app.account("reuse-first") is not None
    assert "`reuse-again`" in app.command("/onboard", "add Reuse Again")["text"]


def test_a_command_whose_text_says_payload_is_still_a_command(app: Served):
    SENT.append("payload text")  # Bolt alone reads any form mentioning "payload" as empty
    assert "`payload-people`" in app.command("/onboard", "add payload people")["text"]
