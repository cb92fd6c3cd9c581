"""Bolt middleware that says who is asking, once per request, for every listener.

It puts an `Ask` in the context (`context["ask"]`): the user, the roles in force (user groups
resolved through the cached directory), the request's key that makes a Slack retry apply once,
and the channel it came from. Listeners hand it to the use case, which asks the policy. It also
says how to answer someone privately when their request has no response URL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext

from bot.services import notices
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask, Directory, roles_in_force
from bot.services.weights import rules_in_force
from bot.slack.listeners.errors import PRIVATELY
from bot.slack.listeners.parsing import request_key
from scoring.rules import Rules


def user_of(body: dict[str, Any]) -> str | None:
    return (body.get("user") or {}).get("id") or body.get("user_id")


def channel_of(body: dict[str, Any]) -> str | None:
    return (
        body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
    )


def _rules(backend: Backend) -> Rules:
    with backend.session() as session:
        return rules_in_force(session, backend.config)


def register(app: App, backend: Backend, directory: Directory) -> None:
    @app.middleware
    def who_asks(context: BoltContext, body: dict[str, Any], next: Callable[[], Any]) -> Any:
        user = user_of(body)
        context[PRIVATELY] = partial(notices.tell, backend)
        if user:
            roles = roles_in_force(backend.config, directory)
            context["ask"] = Ask(
                actor=Actor(user, roles),
                key=request_key(body),
                channel=channel_of(body),
                directory=directory,
                load_rules=partial(_rules, backend),
            )
        return next()
