"""The Slack app: built by `create_app` from settings and a backend, never at import time.

Listeners answer their own errors through one handler (`bot.slack.listeners.errors`); nothing is
half-written because every use case is one transaction. Every request, over HTTP or Socket Mode,
goes through `RescueApp.dispatch`: requests from a workspace other than the installed one are
refused before any middleware or listener runs, and `respond()` only reaches Slack's hosts.

Slash commands and button clicks are acked (an empty 200) by the request's own thread before
their listener runs; the listener then works on the listener pool and answers through
`respond()`. So an ack never waits for a free listener thread, however many earlier requests
are still being worked on. Modal submissions, which may answer with errors in the ack itself,
ack from their listener.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.services.backend import Backend
from bot.slack.listeners import register
from bot.slack.listeners.errors import error_answer, tell
from bot.slack.outbound import OUTBOUND_TIMEOUT_SECONDS, GuardedRespond, ResponseUrls

log = logging.getLogger("rescuebot.app")
# The listeners' work after the ack. More threads than this do not finish it sooner (SQLite
# takes one writer at a time, and Python runs one thread at a time), but they would take the
# interpreter from the requests still to be acked.
LISTENER_THREADS = 2


class MissingSecret(ValueError):
    """A setting the Slack app cannot start without (or one that Slack refused)."""


def team_of(body: dict[str, Any]) -> str | None:
    """The workspace a request comes from: `team_id` (commands, events) or `team.id`
    (interactions)."""
    team = body.get("team")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    return team_id if isinstance(team_id, str) else None


def is_handshake(body: dict[str, Any]) -> bool:
    """Slack's checks of the request URL, which name no workspace."""
    return body.get("type") == "url_verification" or "ssl_check" in body


class AcksFirst(App):
    """Bolt's App, with slash commands and button clicks acked before their listener runs."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """Bolt's `command()`, acked before its listener runs (see the module docstring)."""
        return self._acked_first(super().command(*args, **kwargs))

    def action(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """Bolt's `action()`, acked before its listener runs (see the module docstring)."""
        return self._acked_first(super().action(*args, **kwargs))

    def _acked_first(self, register: Callable[..., Any]) -> Callable[..., Any]:
        def acked_first(*functions: Any, **kwargs: Any) -> Any:
            registered = register(*functions, **kwargs)
            listener = self._listeners[-1]  # the one just registered
            # Bolt acks a listener that auto-acknowledges on the request's thread, then hands
            # the listener to the pool and answers without waiting for it (as for events).
            listener.auto_acknowledgement = True
            return registered

        return acked_first


class RescueApp(AcksFirst):
    """Bolt's App for one installed workspace: refuses the others, and answers people only
    through `GuardedRespond` (for the error handler too, so no path calls an unsafe URL)."""

    def __init__(
        self, *, installed_team: str, response_urls: ResponseUrls, signing_secret: str | None,
        **options: Any,
    ) -> None:  # fmt: skip
        super().__init__(signing_secret=signing_secret, **options)
        self.installed_team = installed_team
        self.response_urls = response_urls
        self.signing_secret = signing_secret

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        req.context["respond"] = GuardedRespond(
            response_url=req.context.response_url, urls=self.response_urls
        )
        team = team_of(req.body)
        if team != self.installed_team and not is_handshake(req.body):
            log.warning("refused a request from workspace %s; installed: %s",
                        str(team)[:40], self.installed_team)  # fmt: skip
            # Over HTTP Slack is told 403; a Socket Mode envelope is acked so it is not retried.
            return BoltResponse(status=403 if req.mode == "http" else 200, body="")
        return super().dispatch(req)


def web_client(settings: Settings) -> WebClient:
    """The Web API client: retries connection errors, 5xx and 429 (honouring Retry-After), and
    never waits more than a few seconds to connect or for an answer."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=OUTBOUND_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def installed_team(settings: Settings, client: WebClient) -> str:
    """SLACK_TEAM_ID, else the workspace of the bot token (auth.test): checking the token too."""
    try:
        found = client.auth_test()["team_id"]
    except SlackApiError as error:
        raise MissingSecret(
            f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}): use the "
            "Bot User OAuth Token (xoxb-…)"
        ) from error
    except OSError as error:
        raise MissingSecret(
            f"Slack cannot be reached at SLACK_API_URL ({settings.slack_api_url}): {error}"
        ) from error
    return settings.slack_team_id or str(found)


def create_app(
    settings: Settings,
    backend: Backend,
    *,
    client: WebClient | None = None,
    socket_mode: bool = False,
) -> RescueApp:
    """The Bolt app. Over HTTP every request's signature is verified; Socket Mode requests
    arrive over the app's own authenticated connection, so they need no signing secret."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if not token:
        raise MissingSecret("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if not secret and not socket_mode:
        raise MissingSecret("SLACK_SIGNING_SECRET is not set: copy it from Basic Information")
    client = client or web_client(settings)  # Bolt takes the token from the client
    app = RescueApp(
        installed_team=installed_team(settings, client),
        response_urls=ResponseUrls(settings.slack_api_url),
        signing_secret=secret or None,
        request_verification_enabled=not socket_mode,
        client=client,
        raise_error_for_unhandled_request=False,
        # Bolt runs each listener on this pool, after the ack for commands and clicks.
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    register(app, backend)

    @app.error
    def answer_error(
        error: Exception, body: dict, respond: Respond | None, client: WebClient
    ) -> BoltResponse:
        """Errors raised outside listeners (middleware), before anything was acked. Slack is
        answered 200 either way (a 500 would make it show a failure or retry the event); a
        slash command gets the explanation in the ack itself, anything else privately."""
        answer = error_answer(error, body)
        if answer is not None and body.get("command"):
            ephemeral = {"response_type": "ephemeral", "text": answer}
            return BoltResponse(status=200, body=json.dumps(ephemeral),
                                headers={"content-type": "application/json"})  # fmt: skip
        if answer is not None:
            tell(answer, respond, client, body)
        return BoltResponse(status=200, body="")

    return app
