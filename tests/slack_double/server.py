"""`SlackDouble`: a real HTTP server on 127.0.0.1 that stands in for Slack in tests.

This module owns the transport and the test-facing API: it listens on an ephemeral port, parses
Slack's wire formats (form-encoded or JSON bodies, query strings, Bearer tokens), applies fault
injection (`faults.py`) and an outage switch, hands the request to the `Workspace`
(`workspace.py`, Slack's semantics) under one lock, records every call, and answers in Slack's
format. Tests configure the workspace, break things on purpose, and read back what the app did.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .faults import Fault, Faults, error_fault, rate_limit_fault
from .records import (
    Call,
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    ResponsePost,
    User,
    Views,
    Violation,
)
from .workspace import ApiError, Workspace

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "xoxb-test-token"
DEFAULT_TEAM_ID = "T0DOUBLE"
DEFAULT_BOT_USER_ID = "U0BOT"
DEFAULT_USER_ID = "U0USER"
DEFAULT_CHANNEL_ID = "C0GENERAL"


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    hang: float = 0.0  # seconds to hold the answer back first

    @classmethod
    def of_json(
        cls, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> _Reply:
        return cls(status, json.dumps(body).encode(), headers=headers or {})


class _HttpServer(ThreadingHTTPServer):
    double: SlackDouble
    # socketserver's default listen backlog (5) drops or resets connections when a client
    # sends many requests at once, which Slack doesn't: a sender's parallelism must not fail.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the double answer it, writes the answer and closes."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.double._handle(self.path, headers, body)
        if reply.hang:
            self.server.double._held.wait(reply.hang)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("slack double: " + format, *args)


def _parse_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Merge the query string and the body the way Slack reads them (body wins)."""
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not body:
        return params
    if headers.get("content-type", "").startswith("application/json"):
        parsed = json.loads(body)
        if not isinstance(parsed, dict):
            raise ValueError("a JSON body must be an object")
        params.update(parsed)
    else:
        form = parse_qs(body.decode(), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
    return params


class SlackDouble:
    """A local, faithful stand-in for Slack's Web API and response URLs.

    Use it as a context manager (or call `start()` / `stop()`); point the app at `api_url`.
    A workspace comes configured with the bot (`U0BOT`), one person (`U0USER`, alex) and
    `#general` (`C0GENERAL`, both members). `clock` (default `time.monotonic`) is read for rate
    limits, trigger_id and response_url expiry: pass a `ManualClock` to avoid sleeping.
    With `strict_blocks` (the default) invalid Block Kit is refused as Slack refuses it
    (`invalid_blocks` / `invalid_arguments`); either way it is recorded in `violations`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = "Onboarding Rescue Test",
        domain: str = "rescue-test",
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = "B0BOT",
        app_id: str = "A0DOUBLE",
        clock: Callable[[], float] = time.monotonic,
        strict_blocks: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.host = host
        self.port = 0
        self.clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._faults = Faults(clock)
        self._down: str | None = None
        self._held = threading.Event()  # set to answer every held-back request at once
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._failed_calls: list[Call] = []
        self.workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            domain=domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            tokens={token},
            clock=clock,
            strict_blocks=strict_blocks,
        )
        self.add_user(bot_user_id, "rescuebot", real_name="Onboarding Rescue", is_bot=True)
        self.add_user(DEFAULT_USER_ID, "alex", real_name="Alex Rivera")
        self.add_channel(DEFAULT_CHANNEL_ID, "general", members=[DEFAULT_USER_ID, bot_user_id])

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackDouble:
        """Start listening on an ephemeral port of `host`; return self."""
        if self._httpd is None:
            self._listen(0)
        return self

    def stop(self) -> None:
        """Stop listening and wait for the server thread."""
        self._held.set()
        if self._httpd is not None:
            self._close()

    def __enter__(self) -> SlackDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _listen(self, port: int) -> None:
        httpd = _HttpServer((self.host, port), _Handler)
        httpd.double = self
        self.port = httpd.server_address[1]
        self.workspace.base_url = self.base_url
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"slack-double:{self.port}",
        )
        self._thread.start()

    def _close(self) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    @property
    def base_url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API root for `WebClient(base_url=...)` or SLACK_API_URL (ends with /api/)."""
        return f"{self.base_url}/api/"

    # ---- workspace configuration ---------------------------------------------------------

    def add_token(self, token: str) -> None:
        """Accept one more token (the default one stays valid)."""
        with self._lock:
            self.workspace.tokens.add(token)

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str = "",
        tz: str = "America/New_York",
        is_bot: bool = False,
        email: str | None = None,
        deleted: bool = False,
    ) -> User:
        """Add (or replace) a user that users.info will describe."""
        user = User(user_id, name or user_id.lower(), real_name, tz, is_bot, email, deleted)
        with self._lock:
            self.workspace.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_member: bool = True,
        is_archived: bool = False,
        is_private: bool = False,
        members: Iterable[str] = (),
    ) -> Channel:
        """Add (or replace) a channel. `is_member=False` makes posting fail with not_in_channel,
        `is_archived=True` with is_archived. An empty `members` means "not tracked": anyone
        may receive an ephemeral message there."""
        channel = Channel(
            channel_id,
            name or channel_id.lower(),
            is_member=is_member,
            is_archived=is_archived,
            is_private=is_private,
            members=list(members),
        )
        with self._lock:
            self.workspace.channels[channel_id] = channel
        return channel

    def channel(self, channel_id: str) -> Channel:
        """Return a configured channel, e.g. to archive it mid-test (KeyError if unknown)."""
        with self._lock:
            return self.workspace.channels[channel_id]

    def add_usergroup(self, usergroup_id: str, users: Iterable[str]) -> None:
        """Add (or replace) a user group for usergroups.users.list."""
        with self._lock:
            self.workspace.usergroups[usergroup_id] = list(users)

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Return a fresh response URL on the double (5 posts within 30 minutes).

        `channel` is where in_channel responses go, `user` who sees ephemeral ones, and
        `message_ts` the message replace_original / delete_original act on.
        """
        with self._lock:
            return self.workspace.new_response_url(
                channel=channel, user=user, message_ts=message_ts
            )

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """Return a trigger_id that views.open accepts once, within 3 seconds of the clock."""
        with self._lock:
            return self.workspace.issue_trigger(user_id)

    # ---- what the app did ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every answered request, in order (injected failures are in `failed_calls`)."""
        with self._lock:
            return list(self._calls)

    @property
    def failed_calls(self) -> list[Call]:
        """Requests answered with an injected 5xx, a 429, or a 503 while down; none had effect."""
        with self._lock:
            return list(self._failed_calls)

    def calls_to(self, method: str) -> list[Call]:
        """The answered calls to one method ("chat.postMessage", "response_url", ...)."""
        return [call for call in self.calls if call.method == method]

    def messages(
        self, channel: str | None = None, *, thread_ts: str | None = None
    ) -> list[Message]:
        """Messages as they stand now (edits applied, deleted ones gone).

        Without `thread_ts`: the top-level messages of `channel` (all channels when None).
        With `thread_ts`: the replies in that thread. `channel` may be an id, a #name or a user
        id (the bot's DM with that user).
        """
        with self._lock:
            if channel is None:
                pool = [m for ms in self.workspace.messages.values() for m in ms]
            else:
                pool = list(self.workspace.messages.get(self.workspace.channel_key(channel), []))
        if thread_ts is None:
            return [m for m in pool if m.thread_ts is None or m.thread_ts == m.ts]
        return [m for m in pool if m.thread_ts == thread_ts and m.ts != thread_ts]

    def message(self, channel: str, ts: str) -> Message | None:
        """The stored message with this ts (top level or reply), or None."""
        with self._lock:
            return self.workspace.find_message(self.workspace.channel_key(channel), ts)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        """Ephemeral messages, from chat.postEphemeral and ephemeral response_url posts."""
        with self._lock:
            return list(self.workspace.ephemerals)

    @property
    def responses(self) -> list[ResponsePost]:
        """Every post to a response URL, accepted or refused (see `ResponsePost.ok`)."""
        with self._lock:
            return list(self.workspace.responses)

    @property
    def views(self) -> Views:
        """Home tabs by user (`views.home[user_id]`) and modals in opening order."""
        with self._lock:
            return self.workspace.views

    @property
    def files(self) -> list[FileRecord]:
        """Files whose upload was completed, with their bytes and where they were shared."""
        with self._lock:
            return [f for f in self.workspace.files.values() if f.completed]

    @property
    def violations(self) -> list[Violation]:
        """Block Kit problems in everything the app sent."""
        with self._lock:
            return list(self.workspace.violations)

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every Block Kit violation, if there is any."""
        violations = self.violations
        if violations:
            listing = "\n".join(f"  - {violation}" for violation in violations)
            raise AssertionError(f"{len(violations)} Block Kit violation(s):\n{listing}")

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> None:
        """Block until `predicate()` is truthy, re-checking after every request the double
        answers; raise TimeoutError after `timeout` seconds. For apps that work after ack()."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError(f"condition not met within {timeout}s")

    def reset(self) -> None:
        """Forget calls, messages, views, files, responses, violations and planned faults;
        come back up if down. Configured users, channels, groups and tokens stay."""
        self.come_up()
        with self._lock:
            self._calls.clear()
            self._failed_calls.clear()
            self._faults.clear()
            self.workspace.reset()

    # ---- fault injection -------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, status: int = 500, method: str | None = None, error: str | None = None
    ) -> None:
        """Answer the next `n` calls (to `method`, or any) with HTTP `status` and no effect.

        `error` overrides the error name (default: Slack's for the status, e.g. fatal_error).
        `method` may also be "response_url" or "file_upload".
        """
        with self._lock:
            self._faults.plan(n, error_fault(status, error), method)

    def accept_then_fail(
        self,
        n: int = 1,
        status: int = 500,
        method: str | None = None,
        *,
        drop: bool = False,
        hang: float = 0.0,
    ) -> None:
        """Carry out the next `n` calls (to `method`, or any) and lose their answers: answer
        HTTP `status` instead, or with `drop` close the connection without an answer; with
        `hang`, hold the answer back that many seconds first (until `release_held`). The calls
        are in `calls` (they had effect) with the answer the app got."""
        fault = error_fault(status)
        fault.after, fault.drop, fault.hang = True, drop, hang
        with self._lock:
            self._held.clear()
            self._faults.plan(n, fault, method)

    def release_held(self) -> None:
        """Answer every request held back by `accept_then_fail(hang=…)` now."""
        self._held.set()

    def rate_limit_next(self, n: int = 1, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next `n` calls with HTTP 429, `Retry-After: retry_after` and ratelimited."""
        with self._lock:
            self._faults.plan(n, rate_limit_fault(retry_after), method)

    def fail_ratio(
        self,
        ratio: float,
        seed: int | None = None,
        *,
        status: int = 500,
        method: str | None = None,
    ) -> None:
        """Fail a random share of calls with `status`; `seed` makes the sequence repeatable."""
        with self._lock:
            self._faults.set_ratio(ratio, seed=seed, status=status, method=method)

    def limit_per_channel(self, per_second: float | None = 1.0, burst: int = 1) -> None:
        """Rate-limit chat.postMessage per channel like Slack (about 1/s, short bursts):
        over it, HTTP 429 with Retry-After. Time comes from the double's clock; None turns
        the limit off."""
        with self._lock:
            self._faults.limit_channels(per_second, burst)

    def limit_workspace(
        self,
        per_second: float | None,
        burst: int = 1,
        methods: Iterable[str] = ("chat.postMessage", "files.completeUploadExternal"),
    ) -> None:
        """Rate-limit each of `methods` across the workspace (its own bucket per method, as
        Slack's tiers apply per method per workspace): over it, HTTP 429 with Retry-After.
        Checked after the per-channel limit; None turns it off."""
        with self._lock:
            self._faults.limit_workspace(per_second, burst, frozenset(methods))

    def clear_faults(self) -> None:
        """Drop planned failures, the failure ratio and the per-channel limit."""
        with self._lock:
            self._faults.clear()

    def go_down(self, *, refuse: bool = True) -> None:
        """Simulate an outage: refuse connections (port closed), or with `refuse=False`
        answer every request with HTTP 503 service_unavailable (recorded in failed_calls)."""
        with self._lock:
            if self._down is not None:
                return
            self._down = "refuse" if refuse else "503"
        if refuse and self._httpd is not None:
            self._close()

    def come_up(self) -> None:
        """End an outage started by `go_down`; the double listens on the same port again."""
        with self._lock:
            down, self._down = self._down, None
        if down == "refuse":
            self._listen(self.port)

    # ---- request handling ------------------------------------------------------------------

    def _handle(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        url = urlsplit(raw_path)
        path = url.path
        if path.startswith("/api/"):
            endpoint = path.removeprefix("/api/")
        elif path.startswith("/commands/"):
            endpoint = "response_url"
        elif path.startswith("/upload/v1/"):
            endpoint = "file_upload"
        else:
            return _Reply(404, b"not found", "text/plain")
        with self._changed:
            try:
                return self._answer(endpoint, path, url.query, headers, body)
            except Exception as error:  # a bug in the double must not kill the server thread
                logger.exception("slack double failed on %s", raw_path)
                return self._refuse(
                    Call(endpoint, {}, headers, self.clock()),
                    error_fault(500, "double_internal_error"),
                    detail=repr(error),
                )
            finally:
                self._changed.notify_all()

    def _answer(
        self, endpoint: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> _Reply:
        call = Call(endpoint, {}, headers, self.clock())
        payload: Any = None
        if endpoint == "file_upload":
            call.params = {"bytes": len(body)}
        else:
            try:
                payload = (
                    json.loads(body)
                    if endpoint == "response_url"
                    else _parse_params(query, headers, body)
                )
                call.params = payload if isinstance(payload, dict) else {"body": payload}
            except (ValueError, UnicodeDecodeError):
                call.params = {"raw": body.decode(errors="replace")}
        if self._down == "503":
            return self._refuse(call, error_fault(503))
        fault = self._faults.injected(endpoint)
        if fault is not None and fault.after:
            self._carry_out(endpoint, path, call, headers, body, payload)
            call.status, call.response = fault.status, fault.body
            reply = _Reply.of_json(fault.status, fault.body, fault.headers)
            reply.drop, reply.hang = fault.drop, fault.hang
            return reply
        if fault is not None:
            return self._refuse(call, fault)
        return self._carry_out(endpoint, path, call, headers, body, payload)

    def _carry_out(
        self,
        endpoint: str,
        path: str,
        call: Call,
        headers: dict[str, str],
        body: bytes,
        payload: Any,
    ) -> _Reply:
        if endpoint == "response_url":
            status, answer = self.workspace.post_response(path, payload)
            return self._accept(call, _Reply.of_json(status, answer), answer)
        if endpoint == "file_upload":
            status, text = self.workspace.upload(path.removeprefix("/upload/v1/"), body)
            answer = {"ok": status == 200, "text": text}
            return self._accept(call, _Reply(status, text.encode(), "text/plain"), answer)
        if payload is None:
            answer = {"ok": False, "error": "invalid_json"}
            return self._accept(call, _Reply.of_json(200, answer), answer)
        return self._web_api(call, headers)

    def _web_api(self, call: Call, headers: dict[str, str]) -> _Reply:
        method = self.workspace.methods.get(call.method)
        if method is None:
            answer: dict[str, Any] = {
                "ok": False,
                "error": "unknown_method",
                "req_method": call.method,
            }
            return self._accept(call, _Reply.of_json(200, answer), answer)
        is_json = headers.get("content-type", "").startswith("application/json")
        try:
            self.workspace.authenticate(
                headers.get("authorization"), None if is_json else call.params.get("token")
            )
            if call.method == "chat.postMessage":
                key = self.workspace.channel_key(call.params.get("channel"))
                fault = self._faults.channel_limited(key)
                if fault is not None:
                    return self._refuse(call, fault)
            fault = self._faults.workspace_limited(call.method)
            if fault is not None:
                return self._refuse(call, fault)
            answer = {"ok": True, **method(call.params)}
        except ApiError as error:
            answer = error.body()
        return self._accept(call, _Reply.of_json(200, answer), answer)

    def _accept(self, call: Call, reply: _Reply, answer: dict[str, Any]) -> _Reply:
        call.status, call.response = reply.status, answer
        self._calls.append(call)
        return reply

    def _refuse(self, call: Call, fault: Fault, detail: str | None = None) -> _Reply:
        body = {**fault.body, "detail": detail} if detail else fault.body
        call.status, call.response = fault.status, body
        self._failed_calls.append(call)
        return _Reply.of_json(fault.status, body, fault.headers)
