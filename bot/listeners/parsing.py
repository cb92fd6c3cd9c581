"""Parsing shared by the listeners: Slack's request id, options, leftover words, accounts."""

from __future__ import annotations

from typing import Any

from bot import slash
from bot.backend import Backend
from bot.services import portfolio
from bot.store.tables import Account
from scoring.errors import InvalidValue


def request_key(body: dict[str, Any]) -> str | None:
    """The id Slack keeps across retries of one request."""
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


def allowed_options(parsed: slash.CommandText, allowed: frozenset[str], command: str) -> None:
    if unknown := sorted(set(parsed.options) - allowed):
        known = ", ".join(f"`{k}:`" for k in sorted(allowed)) or "none"
        raise InvalidValue(f"`{unknown[0]}:` is not an option of `{command}`; its options: {known}")


def no_more_words(parsed: slash.CommandText) -> None:
    if parsed.words:
        raise InvalidValue(f"unexpected `{' '.join(parsed.words)}`")


def account_named(backend: Backend, parsed: slash.CommandText) -> Account:
    word = parsed.take_word()
    if word is None:
        raise InvalidValue("an account is missing")
    with backend.session() as session:
        return portfolio.find_account(session, word)
