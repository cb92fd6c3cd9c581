"""`/onboard survey` and `/onboard report`: thin — parse, call the use case, answer privately."""

from __future__ import annotations

from slack_bolt import Respond

from bot.messages.text import escape_mrkdwn
from bot.services import reports, surveys
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.slack import slash
from bot.slack.listeners.parsing import account_named, no_more_words
from scoring.surveys import survey_answer

SURVEY_OPTIONS = frozenset({"csat", "nps", "day"})


def run_survey(backend: Backend, ask: Ask, parsed: slash.CommandText, respond: Respond) -> None:
    """`/onboard survey <account> csat:1-5|nps:0-10 day:7|30`."""
    account = account_named(backend, parsed)
    no_more_words(parsed)
    options = parsed.options
    answer = survey_answer(options.get("csat"), options.get("nps"), options.get("day"))
    stored = surveys.record_survey(backend, ask, account, answer)
    respond(
        text=f"Recorded {answer.label} for *{escape_mrkdwn(stored.name)}*.",
        response_type="ephemeral",
    )


def run_report(backend: Backend, ask: Ask, parsed: slash.CommandText, respond: Respond) -> None:
    """`/onboard report`: the workbook and the brief, to the asker's DM."""
    no_more_words(parsed)
    sent = reports.send_reports(backend, ask)
    respond(text=reports.sent_text(sent), response_type="ephemeral")
