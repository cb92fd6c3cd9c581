"""Requests Slack did not sign are refused; Slack's retries and replays apply nothing twice."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from slack_bolt import App

from bot.slack.http import create_web_app
from bot.store.db import make_engine
from tests.slack.conftest import CHANNEL, Served


def test_health_reports_the_database(app: Served):
    with urllib.request.urlopen(f"{app.url}/healthz", timeout=5) as answer:
        assert answer.status == 200
        assert json.load(answer) == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("how", "options"),
    [
        ("forged", {"secret": "not-the-signing-secret"}),
        ("stale", {"timestamp": int(time.time()) - 6 * 60}),
        ("unsigned", {"signed": False}),
    ],
)
def test_unverified_requests_get_401_and_change_nothing(app: Served, how, options):
    name = f"Intruder {how}"
    response = app.slack.command("/onboard", f"add {name}", **options)
    assert response.status == 401
    action = app.slack.block_action(
        "standup.claim", value="anything", message={"ts": "1.0", "blocks": []}, **options
    )
    assert action.status == 401
    assert app.account(f"intruder-{how}") is None
    assert app.double.responses == [] and app.double.calls_to("chat.update") == []


def test_a_request_four_minutes_old_is_still_accepted(app: Served):
    response = app.slack.command("/onboard", "add Slow Network", timestamp=int(time.time()) - 240)
    assert response.status == 200
    app.double.wait_for(lambda: app.account("slow-network") is not None, timeout=10)


def test_a_retried_command_is_applied_once(app: Served):
    trigger = "1234.5678.retried"
    app.command("/onboard", "add Retry Corp", trigger_id=trigger)
    before = len(app.double.responses)
    retried = app.slack.command("/onboard", "add Retry Corp", trigger_id=trigger, retry_num=1,
                                retry_reason="http_timeout")  # fmt: skip
    assert retried.status == 200
    app.command("/onboard", "list")  # a later request, answered after the retry's work
    assert app.account("retry-corp") is not None
    assert app.account("retry-corp-2") is None
    assert len(app.double.responses) == before + 1  # only the list answered


def test_a_replayed_signal_records_one_reading(app: Served):
    app.command("/onboard", "add Replay Ltd")
    trigger = "9876.5432.replayed"
    app.command("/signal", "replay-ltd import=1 admin=2", trigger_id=trigger)
    app.slack.command("/signal", "replay-ltd import=1 admin=2", trigger_id=trigger, retry_num=2)
    app.command("/onboard", "list")
    assert sorted(r.signal for r in app.readings("replay-ltd")) == ["admin_trained", "data_import"]


def test_a_retried_event_delivery_is_harmless(app: Served):
    event = {"type": "app_home_opened", "user": "U0USER", "tab": "home"}
    assert app.slack.event(event, event_id="Ev0RETRY").status == 200
    assert app.slack.event(event, event_id="Ev0RETRY", retry_num=1).status == 200
    app.double.wait_for(lambda: "U0USER" in app.double.views.home, timeout=10)


def test_user_text_is_stored_unescaped_and_shown_escaped(app: Served):
    answer = app.command("/onboard", "add Smith &amp; Sons &lt;UK&gt;")
    assert "*Smith &amp; Sons &lt;UK&gt;*" in answer["text"]
    assert app.account("smith-sons-uk").name == "Smith & Sons <UK>"
    app.command("/signal", "smith-sons-uk data_import 0")  # a decision today: in the focus
    app.slack.command("/standup", "", channel_id=CHANNEL)
    app.double.wait_for(
        lambda: (
            "Smith &amp; Sons &lt;UK&gt;" in str([m.blocks for m in app.double.messages(CHANNEL)])
        ),
        timeout=10,
    )


def asgi_get(app, path: str) -> tuple[int, dict]:
    """One GET through the ASGI interface, as uvicorn would make it."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body)


def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path):
    bare = App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    status, body = asgi_get(create_web_app(bare, engine, signing_secret="s"), "/healthz")
    assert status == 503
    assert body == {"status": "unavailable", "database": "unreachable"}


def test_oversized_requests_are_refused_before_they_are_read(app: Served):
    host, port = app.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 2000000\r\n\r\n" + b"x" * 1000
        )
        status_line = connection.recv(200).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
