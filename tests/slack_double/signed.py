"""`SlackRequests`: Slack's side of the conversation — signed requests to an app's endpoint.

This module owns the inbound formats: slash commands (form fields), block_actions and
view_submission interactions (`payload=<json>` form bodies), Events API envelopes and
url_verification (JSON), each signed with the v0 scheme (X-Slack-Request-Timestamp and
X-Slack-Signature = "v0=" + HMAC-SHA256(secret, "v0:{ts}:{body}")) and sent over real HTTP
with the standard library. Bound to a `SlackDouble`, it issues response URLs and trigger_ids
on the double and fills messages and views from what the double stored, so a whole round trip
(Slack → app → Slack) stays local.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode, urlsplit

from .server import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, DEFAULT_USER_ID, SlackDouble

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
UNROUTED_RESPONSE_URL = "http://127.0.0.1:9/commands/unrouted"


class SendOptions(TypedDict, total=False):
    """Options every request method takes.

    retry_num / retry_reason: X-Slack-Retry-Num / X-Slack-Retry-Reason (reason defaults to
    "http_timeout" when only retry_num is given). timestamp: the signed timestamp (e.g.
    `int(time.time()) - 600` for a stale request). secret: sign with another secret (forged).
    signed: False sends no signature headers at all.
    """

    retry_num: int
    retry_reason: str
    timestamp: int | str
    secret: str
    signed: bool


@dataclass
class HttpResponse:
    """The app's answer, plus the exact request that produced it."""

    status: int
    headers: dict[str, str]
    body: bytes
    request_headers: dict[str, str]
    request_body: str

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode()

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature of `body` sent at `timestamp`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _find_element(
    blocks: list[dict[str, Any]], action_id: str
) -> tuple[str, dict[str, Any]] | None:
    """Return (block_id, element) of the interactive element with this action_id."""
    for block in blocks:
        candidates = [*block.get("elements", []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    return None


class SlackRequests:
    """Sends signed Slack requests to an app's request URL (e.g. http://127.0.0.1:PORT/slack/events).

    `clock` gives the wall-clock seconds used for X-Slack-Request-Timestamp (default
    `time.time`, which is what Bolt compares against).
    """

    def __init__(
        self,
        url: str,
        *,
        signing_secret: str,
        double: SlackDouble | None = None,
        team_id: str = DEFAULT_TEAM_ID,
        team_domain: str = "rescue-test",
        api_app_id: str = "A0DOUBLE",
        bot_user_id: str = "U0BOT",
        verification_token: str = "verification-token-double",
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.double = double
        workspace = double.workspace if double is not None else None
        self.team_id = workspace.team_id if workspace else team_id
        self.team_domain = workspace.domain if workspace else team_domain
        self.api_app_id = workspace.app_id if workspace else api_app_id
        self.bot_user_id = workspace.bot_user_id if workspace else bot_user_id
        self.verification_token = verification_token
        self.clock = clock
        self.timeout = timeout

    # ---- signing and sending -------------------------------------------------------------

    def sign(
        self, body: str, timestamp: int | str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """Return the two signature headers for `body`."""
        ts = str(timestamp if timestamp is not None else int(self.clock()))
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.signing_secret, ts, body),
        }

    def send(self, body: str, content_type: str, **options: Unpack[SendOptions]) -> HttpResponse:
        """POST `body` to the app with Slack's headers; never raises on an HTTP error status."""
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "Accept": "*/*",
        }
        if options.get("signed", True):
            headers.update(self.sign(body, options.get("timestamp"), options.get("secret")))
        if "retry_num" in options:
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        elif "retry_reason" in options:
            headers["X-Slack-Retry-Reason"] = options["retry_reason"]
        target = urlsplit(self.url)
        connection_type = (
            http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(target.netloc, timeout=self.timeout)
        try:
            path = target.path or "/"
            connection.request(
                "POST", f"{path}?{target.query}" if target.query else path, body.encode(), headers
            )
            answer = connection.getresponse()
            return HttpResponse(
                status=answer.status,
                headers={name.lower(): value for name, value in answer.getheaders()},
                body=answer.read(),
                request_headers=headers,
                request_body=body,
            )
        finally:
            connection.close()

    # ---- identities ------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, str]:
        user = self.double.workspace.users.get(user_id) if self.double else None
        name = user.name if user else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _channel_name(self, channel_id: str) -> str:
        if channel_id.startswith("D"):
            return "directmessage"
        channel = self.double.workspace.channels.get(channel_id) if self.double else None
        return channel.name if channel else channel_id.lower()

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _trigger_id(self, user_id: str) -> str:
        if self.double is not None:
            return self.double.new_trigger_id(user_id)
        return f"{int(self.clock())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"

    def _response_url(self, channel: str | None, user: str, message_ts: str | None) -> str:
        if self.double is None:
            return UNROUTED_RESPONSE_URL
        return self.double.new_response_url(channel=channel, user=user, message_ts=message_ts)

    # ---- request kinds -----------------------------------------------------------------------

    def command(
        self,
        command: str = "/signal",
        text: str = "",
        *,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        team_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **options: Unpack[SendOptions],
    ) -> HttpResponse:
        """A slash command, form-encoded with every field Slack sends."""
        fields = {
            "token": self.verification_token,
            "team_id": team_id or self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url(channel_id, user_id, None),
            "trigger_id": trigger_id or self._trigger_id(user_id),
        }
        return self.send(urlencode(fields), FORM, **options)

    def block_action(
        self,
        action_id: str,
        *,
        value: str | None = None,
        selected_option: str | dict[str, Any] | None = None,
        action_type: str | None = None,
        block_id: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        message_ts: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        state_values: dict[str, Any] | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **options: Unpack[SendOptions],
    ) -> HttpResponse:
        """A block_actions interaction: a button (`value`) or a select (`selected_option`).

        On a message: pass `message_ts` (the message is read from the double) or `message`.
        In a modal or home tab: pass `view` (e.g. `double.views.get(id).view`); then there is
        no response_url, as in Slack. The block_id and element type are found in the blocks.
        """
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self._trigger_id(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": state_values or {}},
        }
        if view is not None:
            blocks = list(view.get("blocks") or [])
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
        else:
            message = message or self._stored_message(channel_id, message_ts)
            ts = str(message.get("ts"))
            blocks = list(message.get("blocks") or [])
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": self._channel_name(channel_id)}
            payload["message"] = message
            payload["response_url"] = response_url or self._response_url(channel_id, user_id, ts)
        payload["actions"] = [
            self._action(action_id, blocks, value, selected_option, action_type, block_id)
        ]
        return self.send(urlencode({"payload": json.dumps(payload)}), FORM, **options)

    def _stored_message(self, channel_id: str, message_ts: str | None) -> dict[str, Any]:
        stored = self.double.message(channel_id, message_ts) if self.double and message_ts else None
        if stored is not None:
            return stored.to_slack(self.team_id, self.api_app_id)
        return {
            "type": "message",
            "ts": message_ts or f"{self.clock():.6f}",
            "text": "",
            "user": self.bot_user_id,
        }

    def _action(
        self,
        action_id: str,
        blocks: list[dict[str, Any]],
        value: str | None,
        selected_option: str | dict[str, Any] | None,
        action_type: str | None,
        block_id: str | None,
    ) -> dict[str, Any]:
        found = _find_element(blocks, action_id)
        element = found[1] if found else {}
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or (found[0] if found else "") or secrets.token_hex(3),
            "action_ts": f"{self.clock():.6f}",
        }
        if selected_option is not None:
            option = (
                selected_option
                if isinstance(selected_option, dict)
                else {
                    "text": {"type": "plain_text", "text": selected_option, "emoji": True},
                    "value": selected_option,
                }
            )
            action.update(type=action_type or element.get("type", "static_select"))
            action["selected_option"] = option
            return action
        action["type"] = action_type or element.get("type", "button")
        if "text" in element:
            action["text"] = element["text"]
        if value is not None or "value" in element:
            action["value"] = value if value is not None else element["value"]
        return action

    def view_submission(
        self,
        callback_id: str | None = None,
        *,
        values: dict[str, dict[str, Any]] | None = None,
        private_metadata: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        view_id: str | None = None,
        view: dict[str, Any] | None = None,
        response_urls: list[dict[str, Any]] | None = None,
        trigger_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> HttpResponse:
        """A view_submission interaction.

        The view is `view`, else the double's modal with `view_id`, else the user's latest
        modal with `callback_id`, else a minimal modal. `values` is
        `{block_id: {action_id: state}}`; a plain string state becomes a plain_text_input value.
        """
        base = dict(view or self._stored_view(view_id, callback_id, user_id))
        if callback_id is not None:
            base["callback_id"] = callback_id
        if private_metadata is not None:
            base["private_metadata"] = private_metadata
        base["state"] = {
            "values": {
                block: {
                    action: (
                        {"type": "plain_text_input", "value": state}
                        if isinstance(state, str)
                        else state
                    )
                    for action, state in actions.items()
                }
                for block, actions in (values or {}).items()
            }
        }
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self._trigger_id(user_id),
            "view": base,
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), FORM, **options)

    def _stored_view(
        self, view_id: str | None, callback_id: str | None, user_id: str
    ) -> dict[str, Any]:
        if self.double is not None:
            views = self.double.views
            record = views.get(view_id) if view_id else None
            if record is None and callback_id is not None:
                record = next(
                    (
                        r
                        for r in reversed(views.modals)
                        if r.callback_id == callback_id and r.user_id in (user_id, None)
                    ),
                    None,
                )
            if record is not None:
                return record.view
        return {
            "id": view_id or "V0SUBMITTED",
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": callback_id or "",
            "title": {"type": "plain_text", "text": "Modal"},
            "hash": f"{int(self.clock())}.00000000",
            "root_view_id": view_id or "V0SUBMITTED",
            "previous_view_id": None,
            "app_id": self.api_app_id,
            "bot_id": None,
        }

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        **options: Unpack[SendOptions],
    ) -> HttpResponse:
        """An Events API `event_callback` envelope around `event` (event_ts added if missing).

        Pass the same `event_id` with `retry_num=1` to replay a delivery as Slack's retries do.
        """
        now = self.clock()
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": event_time if event_time is not None else int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }
        return self.send(json.dumps(envelope), JSON, **options)

    def url_verification(
        self, challenge: str | None = None, **options: Unpack[SendOptions]
    ) -> HttpResponse:
        """The url_verification handshake Slack sends when the request URL is saved."""
        body = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(32),
            "type": "url_verification",
        }
        return self.send(json.dumps(body), JSON, **options)
