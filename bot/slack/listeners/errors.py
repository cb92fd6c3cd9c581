"""The one error handler every listener goes through.

Errors never leave a listener: Bolt's thread runner, when a listener raises just after
`ack()`, forgets the ack and answers Slack 404 after its 3-second wait. So each listener is
wrapped: known refusals become an ephemeral answer with the usage line, anything else is logged
with an id the user can quote, and a listener that failed before acking is acked.
"""

from __future__ import annotations

import functools
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from bot.messages.limits import fit
from bot.messages.text import escape_mrkdwn
from bot.messages.usage import usage_text
from bot.services.backend import AlreadyHandled
from bot.store.requests import RequestIdReused
from scoring.errors import DomainError, UnknownName

log = logging.getLogger("rescuebot.listeners")
NEEDED = ("ack", "body", "respond", "context")
# The context's key for telling someone privately when their request has no response URL (set
# by the `asking` middleware: a DM through the outbox).
PRIVATELY = "tell_privately"


def error_answer(error: Exception, body: dict[str, Any]) -> str | None:
    """What the person should read about `error`; None when there is nothing to say."""
    if isinstance(error, AlreadyHandled):
        log.info("ignored a repeated Slack request %s", error)
        return None
    if isinstance(error, RequestIdReused):
        log.warning("refused a Slack request id used before for another request: %s", error)
        return (
            ":warning: This request id was already used for another command, so nothing was "
            "done. Run the command again."
        )
    if isinstance(error, DomainError):
        text = f":warning: {fit(str(error), 1500).rstrip('.')}."
        if isinstance(error, UnknownName) and (hint := error.hint()):
            text += f" {escape_mrkdwn(hint)}"
        usage = usage_text(body.get("command"), body.get("text"))
        return text + (f"\nUsage: {usage}" if usage else "")
    error_id = uuid.uuid4().hex[:8]
    log.error("listener failed (error id %s)", error_id, exc_info=error)
    return (
        ":x: Something went wrong on our side and nothing was changed. "
        f"Try again, or quote error id `{error_id}`."
    )


def tell(answer: str, respond: Any, context: Any, body: dict[str, Any]) -> None:
    """Privately: through the response URL when there is one (commands, message buttons),
    else by a direct message queued to the outbox (modal submissions, home tab buttons)."""
    if respond is not None and respond.response_url:
        respond(text=answer, response_type="ephemeral", replace_original=False)
        return
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    privately = context.get(PRIVATELY) if context is not None else None
    if privately is not None and user:
        try:
            privately(user, answer)
        except Exception:
            log.exception("could not tell %s: %s", user, answer)


def answers_errors(listener: Callable[..., Any]) -> Callable[..., Any]:
    """`listener`, made to answer its own errors (see the module docstring)."""
    own = list(inspect.signature(listener).parameters)

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return listener(**{name: kwargs[name] for name in own})
        except Exception as error:
            answer = error_answer(error, kwargs.get("body") or {})
            ack, respond = kwargs.get("ack"), kwargs.get("respond")
            if ack is not None and ack.response is None:
                ack()
            if answer is not None:
                tell(answer, respond, kwargs.get("context"), kwargs.get("body") or {})
            return None

    # Bolt injects the arguments a listener names: name the ones the handler needs too.
    names = [*own, *(n for n in NEEDED if n not in own)]
    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    del wrapper.__wrapped__  # type: ignore[attr-defined]
    return wrapper
