"""What the Slack double remembers: the workspace it pretends to be and what the app did to it.

This module owns the plain data types only — configured users and channels, recorded calls,
stored messages, ephemeral messages, response_url posts, views, files and Block Kit
violations. The behaviour that fills them lives in `workspace.py` (Slack semantics) and
`server.py` (HTTP, faults, recording).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass
class Call:
    """One HTTP request the app made to the double.

    `method` is the Web API method ("chat.postMessage"), or "response_url" for a post to a
    response URL, or "file_upload" for the bytes sent to an upload URL. `params` merges the
    query string and the body (form fields stay strings, JSON keeps its types). `headers` has
    lower-case names. `at` is the double's clock when the request arrived. `status` and
    `response` are what the double answered.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the double answered HTTP 200 with `"ok": true`."""
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class User:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    real_name: str = ""
    tz: str = "America/New_York"
    is_bot: bool = False
    email: str | None = None
    deleted: bool = False

    def to_slack(self, team_id: str) -> dict[str, Any]:
        """Return the `user` object of a users.info answer."""
        try:
            offset = dt.datetime.now(ZoneInfo(self.tz)).utcoffset() or dt.timedelta()
            label = dt.datetime.now(ZoneInfo(self.tz)).tzname() or self.tz
        except ZoneInfoNotFoundError:
            offset, label = dt.timedelta(), self.tz
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": label,
            "tz_offset": int(offset.total_seconds()),
            "is_bot": self.is_bot,
            "is_admin": False,
            "is_owner": False,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": profile,
        }


@dataclass
class Channel:
    """A conversation: public or private channel, or a bot's direct message with a user."""

    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    is_im: bool = False
    members: list[str] = field(default_factory=list)
    created: int = 1_700_000_000

    def to_slack(self) -> dict[str, Any]:
        """Return the `channel` object of a conversations.info answer."""
        if self.is_im:
            return {
                "id": self.id,
                "is_im": True,
                "user": self.members[0] if self.members else "",
                "created": self.created,
                "is_archived": False,
                "is_org_shared": False,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.is_member,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "created": self.created,
            "creator": "",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass
class Message:
    """A message as it stands in a channel now: edits applied, deleted ones gone.

    `thread_ts` is None for a top-level message and the parent's ts for a thread reply.
    `history` keeps each earlier version as `{"text": ..., "blocks": ...}`.
    """

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    bot_id: str | None
    thread_ts: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    source: str = "chat.postMessage"
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def edited(self) -> bool:
        """True once chat.update or a response_url replace_original changed the message."""
        return bool(self.history)

    def to_slack(self, team_id: str, app_id: str) -> dict[str, Any]:
        """Return the message object Slack puts in answers and in interaction payloads."""
        message: dict[str, Any] = {
            "type": "message",
            "text": self.text,
            "user": self.user,
            "ts": self.ts,
            "team": team_id,
        }
        if self.bot_id is not None:
            message.update({"bot_id": self.bot_id, "app_id": app_id})
        if self.blocks:
            message["blocks"] = self.blocks
        if self.attachments:
            message["attachments"] = self.attachments
        if self.files:
            message["files"] = self.files
        if self.metadata is not None:
            message["metadata"] = self.metadata
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        if self.history:
            message["edited"] = {"user": self.user, "ts": self.ts}
        return message


@dataclass
class Ephemeral:
    """An ephemeral message shown to one user (chat.postEphemeral or a response_url post)."""

    channel: str | None
    user: str | None
    text: str
    blocks: list[dict[str, Any]]
    message_ts: str
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"


@dataclass
class ResponsePost:
    """One POST to a response URL, accepted (`status` 200) or refused (`error` says why)."""

    url: str
    body: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the double accepted the post."""
        return self.status == 200


@dataclass
class ViewRecord:
    """A modal or home tab as it stands now; `history` holds the earlier versions."""

    id: str
    type: str
    user_id: str | None
    view: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The view's current blocks."""
        return list(self.view.get("blocks") or [])

    @property
    def callback_id(self) -> str:
        """The view's callback_id ("" when none was set)."""
        return str(self.view.get("callback_id") or "")

    @property
    def private_metadata(self) -> str:
        """The view's private_metadata ("" when none was set)."""
        return str(self.view.get("private_metadata") or "")

    @property
    def title(self) -> str:
        """The view's title text ("" for a home tab without one)."""
        title = self.view.get("title") or {}
        return str(title.get("text", "")) if isinstance(title, dict) else str(title)


@dataclass
class Views:
    """Every view the app showed: home tabs by user, modals in the order they were opened."""

    home: dict[str, ViewRecord] = field(default_factory=dict)
    modals: list[ViewRecord] = field(default_factory=list)

    def get(self, view_id: str) -> ViewRecord | None:
        """Return the view with this id, modal or home tab, or None."""
        for record in [*self.modals, *self.home.values()]:
            if record.id == view_id:
                return record
        return None


@dataclass
class FileRecord:
    """A file uploaded through files.getUploadURLExternal, the upload URL and completion."""

    id: str
    filename: str
    length: int
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    completed: bool = False
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None

    def to_slack(self) -> dict[str, Any]:
        """Return the file object of a files.completeUploadExternal answer."""
        shared = [self.channel] if self.channel else []
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": self.length,
            "mimetype": "",
            "filetype": self.snippet_type or "",
            "mode": "hosted",
            "is_external": False,
            "channels": [c for c in shared if not c.startswith(("G", "D"))],
            "groups": [c for c in shared if c.startswith("G")],
            "ims": [c for c in shared if c.startswith("D")],
        }


@dataclass
class Violation:
    """A Block Kit problem in something the app sent; `source` names the method or URL."""

    source: str
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"
