"""Answers that go straight to Slack's response URLs: where one may point, and how long it may take.

A `response_url` arrives inside the request, so whoever could forge a request could point it
anywhere, and a host that never answers would hold a worker thread for as long as the client
waits. So a response URL is only called on Slack's own hosts over https (or on the host and port
of SLACK_API_URL, where a test double lives), always with a connect and read timeout, and a
failed post is logged rather than raised: the change it reports is already committed. Only
verified requests get here: `bot.slack.http` refuses the others before Bolt sees them.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from ssl import SSLContext
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.webhook import WebhookClient, WebhookResponse

log = logging.getLogger("rescuebot.outbound")
OUTBOUND_TIMEOUT_SECONDS = 5
SLACK_DOMAIN = "slack.com"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ResponseUrls:
    """The response URLs this app may call: Slack's, and those on SLACK_API_URL's host and port."""

    api_url: str
    timeout: int = OUTBOUND_TIMEOUT_SECONDS

    def allows(self, url: str) -> bool:
        try:
            target = urlsplit(url)
            port = target.port or DEFAULT_PORTS.get(target.scheme)
            api = urlsplit(self.api_url)
            api_port = api.port or DEFAULT_PORTS.get(api.scheme)
        except ValueError:  # a port that is not a number
            return False
        host = (target.hostname or "").lower()
        slack = host == SLACK_DOMAIN or host.endswith("." + SLACK_DOMAIN)
        if slack and target.scheme == "https" and port == 443:
            return True
        return (target.scheme, host, port) == (api.scheme, (api.hostname or "").lower(), api_port)

    def webhook(
        self, url: str, *, proxy: str | None = None, ssl: SSLContext | None = None
    ) -> WebhookClient | None:
        """A client for `url` with the timeout, or None (logged) when `url` is not Slack's."""
        if not self.allows(url):
            log.warning("not calling a response_url outside Slack: %.200s", url)
            return None
        return WebhookClient(url=url, timeout=self.timeout, proxy=proxy, ssl=ssl)

    def post(self, url: str, message: dict[str, Any], **client: Any) -> WebhookResponse | None:
        """Post `message` to `url` if allowed; a timeout or a refused connection is logged."""
        webhook = self.webhook(url, **client)
        if webhook is None:
            return None
        try:
            return webhook.send_dict(message)
        except (OSError, http.client.HTTPException) as error:
            log.warning("posting to a response_url failed: %s", error)
            return None


class GuardedRespond(Respond):
    """Bolt's `respond()`, through `ResponseUrls`: Slack's hosts only, with a timeout."""

    def __init__(
        self,
        *,
        response_url: str | None,
        urls: ResponseUrls,
        proxy: str | None = None,
        ssl: SSLContext | None = None,
    ) -> None:
        super().__init__(response_url=response_url, proxy=proxy, ssl=ssl)
        self.urls = urls

    def to(self, response_url: str) -> GuardedRespond:
        """The same guard for another response URL (one a modal carried in its metadata)."""
        return GuardedRespond(response_url=response_url, urls=self.urls, proxy=self.proxy,
                              ssl=self.ssl)  # fmt: skip

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse | None:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = (
            _build_message(**text)
            if isinstance(text, dict)
            else _build_message(
                text=text, blocks=blocks, attachments=attachments, response_type=response_type,
                replace_original=replace_original, delete_original=delete_original,
                unfurl_links=unfurl_links, unfurl_media=unfurl_media, thread_ts=thread_ts,
                metadata=metadata,
            )
        )  # fmt: skip
        return self.urls.post(self.response_url, message, proxy=self.proxy, ssl=self.ssl)
