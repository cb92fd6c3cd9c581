"""Slash command listeners: ack at once, parse, call a service, answer.

Answers are ephemeral (to the person who typed the command) unless the command shares or posts
on purpose; errors raised here become an ephemeral message with the usage line (see app.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.messages import blocks as ui
from bot.messages.labels import changes_text
from bot.messages.text import escape_mrkdwn, mention, render
from bot.messages.undo import recorded_blocks
from bot.messages.usage import help_text
from bot.messages.wording import noun, plural
from bot.services import account_actions, accounts, fields, portfolio, rating, undo
from bot.services.backend import Backend
from bot.services.outcomes import kpis_of
from bot.services.policy import Action, Ask
from bot.services.standup import post_standup
from bot.slack import slash
from bot.slack.channels import Channels
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.gates import open_gates
from bot.slack.listeners.outcomes import SURVEY_OPTIONS, run_report, run_survey
from bot.slack.listeners.overrides import run_override
from bot.slack.listeners.parsing import account_named, allowed_options, no_more_words
from bot.slack.listeners.refresh import HomeRefresher
from bot.slack.listeners.weights import run_weights
from scoring.accounts import HANDOFF_QUESTIONS
from scoring.errors import InvalidValue
from scoring.kpis import Window
from scoring.signals import Taxonomy, Value, parse_value

KPI_WINDOW = timedelta(days=90)
OPTIONS = {
    "add": accounts.ADD_OPTIONS,
    "set": frozenset(accounts.EDITABLE),
    "outcome": frozenset({"date"}),
    "list": frozenset({"segment"}),
    "override": frozenset({"reason"}),
    "survey": SURVEY_OPTIONS,
}


def register(app: App, backend: Backend, homes: HomeRefresher, channels: Channels) -> None:
    @app.command("/onboard")
    @answers_errors
    def onboard(
        ack: Ack, body: dict, respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        text = body.get("text", "").strip()
        sub, _, rest = text.partition(" ")
        sub = slash.unescape(sub).lower() or "help"
        if sub not in SUBCOMMANDS:
            raise InvalidValue(f"`{sub}` is not an /onboard command; use {', '.join(SUBCOMMANDS)}")
        parsed = slash.parse(rest, options=sub in OPTIONS)
        allowed_options(parsed, OPTIONS.get(sub, frozenset()), f"/onboard {sub}")
        run_onboard(Onboard(backend, homes, body, parsed, context["ask"], respond, client), sub)

    @app.command("/scorecard")
    @answers_errors
    def scorecard(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        parsed = slash.parse(body.get("text", ""))
        account = account_named(backend, parsed)
        share = parsed.words[:1] == ["share"]
        if share:
            parsed.take_word()
        no_more_words(parsed)
        with backend.session() as session:
            card = portfolio.scorecard(
                session, account, context["ask"].rules, as_of=backend.today()
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
        ratings, note = _ratings(context["ask"].rules.taxonomy, parsed)
        rated = rating.rate(
            backend, context["ask"], account, ratings, note=note, source="slash_command"
        )
        offered = undo.offer(rated.recorded, surface="signal")
        respond(text=ui.recorded_text(rated.recorded), response_type="ephemeral",
                blocks=ui.as_dicts(recorded_blocks(rated.recorded, undo=offered)))  # fmt: skip
        homes.request({body["user_id"], account.csm})

    @app.command("/standup")
    @answers_errors
    def standup(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        run_standup(backend, channels, context["ask"], body, respond)


def _ratings(
    taxonomy: Taxonomy, parsed: slash.CommandText
) -> tuple[list[tuple[Any, Value]], str | None]:
    """`sig value [note]` or `sig=value sig=value … [note]`."""
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


@dataclass(frozen=True)
class Onboard:
    """One `/onboard` subcommand as typed: its words and options, who asks, how to answer."""

    backend: Backend
    homes: HomeRefresher
    body: dict
    parsed: slash.CommandText
    ask: Ask
    respond: Respond
    client: WebClient

    def say(self, text: str) -> None:
        self.respond(text=text, response_type="ephemeral")


def run_onboard(request: Onboard, sub: str) -> None:
    SUBCOMMANDS[sub](request)


def _help(request: Onboard) -> None:
    request.say(help_text([s.key for s in request.ask.rules.taxonomy.active]))


def _add(request: Onboard) -> None:
    parsed = request.parsed
    account = account_actions.add(
        request.backend, request.ask, name=parsed.rest(), options=parsed.options
    )
    request.say(
        f"Added *{escape_mrkdwn(account.name)}* as `{account.key}` "
        f"({account.segment}, CSM {mention(account.csm)}). Rate it: "
        f"`/signal {account.key} kickoff 2`, or open `/scorecard {account.key}`."
    )
    request.homes.request({request.ask.user, account.csm})


def _handoff(request: Onboard) -> None:
    backend, parsed = request.backend, request.parsed
    account = account_named(backend, parsed)
    no_more_words(parsed)
    account_actions.require(backend, request.ask, account, Action.RATE)
    with backend.session() as session:
        card = portfolio.scorecard(session, account, request.ask.rules, as_of=backend.today())
    answers = {q: getattr(account, q) for q in HANDOFF_QUESTIONS}
    metadata = json.dumps({"account": account.key, "channel": request.body.get("channel_id")})
    request.client.views_open(
        trigger_id=request.body["trigger_id"],
        view=ui.handoff_modal(card, answers, metadata=metadata),
    )


def _gate(request: Onboard) -> None:
    open_gates(request.backend, request.ask, request.body, request.parsed, request.client)


def _set(request: Onboard) -> None:
    account = account_named(request.backend, request.parsed)
    no_more_words(request.parsed)
    before = account.csm
    edited = account_actions.edit(request.backend, request.ask, account, request.parsed.options)
    summary = changes_text(edited.changed)  # labels and mentions, values escaped
    request.say(f"*{escape_mrkdwn(edited.account.name)}*: {summary}.")
    request.homes.request(
        {request.ask.user, before, edited.account.csm, edited.account.followup_owner}
    )


def _outcome(request: Onboard) -> None:
    parsed = request.parsed
    account = account_named(request.backend, parsed)
    outcome = parsed.take_word()
    if outcome is None:
        raise InvalidValue("the outcome is missing: completed, churned or expanded")
    no_more_words(parsed)
    on = fields.day(parsed.options.get("date", ""), "date")
    ended = account_actions.record_outcome(
        request.backend, request.ask, account, outcome=outcome, on=on
    )
    request.say(
        f"*{escape_mrkdwn(ended.name)}* ended onboarding: {ended.outcome} on {ended.outcome_on}."
    )


def _override(request: Onboard) -> None:
    run_override(request.backend, request.homes, request.ask, request.parsed, request.respond)


def _weights(request: Onboard) -> None:
    run_weights(request.backend, request.ask, request.parsed, request.respond)


def _kpis(request: Onboard) -> None:
    no_more_words(request.parsed)
    today = request.backend.today()
    with request.backend.session() as session:
        headline = kpis_of(
            session, request.backend.config.rules, window=Window(today - KPI_WINDOW, today)
        )
    request.say(render("kpis.mrkdwn.j2", kpis=headline, start=today - KPI_WINDOW, end=today))


def _survey(request: Onboard) -> None:
    run_survey(request.backend, request.ask, request.parsed, request.respond)


def _report(request: Onboard) -> None:
    run_report(request.backend, request.ask, request.parsed, request.respond)


def _list(request: Onboard) -> None:
    run_list(request.backend, request.ask, request.parsed, request.respond)


SUBCOMMANDS: dict[str, Callable[[Onboard], None]] = {
    "add": _add, "handoff": _handoff, "gate": _gate, "set": _set, "outcome": _outcome,
    "override": _override,
    "list": _list, "kpis": _kpis, "weights": _weights, "help": _help, "survey": _survey,
    "report": _report,
}  # fmt: skip


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


def run_list(backend: Backend, ask: Ask, parsed: slash.CommandText, respond: Respond) -> None:
    only, scope = _scope(parsed, ask.user)
    with backend.session() as session:
        loaded = portfolio.load_portfolio(session, ask.rules, as_of=backend.today(), only=only)
    cards = sorted(
        (s.card for s in loaded.states),
        key=lambda c: (-c.decided_status.severity, c.score if c.score is not None else -1),
    )
    title = (
        f"{len(cards)} account{'s' if len(cards) != 1 else ''} {scope}· {ui.status_counts(cards)}"
    )
    respond(
        text=title,
        blocks=ui.as_dicts(ui.account_list_blocks(cards, title=title)),
        response_type="ephemeral",
    )


def run_standup(
    backend: Backend, channels: Channels, ask: Ask, body: dict, respond: Respond
) -> None:
    """Queue the standup for the channel it was typed in; the courier posts it."""
    parsed = slash.parse(body.get("text", ""), options=True)
    allowed_options(parsed, frozenset({"segment"}), "/standup")
    only, scope = _scope(parsed, ask.user)
    channel = body["channel_id"]
    channels.require_postable(channel, command="/standup")
    queued = post_standup(backend, ask, channel=channel, only=only, scope=scope)
    respond(
        text=f"Posting the standup ({plural(queued.accounts, 'account')} "
        f"{noun(queued.accounts, 'needs', 'need')} help)…",
        response_type="ephemeral",
    )
