"""`SocketModeDouble`: Slack's Socket Mode side — `apps.connections.open` and its websocket.

Bound to a `SlackDouble`, it teaches the double `apps.connections.open` (answering with a fresh
`ws://` URL of a local websocket server, and accepting the app-level token), greets every
connection with `hello` as Slack does, sends envelopes (`slash_commands`, `interactive`,
`events_api`) on the newest connection, and records the app's acks by `envelope_id`. It can ask
the app to reconnect (`disconnect` message) or drop the connection outright. Payload builders
fill response URLs and trigger_ids from the double, so answers land in `double.responses`.

    with SlackDouble() as double, SocketModeDouble(double) as sockets:
        ...  # run the app with SLACK_API_URL=double.api_url, SLACK_APP_TOKEN=sockets.app_token
        sockets.wait_connected(1)
        envelope = sockets.send("slash_commands", sockets.slash_command("/onboard", "list"))
        sockets.wait_ack(envelope)
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from .server import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, SlackDouble

DEFAULT_APP_TOKEN = "xapp-1-A0DOUBLE-1-socketmodedouble"


@dataclass
class _Link:
    """One websocket connection the app opened."""

    connection: ServerConnection
    closed: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)


class SocketModeDouble:
    """Socket Mode for the app under test; see the module docstring."""

    def __init__(self, double: SlackDouble, *, app_token: str = DEFAULT_APP_TOKEN) -> None:
        self.double = double
        self.app_token = app_token
        self._lock = threading.Condition()
        self._links: list[_Link] = []
        self._acks: dict[str, list[dict[str, Any]]] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> SocketModeDouble:
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None, ping_interval=None)
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="socket-mode-double"
        )
        self._thread.start()
        self.double.add_token(self.app_token)
        self.double.workspace.methods["apps.connections.open"] = self._connections_open
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            with self._lock:
                links = list(self._links)
            for link in links:
                link.connection.close()
            self._server.shutdown()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> SocketModeDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the double first"
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    # ---- Slack's side ------------------------------------------------------------------------

    def _connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """apps.connections.open: a single-use websocket URL (the token is checked by the double;
        which token it was is in `double.calls_to("apps.connections.open")[i].headers`)."""
        ticket = secrets.token_hex(8)
        return {"url": f"{self.url}?ticket={ticket}&app_id={self.double.workspace.app_id}"}

    def _serve(self, connection: ServerConnection) -> None:
        link = _Link(connection)
        connection.send(json.dumps({
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "socket-mode-double", "approximate_connection_time": 3600},
            "connection_info": {"app_id": self.double.workspace.app_id},
        }))  # fmt: skip
        with self._lock:
            self._links.append(link)
            self._lock.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._lock:
                    link.received.append(message)
                    if "envelope_id" in message:
                        self._acks.setdefault(message["envelope_id"], []).append(message)
                    self._lock.notify_all()
        except (ConnectionClosed, ValueError):
            pass
        finally:
            with self._lock:
                link.closed = True
                self._lock.notify_all()

    # ---- what tests do -------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many websocket connections the app has opened so far."""
        with self._lock:
            return len(self._links)

    def wait_connected(self, count: int, timeout: float = 15) -> None:
        """Block until the app has opened `count` connections and the newest one is open."""
        with self._lock:
            if not self._lock.wait_for(
                lambda: len(self._links) >= count and not self._links[-1].closed, timeout
            ):
                raise TimeoutError(f"the app did not open connection {count} in {timeout}s")

    def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> str:
        """Send an envelope of `kind` on the newest connection; return its envelope_id."""
        envelope_id = envelope_id or f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-env"
        envelope = {
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt, "retry_reason": retry_reason,
        }  # fmt: skip
        with self._lock:
            link = self._links[-1]
        link.connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The app's (first) ack of `envelope_id`; TimeoutError if none comes in time."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"envelope {envelope_id} was not acked in {timeout}s")
            return self._acks[envelope_id][0]

    def acks(self, envelope_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._acks.get(envelope_id, []))

    def ask_to_reconnect(self) -> None:
        """Slack's `disconnect` message: the app should open a new connection."""
        with self._lock:
            link = self._links[-1]
        link.connection.send(json.dumps({
            "type": "disconnect", "reason": "refresh_requested",
            "debug_info": {"host": "socket-mode-double"},
        }))  # fmt: skip

    def drop(self) -> None:
        """Close the newest connection from Slack's side, without warning."""
        with self._lock:
            link = self._links[-1]
        link.connection.close()

    # ---- payloads ----------------------------------------------------------------------------

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        team_id: str | None = None,
        trigger_id: str | None = None,
    ) -> dict[str, Any]:
        """A slash command's fields, as Socket Mode carries them (a JSON object, not a form)."""
        workspace = self.double.workspace
        return {
            "token": "verification-token-double", "team_id": team_id or workspace.team_id,
            "team_domain": workspace.domain, "channel_id": channel_id,
            "channel_name": channel_id.lower(), "user_id": user_id,
            "user_name": user_id.lower(), "command": command, "text": text,
            "api_app_id": workspace.app_id, "is_enterprise_install": "false",
            "response_url": self.double.new_response_url(channel=channel_id, user=user_id),
            "trigger_id": trigger_id or self.double.new_trigger_id(user_id),
        }  # fmt: skip

    def block_action(
        self,
        action: dict[str, Any],
        *,
        message: dict[str, Any],
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        team_id: str | None = None,
        trigger_id: str | None = None,
    ) -> dict[str, Any]:
        """A block_actions interaction on `message` with one `action` (action_id, block_id,
        type, and value or selected_option)."""
        workspace = self.double.workspace
        team = team_id or workspace.team_id
        return {
            "type": "block_actions", "api_app_id": workspace.app_id,
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
            "team": {"id": team, "domain": workspace.domain},
            "trigger_id": trigger_id or self.double.new_trigger_id(user_id),
            "container": {"type": "message", "message_ts": message["ts"],
                          "channel_id": channel_id, "is_ephemeral": False},
            "channel": {"id": channel_id, "name": channel_id.lower()}, "message": message,
            "response_url": self.double.new_response_url(
                channel=channel_id, user=user_id, message_ts=message["ts"]
            ),
            "actions": [{"action_ts": "1700000000.000001", **action}],
            "state": {"values": {}}, "is_enterprise_install": False, "enterprise": None,
        }  # fmt: skip

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, team_id: str | None = None
    ) -> dict[str, Any]:
        """An Events API `event_callback` around `event`."""
        workspace = self.double.workspace
        team = team_id or workspace.team_id
        return {
            "token": "verification-token-double", "team_id": team,
            "api_app_id": workspace.app_id, "event": {"event_ts": "1700000000.000002", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": 1700000000,
            "authorizations": [{"enterprise_id": None, "team_id": team,
                                "user_id": workspace.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
        }  # fmt: skip
