"""The Slack app: built by `create_app` from settings and a backend, never at import time.

Listeners answer their own errors through one handler (`bot.slack.listeners.errors`); nothing is
half-written because every use case is one transaction.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.services.backend import Backend
from bot.slack.listeners import register
from bot.slack.listeners.errors import error_answer

log = logging.getLogger("rescuebot.app")
LISTENER_THREADS = 32


class MissingSecret(ValueError):
    """A setting the Slack app cannot start without."""


def web_client(settings: Settings) -> WebClient:
    """The Web API client: retries connection errors, 5xx and 429 (honouring Retry-After)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def create_app(
    settings: Settings,
    backend: Backend,
    *,
    client: WebClient | None = None,
    socket_mode: bool = False,
) -> App:
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
    app = App(
        token=token,
        signing_secret=secret or None,
        request_verification_enabled=not socket_mode,
        client=client or web_client(settings),
        raise_error_for_unhandled_request=False,
        # Bolt runs each listener, ack() included, on this pool: with its default 5 threads a
        # new request's ack waits behind other requests' post-ack work.
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    register(app, backend)

    @app.error
    def answer_error(error: Exception, body: dict, respond: Respond | None) -> None:
        """Errors raised outside listeners (middleware, parsing)."""
        answer = error_answer(error, body)
        if answer is not None and respond is not None:
            respond(text=answer, response_type="ephemeral", replace_original=False)

    return app
