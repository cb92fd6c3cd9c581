"""Whether the bot can post in a channel, asked before queueing a post the person waits for.

A `/standup` queued for a channel the bot is not in would fail in the courier, long after the
person was told it is on its way; one `conversations.info` before queueing lets the answer say
how to fix it instead. Channels found postable are remembered for a few minutes (the bot is
rarely removed); a refusal is asked again next time, since the fix is to invite the bot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from scoring.errors import InvalidValue

log = logging.getLogger("rescuebot.channels")
TTL = timedelta(minutes=5)


class Channels:
    def __init__(
        self, client: WebClient, clock: Callable[[], datetime], *, ttl: timedelta = TTL
    ) -> None:
        self.client, self.clock, self.ttl = client, clock, ttl
        self._lock = threading.Lock()
        self._postable: dict[str, datetime] = {}

    def require_postable(self, channel: str, *, command: str) -> None:
        """Refuse (InvalidValue, saying how to fix it) a channel Slack says the bot can't post
        in; when Slack cannot answer, let the post be queued: the courier reports a failure."""
        now = self.clock()
        with self._lock:
            seen = self._postable.get(channel)
        if seen is not None and now - seen < self.ttl:
            return
        try:
            info = self.client.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                raise InvalidValue(_not_in_channel(command)) from exc
            log.warning("channel %s not checked: %s", channel, exc.response.get("error"))
            return
        except (SlackRequestError, OSError) as exc:
            log.warning("channel %s not checked: %s", channel, exc)
            return
        if info.get("is_archived"):
            raise InvalidValue(f"this channel is archived; run `{command}` in an active one")
        if not info.get("is_member") and not info.get("is_im"):
            raise InvalidValue(_not_in_channel(command))
        with self._lock:
            self._postable[channel] = now


def _not_in_channel(command: str) -> str:
    return (
        "I can't post in this channel. Invite me with `/invite @Onboarding Rescue`, or run "
        f"`{command}` in a channel I'm in"
    )
