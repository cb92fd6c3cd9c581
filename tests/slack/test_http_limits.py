"""Bounded work per request, in-process through the ASGI app: /healthz beside a held write,
dispatches past the cap answered at once, failures answered without a 5xx, response URLs
only on Slack's hosts and never waited on for long."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings, load_config
from bot.services.backend import Backend
from bot.slack.app import AcksFirst, create_app
from bot.slack.http import create_web_app
from bot.slack.outbound import ResponseUrls
from bot.store.db import make_engine, session_scope
from bot.store.tables import HandledRequest
from tests.slack.test_red_team import Hanging
from tests.slack_double import SlackDouble, signature

SECRET = "in-process-secret"


async def call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request through the ASGI interface, as uvicorn would make it."""
    sent: list[dict] = []
    received = False

    async def receive() -> dict:
        nonlocal received
        if received:
            await asyncio.Event().wait()  # no more body: wait like an idle client
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": raw_headers, "http_version": "1.1",
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1234),
             "root_path": ""}  # fmt: skip
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, content


def signed_command(text: str, command: str = "/slow") -> tuple[bytes, dict[str, str]]:
    body = urlencode({"command": command, "text": text, "team_id": "T0", "user_id": "U0",
                      "trigger_id": f"1.{text}", "response_url": ""}).encode()  # fmt: skip
    ts = str(int(time.time()))
    return body, {"X-Slack-Request-Timestamp": ts,
                  "X-Slack-Signature": signature(SECRET, ts, body.decode()),
                  "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


@pytest.fixture(scope="module")
def double() -> Iterator[SlackDouble]:
    with SlackDouble() as double:
        yield double


def bare(double: SlackDouble) -> App:
    client = WebClient(token=double.token, base_url=double.api_url)
    return App(client=client, signing_secret=SECRET, raise_error_for_unhandled_request=False)


def test_health_answers_within_a_second_while_a_write_holds_the_database(
    engine: Engine, double: SlackDouble
):
    web = create_web_app(bare(double), engine, signing_secret=SECRET)
    holding, release = threading.Event(), threading.Event()

    def write() -> None:
        with session_scope(engine) as session:
            session.add(HandledRequest(key="held-write", handled_at=datetime.now(UTC)))
            session.flush()  # the write lock is taken (BEGIN IMMEDIATE on SQLite)
            holding.set()
            release.wait(timeout=30)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert holding.wait(timeout=10)
        started = time.monotonic()
        status, _, body = asyncio.run(call(web, "GET", "/healthz"))
        elapsed = time.monotonic() - started
    finally:
        release.set()
        writer.join()
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
    assert elapsed < 1.0, f"/healthz took {elapsed:.2f}s beside a write"


@pytest.fixture
def slow_app(double: SlackDouble) -> Iterator[tuple[Any, threading.Event, threading.Semaphore]]:
    """An app whose /slow command acks only when the test lets it."""
    release, entered = threading.Event(), threading.Semaphore(0)
    app = bare(double)

    @app.command("/slow")
    def slow(ack: Ack) -> None:
        entered.release()
        release.wait(timeout=10)
        ack()

    @app.middleware
    def fail_on_middleware(body: dict, next: Any) -> Any:
        if body.get("text") == "middleware":
            raise RuntimeError("a bug in middleware")
        return next()

    yield app, release, entered
    release.set()


def test_past_the_dispatch_cap_a_command_hears_busy_at_once(slow_app):
    app, release, entered = slow_app
    web = create_web_app(app, _engine_unused(), signing_secret=SECRET, max_dispatches=2)

    async def scenario() -> list[tuple[int, bytes]]:
        held = [asyncio.create_task(call(web, "POST", "/slack/events", *signed_command(f"h{i}")))
                for i in range(2)]  # fmt: skip
        for _ in range(2):
            await asyncio.to_thread(entered.acquire, True, 10)
        started = time.monotonic()
        status, _, body = await call(web, "POST", "/slack/events", *signed_command("third"))
        waited = time.monotonic() - started
        release.set()
        done = [await task for task in held]
        assert waited < 1.5
        return [(status, body), *((s, b) for s, _, b in done)]

    (status, body), *held = asyncio.run(scenario())
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral" and "busy" in answer["text"]
    assert "/slow" in answer["text"] and "again" in answer["text"]
    assert [s for s, _ in held] == [200, 200]


def test_failures_inside_become_answers_with_an_error_id_not_5xx(slow_app):
    app, _, _ = slow_app
    web = create_web_app(app, _engine_unused(), signing_secret=SECRET)
    status, _, body = asyncio.run(
        call(web, "POST", "/slack/events", *signed_command("middleware", "/slow"))
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral" and "error id `" in answer["text"]
    event = {"type": "event_callback", "team_id": "T0", "event": {"type": "app_home_opened"},
             "text": "middleware"}  # fmt: skip
    body = json.dumps(event).encode()
    ts = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "Content-Type": "application/json",
               "X-Slack-Signature": signature(SECRET, ts, body.decode())}  # fmt: skip
    status, _, answer = asyncio.run(call(web, "POST", "/slack/events", body, headers))
    assert (status, answer) == (200, b"")  # acked: a retry would fail the same way


def test_commands_and_clicks_are_acked_before_their_listener_runs(double: SlackDouble):
    """The ack does not wait for a listener thread: the answer is sent while the listener (and
    every listener thread, held by it) is still blocked; the listener runs afterwards."""
    client = WebClient(token=double.token, base_url=double.api_url)
    app = AcksFirst(client=client, signing_secret=SECRET, raise_error_for_unhandled_request=False,
                    listener_executor=ThreadPoolExecutor(max_workers=1))  # fmt: skip
    release, ran = threading.Event(), []

    @app.command("/slow")
    def slow(ack: Ack, body: dict) -> None:
        release.wait(timeout=10)
        ran.append(body["text"])
        ack()

    @app.action("slow.click")
    def click(ack: Ack) -> None:
        release.wait(timeout=10)
        ran.append("click")
        ack()

    web = create_web_app(app, _engine_unused(), signing_secret=SECRET)
    payload = {"type": "block_actions", "team": {"id": "T0"}, "user": {"id": "U0"},
               "trigger_id": "1.click", "actions": [{"action_id": "slow.click",
                                                     "type": "button", "value": "x"}]}  # fmt: skip
    click_body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(time.time()))
    click_headers = {"X-Slack-Request-Timestamp": ts,
                     "X-Slack-Signature": signature(SECRET, ts, click_body.decode()),
                     "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    try:
        answers = [asyncio.run(call(web, "POST", "/slack/events", *signed_command(text)))
                   for text in ("first", "second")]  # fmt: skip
        answers.append(asyncio.run(call(web, "POST", "/slack/events", click_body, click_headers)))
        assert [(status, body) for status, _, body in answers] == [(200, b"")] * 3
        assert ran == []  # acked while the listeners had not run
    finally:
        release.set()
    app.listener_runner.listener_executor.shutdown(wait=True)
    assert ran == ["first", "second", "click"]


def _engine_unused() -> Engine:
    return make_engine("sqlite://")  # these tests never ask /healthz


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T0/1/abc", True),
        ("https://hooks.slack.com:443/actions/T0/1/abc", True),
        ("https://slack.com/api/x", True),
        ("https://eu.hooks.slack.com/commands/x", True),
        ("http://hooks.slack.com/commands/x", False),  # not https
        ("https://hooks.slack.com:8443/commands/x", False),
        ("https://hooks.slack.com.evil.test/commands/x", False),
        ("https://evilslack.com/commands/x", False),
        ("https://hooks.slack.com@evil.test/commands/x", False),
        ("https://127.0.0.1/commands/x", False),
        ("http://127.0.0.1:9/commands/x", False),  # the double's host, another port
        ("http://127.0.0.1:5555/commands/x", True),  # SLACK_API_URL's host and port
        ("http://localhost:5555/commands/x", False),
        ("file:///etc/passwd", False),
        ("https://hooks.slack.com:notaport/x", False),
        ("", False),
    ],
)
def test_response_urls_go_only_to_slack_or_the_api_host(url: str, allowed: bool):
    assert ResponseUrls("http://127.0.0.1:5555/api/").allows(url) is allowed


def test_a_response_url_that_never_answers_is_given_up_on_after_the_timeout():
    hanging = Hanging()
    try:
        host = hanging.url.split("/hooks")[0]
        urls = ResponseUrls(f"{host}/api/", timeout=1)
        started = time.monotonic()
        assert urls.post(hanging.url, {"text": "hello"}) is None
        elapsed = time.monotonic() - started
    finally:
        hanging.close()
    assert len(hanging.accepted) == 1
    assert elapsed < 2.5, f"gave up after {elapsed:.2f}s"


@pytest.mark.parametrize(
    ("team_setting", "installed"), [(None, "T0DOUBLE"), ("T0OTHER", "T0OTHER")]
)
def test_the_installed_workspace_is_slack_team_id_else_the_tokens(
    double: SlackDouble, team_setting: str | None, installed: str
):
    settings = Settings(slack_bot_token=double.token, slack_api_url=double.api_url,
                        slack_signing_secret=SECRET, slack_team_id=team_setting)  # fmt: skip
    engine = _engine_unused()
    backend = Backend(config=load_config(None), engine=engine, clock=lambda: datetime.now(UTC))
    bolt = create_app(settings, backend)
    assert bolt.installed_team == installed
    body, headers = signed_command("list", "/onboard")
    body = body.replace(b"team_id=T0", b"team_id=T0DOUBLE")
    headers["X-Slack-Signature"] = signature(SECRET, headers["X-Slack-Request-Timestamp"],
                                             body.decode())  # fmt: skip
    status, _, _ = asyncio.run(call(create_web_app(bolt, engine), "POST", "/slack/events",
                                    body, headers))  # fmt: skip
    assert status == (200 if installed == "T0DOUBLE" else 403)
