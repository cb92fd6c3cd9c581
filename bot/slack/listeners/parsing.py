"""Parsing shared by the listeners: Slack's request id, options, leftover words, accounts, and
the scorecard a button was clicked on (refused at the click when its modal's action is not
allowed)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.messages.ids import parse_signal_block_id
from bot.services import account_actions, portfolio, rating
from bot.services.backend import Backend
from bot.services.policy import Action, Ask
from bot.slack import slash
from bot.store import accounts as account_rows
from bot.store.tables import Account
from scoring.errors import InvalidValue
from scoring.rules import Rules
from scoring.scorecard import Scorecard
from scoring.signals import parse_value


def request_key(body: dict[str, Any]) -> str | None:
    """The id Slack keeps across retries of one request, and after `#` a digest of what it
    asks: a retry has both the same; the same id asking something else is refused."""
    trigger = body.get("trigger_id")
    if not trigger:
        return None
    view = body.get("view") or {}
    asked = [
        body.get("command"), body.get("text"),
        body.get("user_id") or (body.get("user") or {}).get("id"),
        [(a.get("action_id"), a.get("value"), (a.get("selected_option") or {}).get("value"))
         for a in body.get("actions") or []],
        view.get("callback_id"), (view.get("state") or {}).get("values"),
    ]  # fmt: skip
    digest = hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()
    return f"trigger:{str(trigger)[:96]}#{digest[:16]}"


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
        return named(session, word)


def named(session: Session, text: str) -> Account:
    """The account `text` names (`portfolio.find_account`), looked up by its exact key first:
    one row, where naming it otherwise reads every account (keys are lower-case, so an exact key
    is one whose case-folded form the text is)."""
    exact = account_rows.get_account(session, key=text.strip().casefold())
    return exact if exact is not None else portfolio.find_account(session, text)


@dataclass(frozen=True)
class ScorecardClick:
    """A button on a scorecard message: its account scored now, under the rules in force, and
    the metadata a modal it opens carries back (the account, where to answer, the channel)."""

    account: Account
    rules: Rules
    card: Scorecard
    metadata: dict[str, str]


def scorecard_clicked(
    backend: Backend, ask: Ask, body: dict[str, Any], action: dict, needed: Action
) -> ScorecardClick:
    """The scorecard a button was clicked on, once `ask` may do `needed` to its account: a
    modal that would be refused is refused at the click, before it is filled in."""
    rules = ask.rules
    with backend.session() as session:
        account = portfolio.find_account(session, action["value"])
        card = portfolio.scorecard(session, account, rules, as_of=backend.today())
    account_actions.require(backend, ask, account, needed)
    metadata = {
        "account": account.key,
        "response_url": body.get("response_url", ""),
        "channel": (body.get("container") or {}).get("channel_id"),
    }
    return ScorecardClick(account, rules, card, metadata)


def rate_selected(
    backend: Backend, ask: Ask, action: dict[str, Any]
) -> tuple[Account, rating.Rated]:
    """A signal rated with a select, wherever it is shown (the select's block names the account
    and the signal): the rating use case, which asks the policy."""
    key, signal_key = parse_signal_block_id(action["block_id"])
    value = parse_value((action.get("selected_option") or {}).get("value") or "")
    with backend.session() as session:
        account = named(session, key)
    signal = ask.rules.taxonomy.resolve(signal_key)
    rated = rating.rate(backend, ask, account, [(signal, value)], note=None, source="button")
    return account, rated
