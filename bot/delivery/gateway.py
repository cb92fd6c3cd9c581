"""The gateway: the one place in the product that calls Slack's write methods for the outbox.

It turns one delivery into Slack calls — chat.postMessage, chat.update, views.publish (an App
Home tab), or a file upload (files.getUploadURLExternal, the bytes,
files.completeUploadExternal) — and Slack's answer, or its silence, into an `Answer` for the
retry policy. It never retries by itself.

Duplicates when Slack's answer is lost: every posted message carries its delivery's key in
message metadata (`event_type` rescuebot_delivery). A delivery whose earlier attempt may have
reached Slack (`uncertain_since`) is first looked for in the conversation's history since then
(conversations.history, or conversations.replies for a thread reply; a few pages, with a margin
for clock skew); found, it is delivered with that message's ts instead of being posted again.
Files carry no metadata: an upload is recognised by the id of the file it uploaded (or, when a
sender died before knowing it, by its name and title in the same thread). A DM is addressed to a
user id, and its history needs the IM's id: conversations.open gives it.

The Web API client must come with a timeout of a few seconds and no retry handlers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.delivery.policy import Answer, Outcome
from bot.store.deliveries import HOME
from bot.store.tables import Delivery

EVENT_TYPE = "rescuebot_delivery"
HISTORY_PAGES = 5  # of 200 messages each: how far back an unanswered post is looked for
CLOCK_SKEW = timedelta(minutes=5)  # our clock against Slack's, when searching since a time

# Slack's own transient errors (HTTP 200, ok: false): it may or may not have done the work.
MAYBE_DONE_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
SEND_ERRORS = (SlackApiError, SlackRequestError, OSError, ValueError)


def metadata_for(delivery: Delivery) -> dict[str, Any]:
    """The message metadata that lets a posted delivery be recognised in Slack's history."""
    return {"event_type": EVENT_TYPE, "event_payload": {"delivery": delivery.key}}


class Gateway:
    """Sends deliveries to Slack through one Web API client (shared by the courier's threads)."""

    def __init__(self, client: WebClient, *, history_pages: int = HISTORY_PAGES) -> None:
        self.client = client
        self.history_pages = history_pages
        self._ims: dict[str, str] = {}  # user id → the bot's IM with them
        self._ims_lock = threading.Lock()

    def send(self, delivery: Delivery, parent_ts: str | None) -> Answer:
        """One attempt at `delivery`; `parent_ts` is its parent message's ts (the thread a
        message or file goes into, the message an update edits)."""
        thread_ts = parent_ts or delivery.payload.get("thread_ts")
        try:
            if delivery.uncertain_since is not None and delivery.method in ("message", "file"):
                ts = self._earlier_copy(delivery, thread_ts)
                if ts is not None:
                    return Answer(Outcome.ACCEPTED, ts=ts, found=True)
        except SEND_ERRORS as exc:
            answer = answer_for(exc)
            if answer.outcome is Outcome.REFUSED:
                error = f"cannot look for an earlier copy in Slack: {answer.error}"
                return Answer(Outcome.REFUSED, error=error)
            if answer.outcome is Outcome.UNKNOWN:  # a lookup sends nothing: look again later
                return Answer(Outcome.NOT_SENT, error=answer.error)
            return answer
        if delivery.method == "message":
            return self._post(delivery, thread_ts)
        if delivery.method == "update":
            return self._update(delivery, parent_ts)
        if delivery.method == "file":
            return self._upload(delivery, thread_ts)
        if delivery.method == HOME:
            return self._publish_home(delivery)
        return Answer(Outcome.REFUSED, error=f"unknown delivery method {delivery.method!r}")

    # ---- the writes ---------------------------------------------------------------------------

    def _post(self, delivery: Delivery, thread_ts: str | None) -> Answer:
        payload = delivery.payload
        try:
            answer = self.client.chat_postMessage(
                channel=delivery.channel,
                text=payload["text"],
                blocks=payload.get("blocks"),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata_for(delivery),
            )
        except SEND_ERRORS as exc:
            return answer_for(exc)
        return Answer(Outcome.ACCEPTED, ts=answer.get("ts"))

    def _update(self, delivery: Delivery, parent_ts: str | None) -> Answer:
        payload = delivery.payload
        ts = payload.get("ts") or parent_ts
        if ts is None:
            return Answer(Outcome.REFUSED, error="nothing to edit: no ts, and no parent message")
        try:
            self.client.chat_update(
                channel=self._conversation(delivery.channel),
                ts=ts,
                text=payload["text"],
                blocks=payload.get("blocks"),
            )
        except SEND_ERRORS as exc:
            return answer_for(exc)
        return Answer(Outcome.ACCEPTED, ts=ts)

    def _publish_home(self, delivery: Delivery) -> Answer:
        """views.publish: a user's App Home tab (the delivery's channel is the user). Publishing
        again replaces it, so an attempt whose answer was lost is simply made again."""
        try:
            self.client.views_publish(user_id=delivery.channel, view=delivery.payload["view"])
        except SEND_ERRORS as exc:
            return answer_for(exc)
        return Answer(Outcome.ACCEPTED)

    def _upload(self, delivery: Delivery, thread_ts: str | None) -> Answer:
        payload, content = delivery.payload, delivery.content or b""
        try:
            reserved = self.client.files_getUploadURLExternal(
                filename=payload["filename"], length=len(content), alt_txt=payload.get("alt_txt")
            )
            file_id = str(reserved["file_id"])
            self._put_bytes(str(reserved["upload_url"]), content)
            channel = self._conversation(delivery.channel)
        except SEND_ERRORS as exc:
            answer = answer_for(exc)
            if answer.outcome is Outcome.UNKNOWN:  # nothing is shared before the completion
                return Answer(Outcome.NOT_SENT, error=answer.error)
            return answer
        try:
            self.client.files_completeUploadExternal(
                files=[{"id": file_id, "title": payload.get("title")}],
                channel_id=channel,
                thread_ts=thread_ts,
                initial_comment=payload.get("comment"),
            )
        except SEND_ERRORS as exc:
            answer = answer_for(exc)
            return Answer(answer.outcome, error=answer.error, file_id=file_id,
                          retry_after=answer.retry_after)  # fmt: skip
        return Answer(Outcome.ACCEPTED)

    def _put_bytes(self, url: str, content: bytes) -> None:
        """POST a file's bytes to its upload URL, within the client's timeout."""
        request = Request(url, data=content, method="POST")
        with urlopen(request, timeout=self.client.timeout, context=self.client.ssl) as answer:
            answer.read()

    # ---- looking for an earlier copy ----------------------------------------------------------

    def _earlier_copy(self, delivery: Delivery, thread_ts: str | None) -> str | None:
        """The ts of the message an earlier attempt at `delivery` posted, if Slack has it."""
        assert delivery.uncertain_since is not None
        oldest = f"{(delivery.uncertain_since - CLOCK_SKEW).timestamp():.6f}"
        channel = self._conversation(delivery.channel)
        for message in self._messages(channel, thread_ts, oldest):
            if _is_copy(message, delivery):
                return str(message["ts"])
        return None

    def _messages(
        self, channel: str, thread_ts: str | None, oldest: str
    ) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        for _ in range(self.history_pages):
            page: SlackResponse
            if thread_ts:
                page = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=oldest, cursor=cursor,
                    include_all_metadata=True, limit=200,
                )  # fmt: skip
            else:
                page = self.client.conversations_history(
                    channel=channel, oldest=oldest, cursor=cursor,
                    include_all_metadata=True, limit=200,
                )  # fmt: skip
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _conversation(self, channel: str) -> str:
        """The conversation id to read or edit: a user id stands for the bot's IM with them."""
        if not channel.startswith(("U", "W")):
            return channel
        with self._ims_lock:
            known = self._ims.get(channel)
        if known is None:
            known = str(self.client.conversations_open(users=channel)["channel"]["id"])
            with self._ims_lock:
                self._ims[channel] = known
        return known


def _is_copy(message: dict[str, Any], delivery: Delivery) -> bool:
    if delivery.method == "message":
        metadata = message.get("metadata") or {}
        return (
            metadata.get("event_type") == EVENT_TYPE
            and (metadata.get("event_payload") or {}).get("delivery") == delivery.key
        )
    files = message.get("files") or []
    if delivery.file_id is not None:
        return any(f.get("id") == delivery.file_id for f in files)
    wanted = (delivery.payload.get("filename"), delivery.payload.get("title"))
    return any((f.get("name"), f.get("title")) == wanted for f in files)


def answer_for(exc: Exception) -> Answer:
    """What a failed call means: refused for good, rate limited, or transient — and then
    whether Slack may have done it anyway (it answered 5xx, the connection broke or timed out
    after the request went out) or certainly did not (the connection was never made)."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429 or error == "ratelimited":
            seconds = _retry_after(exc.response.headers)
            return Answer(Outcome.RATE_LIMITED, error=error, retry_after=timedelta(seconds=seconds))
        if status >= 500 or error in MAYBE_DONE_ERRORS:
            return Answer(Outcome.UNKNOWN, error=error)
        return Answer(Outcome.REFUSED, error=error)
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SlackRequestError) or _never_connected(exc):
        return Answer(Outcome.NOT_SENT, error=error)
    return Answer(Outcome.UNKNOWN, error=error)


def _never_connected(exc: Exception) -> bool:
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def _retry_after(headers: Any) -> float:
    value = None
    if headers:
        value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
