"""The HTTP surface: Slack's requests at POST /slack/events, and GET /healthz.

A request is checked before anything parses it: its size, then Slack's signature headers and
the signature itself (401, no traceback, no Slack call, no state change), then that the body is
something Slack sends (400). Only then is it handed to Bolt, on a worker thread, so the event
loop never waits on a listener or the database; acks go back as soon as a listener acks.
Dispatches are bounded: past `max_dispatches` at once a request is answered at once (a slash
command with a "busy, run it again" text, since Slack does not retry commands; anything else
with 503, which Slack retries for events and shows as failed for clicks). Whatever goes wrong
inside becomes a logged error id and an answer Slack can show, never a 5xx with a traceback.

The serving process hands the interpreter between threads every millisecond (Python's default
is 5 ms): a request to be acked then waits less behind listeners still working on earlier ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

import anyio
from anyio import to_thread
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context
from slack_sdk.signature import Clock, SignatureVerifier
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.slack.app import RescueApp
from bot.store.db import session_scope

MAX_BODY_BYTES = 1_000_000
MAX_DISPATCHES = 32
# How long a request may wait for a free dispatch before it is told the app is busy: Slack
# gives the whole answer 3 seconds, and the listener still has to ack after it.
DISPATCH_WAIT_SECONDS = 0.5
HEALTH_TIMEOUT_SECONDS = 1.0
SIGNATURE_WINDOW_SECONDS = 5 * 60
HEALTH_CHECKS = 4
SWITCH_INTERVAL_SECONDS = 0.001
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
JSON_TYPE = "application/json"
log = logging.getLogger("rescuebot.http")


class NotSlack(ValueError):
    """A body, validly signed, that is not a request Slack sends."""


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def unverified(
    verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None
) -> str | None:
    """Why this request is not verifiably Slack's, or None when it is."""
    if timestamp is None or signature is None:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    if not TIMESTAMP.fullmatch(timestamp):
        return "X-Slack-Request-Timestamp is not a number of seconds"
    if not SIGNATURE.fullmatch(signature):
        return "X-Slack-Signature is not v0= and 64 hex digits"
    try:
        text_ = body.decode("utf-8")
    except UnicodeDecodeError:  # never Slack's; the signature only decides between 401 and 400
        text_ = None
    valid = (
        verifier.is_valid(text_, timestamp, signature)  # 5 minutes either way, then the HMAC
        if text_ is not None
        else abs(verifier.clock.now() - int(timestamp)) <= SIGNATURE_WINDOW_SECONDS
        and hmac.compare_digest(signature, _signature(verifier, timestamp, body))
    )
    if not valid:
        return "the signature does not match, or the timestamp is over 5 minutes off"
    return None


def _signature(verifier: SignatureVerifier, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of bytes that are not UTF-8 (SignatureVerifier only takes text)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(verifier.signing_secret.encode(), base, hashlib.sha256).hexdigest()


def slack_payload(body: str, content_type: str) -> dict[str, Any]:
    """The body parsed as `slack_bolt.request.internals.parse_body` does (except that a command
    whose text says "payload" stays a command), refused with `NotSlack` unless it is an event,
    a slash command, an interaction or Slack's ssl_check."""
    try:
        if content_type == JSON_TYPE or body.startswith("{"):
            parsed = json.loads(body)
            kind = "event"
        else:
            form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
            if "payload" in form:
                parsed, kind = json.loads(form["payload"]), "interaction"
            else:
                parsed, kind = form, "command"
    except ValueError as error:  # JSONDecodeError and a malformed form are ValueErrors
        raise NotSlack(f"the body is neither JSON nor a form ({error})") from error
    if not isinstance(parsed, dict):
        raise NotSlack("the body is not a JSON object")
    if kind == "command" and "ssl_check" in parsed:
        return parsed
    if kind == "command" and not str(parsed.get("command", "")).startswith("/"):
        raise NotSlack("a form without a `command` or a `payload`")
    if kind != "command" and not (isinstance(parsed.get("type"), str) and parsed["type"]):
        raise NotSlack("a payload without a `type`")
    return parsed


def busy_answer(payload: dict[str, Any]) -> Response:
    if payload.get("command"):
        return _ephemeral(
            f":hourglass: Onboarding Rescue is busy and did not run `{payload['command']}`. "
            "Run it again in a moment."
        )
    return Response("busy: try again", status_code=503, headers={"Retry-After": "1"})


def failure_answer(payload: dict[str, Any], error_id: str) -> Response:
    if payload.get("command"):
        return _ephemeral(
            ":x: Something went wrong on our side and nothing was changed. "
            f"Try again, or quote error id `{error_id}`."
        )
    return Response(status_code=200)  # acked: retrying would fail the same way


def _ephemeral(text_: str) -> Response:
    return JSONResponse({"response_type": "ephemeral", "text": text_})


class _Answered(Exception):
    """A request answered before Bolt sees it (too large, unverified, not Slack's)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 past MAX_BODY_BYTES (before it is read, when it says so)."""
    length = request.headers.get("content-length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise _Answered(Response("request too large", status_code=413))
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_BODY_BYTES:  # a chunked body says no length up front
            raise _Answered(Response("request too large", status_code=413))
    return bytes(received)


def _verify(verifier: SignatureVerifier, body: bytes, headers: Headers) -> None:
    """Refuse with 401 a request Slack did not sign."""
    problem = unverified(
        verifier, body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    )
    if problem is not None:
        log.warning("refused an unverified request: %s", problem)
        raise _Answered(Response(f"unverified request: {problem}", status_code=401))


def _parse(body: bytes, headers: Headers) -> tuple[str, dict[str, Any]]:
    """The body as text and as Slack's payload, refused with 400 when it is not Slack's."""
    try:
        raw = body.decode("utf-8")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        return raw, slack_payload(raw, content_type)
    except (UnicodeDecodeError, NotSlack) as error:
        log.warning("refused a signed request that is not Slack's: %s", error)
        raise _Answered(Response(f"not a Slack request: {error}", status_code=400)) from error


def _bolt_request(request: Request, raw: str, payload: dict[str, Any]) -> BoltRequest:
    bolt_request = BoltRequest(
        body=raw, query=request.url.query, headers=dict(request.headers.items())
    )
    if bolt_request.body != payload:  # Bolt reads any form mentioning "payload" as empty
        bolt_request.body = payload
        bolt_request.context = build_context(BoltContext(), payload)
    return bolt_request


def _answer(answer: BoltResponse, payload: dict[str, Any]) -> Response:
    """Bolt's answer as Starlette's; a 5xx becomes a logged error id Slack can show."""
    if answer.status >= 500:
        error_id = uuid.uuid4().hex[:8]
        log.error("Bolt answered %d (error id %s)", answer.status, error_id)
        return failure_answer(payload, error_id)
    return Response(
        content=answer.body,
        status_code=answer.status,
        headers=answer.first_headers_without_set_cookie(),
    )


class _SlackEvents:
    """POST /slack/events: the checks in turn, then Bolt on a worker thread, at most
    `max_dispatches` at once."""

    def __init__(self, bolt: App, verifier: SignatureVerifier, max_dispatches: int) -> None:
        self.bolt, self.verifier, self.max_dispatches = bolt, verifier, max_dispatches
        self.dispatches = anyio.CapacityLimiter(max_dispatches)

    async def handle(self, request: Request) -> Response:
        try:
            body = await _read_body(request)
            _verify(self.verifier, body, request.headers)
            raw, payload = _parse(body, request.headers)
        except _Answered as answered:
            return answered.response
        return await self._dispatch(_bolt_request(request, raw, payload), payload)

    async def _dispatch(self, bolt_request: BoltRequest, payload: dict[str, Any]) -> Response:
        try:
            with anyio.fail_after(DISPATCH_WAIT_SECONDS):
                await self.dispatches.acquire()
        except TimeoutError:
            log.warning("all %d dispatches busy: answered busy", self.max_dispatches)
            return busy_answer(payload)
        try:
            answer: BoltResponse = await to_thread.run_sync(self.bolt.dispatch, bolt_request)
        except Exception:
            answer = BoltResponse(status=500, body="")
            log.exception("dispatch failed")
        finally:
            self.dispatches.release()
        return _answer(answer, payload)


def _healthz(engine: Engine) -> Callable[[Request], Awaitable[JSONResponse]]:
    """GET /healthz: whether the database answers within HEALTH_TIMEOUT_SECONDS."""
    health_checks = anyio.CapacityLimiter(HEALTH_CHECKS)

    async def healthz(_: Request) -> JSONResponse:
        healthy = False
        with anyio.move_on_after(HEALTH_TIMEOUT_SECONDS):
            healthy = await to_thread.run_sync(
                database_ok, engine, abandon_on_cancel=True, limiter=health_checks
            )
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable",
             "database": "ok" if healthy else "unreachable"},
            status_code=200 if healthy else 503,
        )  # fmt: skip

    return healthz


def create_web_app(
    bolt: App,
    engine: Engine,
    *,
    signing_secret: str | None = None,
    max_dispatches: int = MAX_DISPATCHES,
    clock: Callable[[], float] = time.time,
    routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app for `bolt`, with any further `routes` beside Slack's and the health check.
    The signing secret is the app's own when it is a `RescueApp`."""
    if signing_secret is None and isinstance(bolt, RescueApp):
        signing_secret = bolt.signing_secret
    if not signing_secret:
        raise ValueError("serving Slack over HTTP needs the signing secret")
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))
    events = _SlackEvents(bolt, verifier, max_dispatches)
    return Starlette(
        routes=[
            Route("/slack/events", events.handle, methods=["POST"]),
            Route("/healthz", _healthz(engine), methods=["GET"]),
            *routes,
        ]
    )


def database_ok(engine: Engine) -> bool:
    """A read that takes no lock (SQLite's writers do not block it), so it cannot hang on one."""
    try:
        with session_scope(engine, read_only=True) as session:
            session.connection().execute(text("SELECT 1"))
        return True
    except Exception:
        log.exception("health check: the database is unreachable")
        return False
