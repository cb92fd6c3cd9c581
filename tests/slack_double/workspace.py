"""The Slack semantics of the double: one workspace, its Web API methods and response URLs.

This module owns what Slack does with a request once it has arrived: token checks, each Web API
method's rules, errors and answer shapes, the messages, views and files that result, the
response_url rules (5 posts within 30 minutes) and the trigger_id rules (3 seconds, used once).
It knows nothing of HTTP or fault injection; `server.py` feeds it parsed requests under a lock.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .blockkit import (
    MESSAGE_BLOCK_LIMIT,
    check_blocks,
    check_view,
    decode_json_field,
)
from .records import (
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    ResponsePost,
    User,
    ViewRecord,
    Views,
    Violation,
)

MESSAGE_TEXT_LIMIT = 40_000
TRIGGER_LIFETIME = 3.0
RESPONSE_URL_LIFETIME = 30 * 60.0
RESPONSE_URL_MAX_POSTS = 5


class ApiError(Exception):
    """An `{"ok": false, "error": ...}` answer, raised by a method and sent with HTTP 200."""

    def __init__(self, error: str, *messages: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """Return the JSON body Slack sends for this error."""
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class _Trigger:
    user_id: str | None
    issued_at: float
    exchanged: bool = False


@dataclass
class _ResponseUrl:
    url: str
    channel: str | None
    user: str | None
    message_ts: str | None
    created_at: float
    posts: int = 0


def _flag(value: Any) -> bool:
    """Read a boolean parameter the way Slack does: true, "true" and "1" are true."""
    return value is True or str(value).lower() in ("true", "1")


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str]:
    """One page of `items` for `limit` / `cursor`, and the cursor of the next ("" at the end)."""
    limit = int(params.get("limit") or 100)
    cursor = str(params.get("cursor") or "")
    try:
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
    except (ValueError, IndexError) as error:
        raise ApiError("invalid_cursor") from error
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return page, next_cursor


def _missing(name: str) -> ApiError:
    return ApiError("invalid_arguments", f"[ERROR] missing required field: {name}")


def _require_content(
    text: str, blocks: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> None:
    """A message needs text, blocks or attachments, and text within Slack's length limit."""
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > MESSAGE_TEXT_LIMIT:
        raise ApiError("msg_too_long")


class Workspace:
    """A Slack workspace with one installed bot, answering Web API methods like Slack does.

    Not thread-safe on its own: the server calls it under its lock.
    """

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        domain: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        tokens: set[str],
        clock: Callable[[], float],
        strict_blocks: bool,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.domain = domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.tokens = tokens
        self.clock = clock
        self.strict_blocks = strict_blocks
        self.base_url = ""
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "chat.delete": self.chat_delete,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "users.info": self.users_info,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
            "conversations.join": self.conversations_join,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.open": self.conversations_open,
            "usergroups.users.list": self.usergroups_users_list,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "files.upload": self.files_upload,
        }
        self.reset()

    def reset(self) -> None:
        """Forget everything the app did; keep the configured users, channels and groups."""
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.responses: list[ResponsePost] = []
        self.views = Views()
        self.files: dict[str, FileRecord] = {}
        self.violations: list[Violation] = []
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._triggers: dict[str, _Trigger] = {}
        # Ids and message timestamps keep counting across resets, as Slack's do: a message of a
        # later test never shares a ts with one an earlier test's late edits still address.
        self._counter = getattr(self, "_counter", 0)
        self._last_ts_us = getattr(self, "_last_ts_us", 0)

    # ---- identifiers -------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:010d}"

    def new_ts(self) -> str:
        """Return a fresh message ts: wall-clock seconds with 6 decimals, always increasing."""
        now_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        self._last_ts_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def issue_trigger(self, user_id: str | None) -> str:
        """Return a trigger_id valid for 3 seconds of the double's clock, usable once."""
        self._counter += 1
        trigger_id = f"{int(time.time())}.{self._counter}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id, self.clock())
        return trigger_id

    def new_response_url(
        self, *, channel: str | None, user: str | None, message_ts: str | None
    ) -> str:
        """Return a fresh response URL; `message_ts` is the message it may replace or delete."""
        self._counter += 1
        path = f"/commands/{self.team_id}/{self._counter}/{secrets.token_hex(12)}"
        url = self.base_url + path
        self._response_urls[path] = _ResponseUrl(url, channel, user, message_ts, self.clock())
        return url

    # ---- authentication ------------------------------------------------------------------

    def authenticate(self, authorization: str | None, form_token: Any) -> None:
        """Raise not_authed / invalid_auth unless the request carries a known token."""
        token: str | None = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else None
            if token is None:
                raise ApiError("invalid_auth")
        elif isinstance(form_token, str) and form_token:
            token = form_token
        if not token:
            raise ApiError("not_authed")
        if token not in self.tokens:
            raise ApiError("invalid_auth")

    # ---- lookups -------------------------------------------------------------------------

    def conversation(self, ref: Any) -> Channel:
        """Resolve a channel parameter: an id, a #name, or a user id (the bot's DM with them)."""
        if not isinstance(ref, str) or not ref:
            raise ApiError("channel_not_found")
        if ref.startswith("#"):
            for channel in self.channels.values():
                if channel.name == ref[1:]:
                    return channel
            raise ApiError("channel_not_found")
        if ref[0] in "UW" and ref in self.users:
            dm_id = "D" + ref[1:]
            if dm_id not in self.channels:
                self.channels[dm_id] = Channel(dm_id, name=dm_id, is_im=True, members=[ref])
            return self.channels[dm_id]
        if ref not in self.channels:
            raise ApiError("channel_not_found")
        return self.channels[ref]

    def channel_key(self, ref: Any) -> str:
        """Return the channel id a parameter names (the raw value when it names none)."""
        try:
            return self.conversation(ref).id
        except ApiError:
            return str(ref)

    def find_message(self, channel_id: str, ts: Any) -> Message | None:
        """Return the stored message (top level or reply) with this ts, or None."""
        for message in self.messages.get(channel_id, []):
            if message.ts == ts:
                return message
        return None

    def _postable(self, channel: Channel) -> None:
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.is_member and not channel.is_im:
            raise ApiError("not_in_channel")

    def _thread_parent(self, channel_id: str, thread_ts: Any) -> str | None:
        """Slack files a reply to a reply under the thread's parent; do the same."""
        if not thread_ts:
            return None
        parent = self.find_message(channel_id, str(thread_ts))
        if parent is not None and parent.thread_ts is not None:
            return parent.thread_ts
        return str(thread_ts)

    # ---- Block Kit ---------------------------------------------------------------------------

    def _record(self, source: str, problems: list[str]) -> None:
        self.violations.extend(Violation(source, problem) for problem in problems)

    def _blocks(self, source: str, raw: Any) -> list[dict[str, Any]]:
        """Validate a `blocks` parameter and return it decoded ([] when absent)."""
        if raw is None or raw == "":
            return []
        problems = check_blocks(raw, limit=MESSAGE_BLOCK_LIMIT)
        self._record(source, problems)
        if problems and self.strict_blocks:
            raise ApiError("invalid_blocks", *[f"[ERROR] {problem}" for problem in problems])
        try:
            blocks = decode_json_field(raw)
        except ValueError:
            return []
        if not isinstance(blocks, list):
            return []
        return [block for block in blocks if isinstance(block, dict)]

    def _view(self, source: str, raw: Any) -> dict[str, Any]:
        """Validate a `view` parameter and return it decoded."""
        if raw is None or raw == "":
            raise _missing("view")
        problems = check_view(raw)
        self._record(source, problems)
        if problems and self.strict_blocks:
            raise ApiError("invalid_arguments", *[f"[ERROR] {problem}" for problem in problems])
        try:
            view = decode_json_field(raw)
        except ValueError as error:
            raise ApiError("invalid_arguments", "[ERROR] view is not valid JSON") from error
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments", "[ERROR] view must be an object")
        return view

    def _json_list(self, raw: Any, name: str) -> list[dict[str, Any]]:
        if raw is None or raw == "":
            return []
        try:
            value = decode_json_field(raw)
        except ValueError as error:
            raise ApiError(f"invalid_{name}") from error
        if not isinstance(value, list):
            raise ApiError(f"invalid_{name}")
        return value

    # ---- auth / chat -------------------------------------------------------------------------

    def auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        """auth.test: who the token belongs to."""
        bot = self.users.get(self.bot_user_id)
        return {
            "url": f"https://{self.domain}.slack.com/",
            "team": self.team_name,
            "user": bot.name if bot else "bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message_content(
        self, source: str, params: dict[str, Any]
    ) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        blocks = self._blocks(source, params.get("blocks"))
        attachments = self._json_list(params.get("attachments"), "attachments")
        text = str(params.get("text") or "")
        _require_content(text, blocks, attachments)
        return text, blocks, attachments

    def chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage: store a message (or a thread reply) in a channel."""
        channel = self.conversation(params.get("channel"))
        self._postable(channel)
        text, blocks, attachments = self._message_content("chat.postMessage", params)
        metadata = params.get("metadata")
        message = Message(
            channel=channel.id,
            ts=self.new_ts(),
            text=text,
            blocks=blocks,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            thread_ts=self._thread_parent(channel.id, params.get("thread_ts")),
            attachments=attachments,
            metadata=decode_json_field(metadata) if metadata else None,
        )
        self.messages.setdefault(channel.id, []).append(message)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": message.to_slack(self.team_id, self.app_id),
        }

    def chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.update: edit a stored message; blocks/attachments left out are kept."""
        channel = self.conversation(params.get("channel"))
        message = self.find_message(channel.id, params.get("ts"))
        if message is None:
            raise ApiError("message_not_found")
        if message.user != self.bot_user_id:
            raise ApiError("cant_update_message")
        if channel.is_archived:
            raise ApiError("is_archived")
        blocks = (
            self._blocks("chat.update", params["blocks"]) if "blocks" in params else message.blocks
        )
        attachments = (
            self._json_list(params["attachments"], "attachments")
            if "attachments" in params
            else message.attachments
        )
        text = str(params.get("text", message.text) or "")
        _require_content(text, blocks, attachments)
        message.history.append({"text": message.text, "blocks": message.blocks})
        message.text, message.blocks, message.attachments = text, blocks, attachments
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_slack(self.team_id, self.app_id),
        }

    def chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postEphemeral: show a message to one member of a channel."""
        channel = self.conversation(params.get("channel"))
        self._postable(channel)
        user = params.get("user")
        if not user:
            raise _missing("user")
        if user not in self.users:
            raise ApiError("user_not_found")
        if channel.members and user not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks, _ = self._message_content("chat.postEphemeral", params)
        ephemeral = Ephemeral(
            channel=channel.id,
            user=str(user),
            text=text,
            blocks=blocks,
            message_ts=self.new_ts(),
            thread_ts=self._thread_parent(channel.id, params.get("thread_ts")),
        )
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.message_ts}

    def chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.getPermalink: a link to a stored message."""
        channel = self.conversation(params.get("channel"))
        message = self.find_message(channel.id, params.get("message_ts"))
        if message is None:
            raise ApiError("message_not_found")
        digits = message.ts.replace(".", "")
        link = f"https://{self.domain}.slack.com/archives/{channel.id}/p{digits}"
        if message.thread_ts is not None:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.delete: remove a stored message."""
        channel = self.conversation(params.get("channel"))
        message = self.find_message(channel.id, params.get("ts"))
        if message is None:
            raise ApiError("message_not_found")
        if message.user != self.bot_user_id:
            raise ApiError("cant_delete_message")
        self.messages[channel.id].remove(message)
        return {"channel": channel.id, "ts": message.ts}

    # ---- views -----------------------------------------------------------------------------

    def _exchange_trigger(self, trigger_id: Any, *, consume: bool) -> _Trigger:
        if not trigger_id:
            raise _missing("trigger_id")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise ApiError("invalid_arguments", "invalid `trigger_id`")
        age = self.clock() - trigger.issued_at
        if age > TRIGGER_LIFETIME:
            raise ApiError(
                "invalid_arguments",
                f"expired `trigger_id` (used {age:.1f}s after it was issued; Slack allows "
                f"{TRIGGER_LIFETIME:.0f}s)",
            )
        if trigger.exchanged:
            raise ApiError("invalid_arguments", "`trigger_id` was already exchanged")
        trigger.exchanged = trigger.exchanged or consume
        return trigger

    def _view_object(
        self,
        view: dict[str, Any],
        view_id: str,
        *,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        """Return the view as Slack answers it: what the app sent plus Slack's own fields."""
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks") or [],
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": _flag(view.get("clear_on_close")),
            "notify_on_close": _flag(view.get("notify_on_close")),
            "external_id": view.get("external_id") or "",
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _open_modal(self, source: str, params: dict[str, Any], *, push: bool) -> dict[str, Any]:
        self._exchange_trigger(params.get("trigger_id"), consume=False)
        view = self._view(source, params.get("view"))
        if view.get("type") != "modal":
            raise ApiError("invalid_arguments", f"[ERROR] {source} opens modals only")
        trigger = self._exchange_trigger(params.get("trigger_id"), consume=True)
        view_id = self._next_id("V")
        below = next((m for m in reversed(self.views.modals) if m.user_id == trigger.user_id), None)
        record = ViewRecord(
            id=view_id,
            type="modal",
            user_id=trigger.user_id,
            view=self._view_object(
                view,
                view_id,
                root_view_id=str(below.view["root_view_id"]) if push and below else None,
                previous_view_id=below.id if push and below else None,
            ),
        )
        self.views.modals.append(record)
        return {"view": record.view}

    def views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.open: open a modal; needs a fresh, unused trigger_id."""
        return self._open_modal("views.open", params, push=False)

    def views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.push: push a modal on top of the user's open one; needs a trigger_id."""
        return self._open_modal("views.push", params, push=True)

    def views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.update: replace a modal or home tab by view_id or external_id."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise _missing("view_id")
        records = [*self.views.modals, *self.views.home.values()]
        record = next(
            (
                r
                for r in records
                if (view_id and r.id == view_id)
                or (external_id and r.view.get("external_id") == external_id)
            ),
            None,
        )
        if record is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != record.view["hash"]:
            raise ApiError("hash_conflict")
        view = self._view("views.update", params.get("view"))
        record.history.append(record.view)
        record.view = self._view_object(
            view,
            record.id,
            root_view_id=str(record.view["root_view_id"]),
            previous_view_id=record.view["previous_view_id"],
        )
        return {"view": record.view}

    def views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.publish: set a user's home tab."""
        user_id = params.get("user_id")
        if not user_id:
            raise _missing("user_id")
        view = self._view("views.publish", params.get("view"))
        if view.get("type") != "home":
            raise ApiError("invalid_arguments", "[ERROR] views.publish takes a home view only")
        current = self.views.home.get(str(user_id))
        if current is not None and params.get("hash") and params["hash"] != current.view["hash"]:
            raise ApiError("hash_conflict")
        view_id = current.id if current else self._next_id("V")
        record = ViewRecord(view_id, "home", str(user_id), self._view_object(view, view_id))
        if current is not None:
            record.history = [*current.history, current.view]
        self.views.home[str(user_id)] = record
        return {"view": record.view}

    # ---- users / conversations -------------------------------------------------------------

    def users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.info: a configured user, with tz, name, real_name and is_bot."""
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_slack(self.team_id)}

    def _visible(self, params: dict[str, Any]) -> Channel:
        channel = self.conversation(params.get("channel"))
        if channel.is_private and not channel.is_member:
            raise ApiError("channel_not_found")
        return channel

    def conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.info: a configured channel, with is_member and is_archived."""
        return {"channel": self._visible(params).to_slack()}

    def conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.members: the channel's members, paginated with limit / cursor."""
        channel = self._visible(params)
        page, next_cursor = _page(channel.members, params)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _readable(self, params: dict[str, Any]) -> Channel:
        """A conversation whose history the bot may read: a member, or its own DM."""
        channel = self._visible(params)
        if not channel.is_member and not channel.is_im:
            raise ApiError("not_in_channel")
        return channel

    def _history_answer(self, messages: list[Message], params: dict[str, Any]) -> dict[str, Any]:
        """Messages within oldest/latest (exclusive unless `inclusive`), one page of them, as
        Slack lists them; message metadata only with include_all_metadata."""
        inclusive = _flag(params.get("inclusive"))
        oldest, latest = params.get("oldest"), params.get("latest")
        if oldest:
            messages = [
                m for m in messages
                if float(m.ts) > float(oldest) or (inclusive and m.ts == oldest)
            ]  # fmt: skip
        if latest:
            messages = [
                m for m in messages
                if float(m.ts) < float(latest) or (inclusive and m.ts == latest)
            ]  # fmt: skip
        page, next_cursor = _page(messages, params)
        shown = []
        for message in page:
            slack = message.to_slack(self.team_id, self.app_id)
            if not _flag(params.get("include_all_metadata")):
                slack.pop("metadata", None)
            shown.append(slack)
        return {
            "messages": shown,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: a conversation's top-level messages, newest first."""
        channel = self._readable(params)
        top = [m for m in self.messages.get(channel.id, []) if m.thread_ts in (None, m.ts)]
        return self._history_answer(sorted(top, key=lambda m: float(m.ts), reverse=True), params)

    def conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: a thread's parent and replies, oldest first."""
        channel = self._readable(params)
        ts = params.get("ts")
        if not ts:
            raise _missing("ts")
        if self.find_message(channel.id, ts) is None:
            raise ApiError("thread_not_found")
        thread = [m for m in self.messages.get(channel.id, []) if m.ts == ts or m.thread_ts == ts]
        return self._history_answer(sorted(thread, key=lambda m: float(m.ts)), params)

    def conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.open: the bot's DM with one user (opened if need be)."""
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users and not params.get("channel"):
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            raise ApiError("not_supported", "[ERROR] the double opens DMs with one user only")
        if users and users[0] not in self.users:
            raise ApiError("user_not_found")
        channel = self.conversation(users[0] if users else params.get("channel"))
        return {"channel": {"id": channel.id}}

    def conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.join: the bot joins a public channel."""
        channel = self.conversation(params.get("channel"))
        if channel.is_private or channel.is_im:
            raise ApiError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise ApiError("is_archived")
        answer: dict[str, Any] = {}
        if channel.is_member:
            answer = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.is_member = True
        if channel.members and self.bot_user_id not in channel.members:
            channel.members.append(self.bot_user_id)
        return {"channel": channel.to_slack(), **answer}

    def usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """usergroups.users.list: the members of a configured user group."""
        group = params.get("usergroup")
        if not group:
            raise _missing("usergroup")
        if group not in self.usergroups:
            raise ApiError("no_such_subteam")
        return {"users": list(self.usergroups[str(group)])}

    # ---- files -----------------------------------------------------------------------------

    def files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.getUploadURLExternal: reserve a file id and hand out an upload URL."""
        filename = params.get("filename")
        if not filename:
            raise _missing("filename")
        try:
            length = int(str(params.get("length")))
        except ValueError as error:
            raise _missing("length") from error
        file_id = self._next_id("F")
        self.files[file_id] = FileRecord(
            id=file_id,
            filename=str(filename),
            length=length,
            alt_txt=params.get("alt_txt"),
            snippet_type=params.get("snippet_type"),
        )
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """Take the bytes POSTed to an upload URL; answer (status, text) as files.slack.com."""
        record = self.files.get(file_id)
        if record is None or record.completed:
            return 404, "file_not_found"
        record.content = content
        return 200, f"OK - {len(content)}"

    def files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.completeUploadExternal: finish uploads, sharing them into a channel or thread."""
        entries = self._json_list(params.get("files"), "arguments")
        if not entries:
            raise _missing("files")
        records: list[FileRecord] = []
        for entry in entries:
            record = self.files.get(str(entry.get("id")))
            if record is None or record.content is None or record.completed:
                raise ApiError("file_not_found")
            records.append(record)
        refs = [params["channel_id"]] if params.get("channel_id") else []
        refs += [c for c in str(params.get("channels") or "").split(",") if c]
        targets: list[Channel] = []
        for ref in refs:
            if not re.fullmatch(r"[CGDZ][A-Z0-9]+", str(ref)):
                raise ApiError(
                    "invalid_arguments",
                    "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ "
                    "[json-pointer:/channel_id]",
                )
            channel = self.conversation(ref)
            self._postable(channel)
            targets.append(channel)
        comment = params.get("initial_comment")
        for record, entry in zip(records, entries, strict=True):
            record.title = str(entry.get("title") or record.filename)
            record.completed = True
            record.initial_comment = comment
        for channel in targets:
            thread_ts = self._thread_parent(channel.id, params.get("thread_ts"))
            for record in records:
                record.channel, record.thread_ts = channel.id, thread_ts
            message = Message(
                channel=channel.id,
                ts=self.new_ts(),
                text=str(comment or ""),
                blocks=[],
                user=self.bot_user_id,
                bot_id=self.bot_id,
                thread_ts=thread_ts,
                files=[record.to_slack() for record in records],
                source="files.completeUploadExternal",
            )
            self.messages.setdefault(channel.id, []).append(message)
        return {"files": [record.to_slack() for record in records]}

    def files_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.upload: retired by Slack; use files_upload_v2."""
        raise ApiError("method_deprecated")

    # ---- response URLs ---------------------------------------------------------------------

    def post_response(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Take a POST to a response URL; return (HTTP status, JSON answer)."""
        target = self._response_urls.get(path)
        if target is None:
            return 404, {"ok": False, "error": "no_service"}
        now = self.clock()
        url_body = body if isinstance(body, dict) else {}
        status, error = self._response_refusal(target, body, now)
        if status == 200:
            status, error = self._apply_response(target, url_body)
        self.responses.append(ResponsePost(target.url, url_body, now, status, error))
        if status != 200:
            return status, {"ok": False, "error": error}
        target.posts += 1
        return 200, {"ok": True}

    def _response_refusal(self, target: _ResponseUrl, body: Any, now: float) -> tuple[int, str]:
        if now - target.created_at > RESPONSE_URL_LIFETIME:
            return 404, "expired_url"
        if target.posts >= RESPONSE_URL_MAX_POSTS:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        return 200, ""

    def _apply_response(self, target: _ResponseUrl, body: dict[str, Any]) -> tuple[int, str]:
        try:
            blocks = self._blocks("response_url", body.get("blocks"))
        except ApiError:
            return 400, "invalid_blocks"
        original = (
            self.find_message(target.channel, target.message_ts)
            if target.channel and target.message_ts
            else None
        )
        if _flag(body.get("delete_original")):
            if original is not None:
                self.messages[original.channel].remove(original)
            return 200, ""
        text = str(body.get("text") or "")
        if not text and not blocks:
            return 400, "no_text"
        if _flag(body.get("replace_original")) and original is not None:
            original.history.append({"text": original.text, "blocks": original.blocks})
            original.text, original.blocks = text, blocks
            return 200, ""
        thread_ts = body.get("thread_ts")
        if body.get("response_type") == "in_channel" and target.channel:
            message = Message(
                channel=target.channel,
                ts=self.new_ts(),
                text=text,
                blocks=blocks,
                user=self.bot_user_id,
                bot_id=self.bot_id,
                thread_ts=self._thread_parent(target.channel, thread_ts),
                source="response_url",
            )
            self.messages.setdefault(target.channel, []).append(message)
            target.message_ts = target.message_ts or message.ts
            return 200, ""
        self.ephemerals.append(
            Ephemeral(
                channel=target.channel,
                user=target.user,
                text=text,
                blocks=blocks,
                message_ts=self.new_ts(),
                thread_ts=str(thread_ts) if thread_ts else None,
                source="response_url",
            )
        )
        return 200, ""
