"""Slack as the policy's directory: user-group members and active members, cached for minutes.

Role checks happen on every click; asking Slack each time would cost a Web API call per click
and a rate-limit tier shared with everything else. Membership changes are rare and a few
minutes' delay is acceptable, so answers are kept for `ttl`. When Slack cannot answer, the last
known members are used (or none: a group nobody can resolve grants nothing).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

log = logging.getLogger("rescuebot.directory")
TTL = timedelta(minutes=5)


class SlackDirectory:
    """`bot.services.policy.Directory` backed by `usergroups.users.list` and `users.info`."""

    def __init__(
        self, client: WebClient, clock: Callable[[], datetime], *, ttl: timedelta = TTL
    ) -> None:
        self.client = client
        self.clock = clock
        self.ttl = ttl
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._users: dict[str, tuple[datetime, bool]] = {}
        self._names: dict[str, str] = {}  # kept past the ttl: a name rarely changes

    def group_members(self, group: str) -> frozenset[str]:
        now = self.clock()
        with self._lock:
            cached = self._groups.get(group)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            members = frozenset(self.client.usergroups_users_list(usergroup=group)["users"])
        except (SlackApiError, SlackRequestError, OSError) as exc:
            log.warning("user group %s not resolved: %s", group, _error(exc))
            return cached[1] if cached else frozenset()
        with self._lock:
            self._groups[group] = (now, members)
        return members

    def is_active_member(self, user: str) -> bool:
        now = self.clock()
        with self._lock:
            cached = self._users.get(user)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            found = self.client.users_info(user=user)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                active = False
            else:
                log.warning("user %s not checked: %s", user, _error(exc))
                return cached[1] if cached else True
        except (SlackRequestError, OSError) as exc:
            log.warning("user %s not checked: %s", user, _error(exc))
            return cached[1] if cached else True
        else:
            active = not found.get("deleted") and not found.get("is_bot")
            name = _name_of(found)
            if name:
                with self._lock:
                    self._names[user] = name
        with self._lock:
            self._users[user] = (now, active)
        return active

    def display_name(self, user: str) -> str | None:
        """The user's name in their profile (display name, else real name, else handle), from
        the same users.info answer the membership check keeps; None when Slack cannot say."""
        with self._lock:
            name = self._names.get(user)
        if name is None:
            self.is_active_member(user)
            with self._lock:
                name = self._names.get(user)
        return name


def _name_of(found: dict) -> str | None:
    profile = found.get("profile") or {}
    for name in (profile.get("display_name"), found.get("real_name"), profile.get("real_name"),
                 found.get("name")):  # fmt: skip
        if name:
            return str(name)
    return None


def _error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return f"{type(exc).__name__}: {exc}"
