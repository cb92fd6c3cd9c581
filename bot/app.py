"""The Slack app: built by `create_app` from settings and a backend, never at import time.

One error handler answers every listener: known refusals become an ephemeral message with the
usage line; anything else is logged with an id the user can quote, and nothing is half-written
because every use case is one transaction.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.backend import AlreadyHandled, Backend
from bot.config import Settings
from bot.listeners import register
from bot.messages.usage import usage_for
from scoring.errors import DomainError, UnknownName

log = logging.getLogger("rescuebot.app")


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


def create_app(settings: Settings, backend: Backend, *, client: WebClient | None = None) -> App:
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise MissingSecret("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    if (
        settings.slack_signing_secret is None
        or not settings.slack_signing_secret.get_secret_value()
    ):
        raise MissingSecret("SLACK_SIGNING_SECRET is not set: copy it from Basic Information")
    app = App(
        token=settings.slack_bot_token.get_secret_value(),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=client or web_client(settings),
        raise_error_for_unhandled_request=False,
    )
    register(app, backend)

    @app.error
    def answer_error(error: Exception, body: dict, respond: Respond | None) -> None:
        answer = error_answer(error, body)
        if answer is not None and respond is not None:
            respond(text=answer, response_type="ephemeral", replace_original=False)

    return app


def error_answer(error: Exception, body: dict[str, Any]) -> str | None:
    """What the person should read about `error`; None when there is nothing to say."""
    if isinstance(error, AlreadyHandled):
        log.info("ignored a repeated Slack request %s", error)
        return None
    if isinstance(error, DomainError):
        text = f":warning: {str(error)[:1500]}."
        if isinstance(error, UnknownName) and error.candidates:
            text += " Did you mean: " + ", ".join(f"`{c}`" for c in error.candidates) + "?"
        usage = usage_for(body.get("command"), body.get("text"))
        return text + (f"\nUsage: `{usage}`" if usage else "")
    error_id = uuid.uuid4().hex[:8]
    log.exception("listener failed (error id %s)", error_id, exc_info=error)
    return (f":x: Something went wrong on our side and nothing was changed. "
            f"Try again, or quote error id `{error_id}`.")  # fmt: skip
