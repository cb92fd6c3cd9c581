"""Slash command listeners: ack at once, parse, call a service, answer.

Answers are ephemeral (to the person who typed the command) unless the command shares or posts
on purpose; errors raised here become an ephemeral message with the usage line (see app.py).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import blocks as ui
from bot.messages.text import escape_mrkdwn, mention, render
from bot.messages.usage import help_text
from bot.services import accounts, fields, portfolio, rating
from bot.services.backend import Backend
from bot.services.outcomes import kpis_of
from bot.services.weights import rules_in_force
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.overrides import run_override
from bot.slack.listeners.parsing import account_named, allowed_options, no_more_words, request_key
from bot.slack.listeners.refresh import HomeRefresher
from bot.slack.listeners.weights import run_weights
from scoring.errors import InvalidValue
from scoring.kpis import Window
from scoring.signals import Value, parse_value

KPI_WINDOW = timedelta(days=90)
OPTIONS = {
    "add": accounts.ADD_OPTIONS,
    "set": frozenset(accounts.EDITABLE),
    "outcome": frozenset({"date"}),
    "list": frozenset({"segment"}),
    "override": frozenset({"reason"}),
}
ONBOARD = ("add", "handoff", "set", "outcome", "override", "list", "kpis", "weights", "help")


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.command("/onboard")
    @answers_errors
    def onboard(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        run_onboard(backend, homes, body, respond, client)

    @app.command("/scorecard")
    @answers_errors
    def scorecard(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        parsed = slash.parse(body.get("text", ""))
        account = account_named(backend, parsed)
        share = parsed.words[:1] == ["share"]
        if share:
            parsed.take_word()
        no_more_words(parsed)
        with backend.session() as session:
            card = portfolio.scorecard(
                session, account, rules_in_force(session, backend.config), as_of=backend.today()
            )
        respond(
            text=f"{escape_mrkdwn(account.name)}: {ui.score_line(card)}",
            blocks=ui.as_dicts(ui.scorecard_blocks(card)),
            response_type="in_channel" if share else "ephemeral",
        )

    @app.command("/signal")
    @answers_errors
    def signal(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        parsed = slash.parse(body.get("text", ""))
        account = account_named(backend, parsed)
        ratings, note = _ratings(backend, parsed)
        rated = rating.rate(
            backend, context["ask"], account, ratings, note=note, source="slash_command"
        )
        respond(text=ui.recorded_text(rated.recorded), response_type="ephemeral")
        homes.request({body["user_id"], account.csm})

    @app.command("/standup")
    @answers_errors
    def standup(ack: Ack, body: dict, respond: Respond, client: WebClient) -> None:
        ack()
        run_standup(backend, body, respond, client)


def _ratings(
    backend: Backend, parsed: slash.CommandText
) -> tuple[list[tuple[Any, Value]], str | None]:
    """`sig value [note]` or `sig=value sig=value … [note]`."""
    with backend.session() as session:
        taxonomy = rules_in_force(session, backend.config).taxonomy
    if not parsed.words:
        raise InvalidValue("a signal and a value are missing")
    if "=" in parsed.words[0]:
        ratings = []
        while parsed.words and "=" in parsed.words[0]:
            name, _, value = parsed.take_word().partition("=")  # type: ignore[union-attr]
            signal = taxonomy.resolve(name)
            if not value.strip():
                raise InvalidValue(
                    f"the value for `{signal.key}` is missing, e.g. `{signal.key}=2`"
                )
            ratings.append((signal, parse_value(value)))
        return ratings, parsed.rest() or None
    name = parsed.take_word()
    value = parsed.take_word()
    if value is None:
        raise InvalidValue(f"a value for `{name}` is missing")
    return [(taxonomy.resolve(name or ""), parse_value(value))], parsed.rest() or None


def run_onboard(
    backend: Backend, homes: HomeRefresher, body: dict, respond: Respond, client: WebClient
) -> None:
    text = body.get("text", "").strip()
    sub, _, rest = text.partition(" ")
    sub = slash.unescape(sub).lower() or "help"
    if sub not in ONBOARD:
        raise InvalidValue(f"`{sub}` is not an /onboard command; use {', '.join(ONBOARD)}")
    parsed = slash.parse(rest, options=sub in OPTIONS)
    allowed_options(parsed, OPTIONS.get(sub, frozenset()), f"/onboard {sub}")
    user = body["user_id"]
    if sub == "help":
        with backend.session() as session:
            keys = [s.key for s in rules_in_force(session, backend.config).taxonomy.active]
        respond(text=help_text(keys), response_type="ephemeral")
    elif sub == "add":
        with backend.change(request_key(body)) as session:
            account = accounts.add_account(
                session, name=parsed.rest(), options=parsed.options, actor=user, now=backend.now()
            )
        respond(
            text=f"Added *{escape_mrkdwn(account.name)}* as `{account.key}` "
            f"({account.segment}, CSM {mention(account.csm)}). Rate it: "
            f"`/signal {account.key} kickoff 2`, or open `/scorecard {account.key}`.",
            response_type="ephemeral",
        )
        homes.request({user, account.csm})
    elif sub == "handoff":
        account = account_named(backend, parsed)
        no_more_words(parsed)
        with backend.session() as session:
            card = portfolio.scorecard(
                session, account, rules_in_force(session, backend.config), as_of=backend.today()
            )
        answers = {
            q: getattr(account, q)
            for q in ("business_problem", "promised_timeline", "dependencies", "decision_maker")
        }
        metadata = json.dumps({"account": account.key, "channel": body.get("channel_id")})
        client.views_open(
            trigger_id=body["trigger_id"], view=ui.handoff_modal(card, answers, metadata=metadata)
        )
    elif sub == "set":
        account = account_named(backend, parsed)
        no_more_words(parsed)
        with backend.change(request_key(body)) as session:
            session.add(account)
            changed = accounts.edit_account(
                session, account=account, options=parsed.options, actor=user, now=backend.now()
            )
        summary = ", ".join(f"{k} → {v[1]}" for k, v in changed.items()) or "nothing changed"
        respond(
            text=f"*{escape_mrkdwn(account.name)}*: {escape_mrkdwn(summary)}.",
            response_type="ephemeral",
        )
        homes.request({user, account.csm, account.followup_owner})
    elif sub == "outcome":
        account = account_named(backend, parsed)
        outcome = parsed.take_word()
        if outcome is None:
            raise InvalidValue("the outcome is missing: completed, churned or expanded")
        no_more_words(parsed)
        on = fields.day(parsed.options.get("date", ""), "date")
        with backend.change(request_key(body)) as session:
            session.add(account)
            accounts.record_outcome(
                session,
                account=account,
                outcome=outcome,
                on=on,
                actor=user,
                now=backend.now(),
                today=backend.today(),
            )
        respond(
            text=f"*{escape_mrkdwn(account.name)}* ended onboarding: {account.outcome} on "
            f"{account.outcome_on}.",
            response_type="ephemeral",
        )
    elif sub == "override":
        run_override(backend, homes, body, parsed, respond)
    elif sub == "weights":
        run_weights(backend, body, parsed, respond, client)
    elif sub == "kpis":
        no_more_words(parsed)
        today = backend.today()
        with backend.session() as session:
            headline = kpis_of(
                session, backend.config.rules, window=Window(today - KPI_WINDOW, today)
            )
        respond(
            text=render("kpis.mrkdwn.j2", kpis=headline, start=today - KPI_WINDOW, end=today),
            response_type="ephemeral",
        )
    else:
        run_list(backend, parsed, user, respond)


def _scope(parsed: slash.CommandText, user: str) -> tuple[Any, str]:
    """`mine`, `@user` or `segment:X` as a portfolio filter and its description."""
    word = parsed.take_word()
    no_more_words(parsed)
    segment = parsed.options.get("segment")
    if segment is not None:
        if word is not None:
            raise InvalidValue(f"unexpected `{word}`")
        chosen = fields.segment(segment)
        return portfolio.in_segment(chosen), f"in {chosen} "
    if word is None:
        return None, ""
    if word.lower() == "mine":
        return portfolio.involves(user), f"for {mention(user)} "
    if (someone := slash.user_id(word)) is not None:
        return portfolio.involves(someone), f"for {mention(someone)} "
    raise InvalidValue(f"`{word}` is not `mine`, a @mention or `segment:…`")


def run_list(backend: Backend, parsed: slash.CommandText, user: str, respond: Respond) -> None:
    only, scope = _scope(parsed, user)
    with backend.session() as session:
        loaded = portfolio.load_portfolio(
            session, rules_in_force(session, backend.config), as_of=backend.today(), only=only
        )
    cards = sorted(
        (s.card for s in loaded.states),
        key=lambda c: (-c.status.severity, c.score if c.score is not None else -1),
    )
    title = (
        f"{len(cards)} account{'s' if len(cards) != 1 else ''} {scope}· {ui.status_counts(cards)}"
    )
    respond(
        text=title,
        blocks=ui.as_dicts(ui.account_list_blocks(cards, title=title)),
        response_type="ephemeral",
    )


def run_standup(backend: Backend, body: dict, respond: Respond, client: WebClient) -> None:
    parsed = slash.parse(body.get("text", ""), options=True)
    allowed_options(parsed, frozenset({"segment"}), "/standup")
    only, scope = _scope(parsed, body["user_id"])
    today = backend.today()
    with backend.session() as session:
        items = portfolio.load_portfolio(
            session, rules_in_force(session, backend.config), as_of=today, only=only
        ).standup()
    pages = ui.standup_pages(items, as_of=today, scope=scope)
    channel = body["channel_id"]
    try:
        first = client.chat_postMessage(
            channel=channel,
            text=f"Standup: {len(items)} accounts need help this week",
            blocks=ui.as_dicts(pages[0]),
        )
        for page in pages[1:]:
            client.chat_postMessage(
                channel=channel,
                thread_ts=first["ts"],
                blocks=ui.as_dicts(page),
                text="Standup, continued",
            )
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "is_archived":
            raise InvalidValue("this channel is archived; run `/standup` in an active one") from exc
        if error in ("not_in_channel", "channel_not_found"):
            raise InvalidValue(
                "I can't post in this channel. Invite me with `/invite @Onboarding Rescue`, or "
                "run `/standup` in a channel I'm in"
            ) from exc
        raise
