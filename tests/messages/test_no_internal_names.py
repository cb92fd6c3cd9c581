"""People see labels, never internal identifiers: every kind of message the app renders —
scorecard, standup and its thread, list, digest, rescue card and thread replies, recovery plan,
App Home, timeline, help, errors, the answer to a rating — built from the demo portfolio (every
status, rescues in every state, a plan awaiting approval) and scanned for flag codes, field
names, signal keys outside `code` spans and user ids outside mentions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Any

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.messages import labels
from bot.messages.blocks import as_dicts
from bot.messages.digest import digest_messages
from bot.messages.home import home_view
from bot.messages.lists import account_list_blocks
from bot.messages.rescue import (
    mistake_reply,
    plan_blocks,
    plan_text,
    rescue_blocks,
    rescue_text,
    severe_reply,
    trigger_reply,
)
from bot.messages.scorecard import change_summary, scorecard_blocks
from bot.messages.standup import focus_message, thread_pages
from bot.messages.usage import USAGE, help_text, usage_text
from bot.messages.wording import digest_title
from bot.services import rescues as rescue_use
from bot.services import timeline as history
from bot.services.demo import CSMS, MANAGER, PEOPLE, seed_demo
from bot.services.home import home_for
from bot.services.outcomes import kpis_of
from bot.services.policy import Roles
from bot.services.portfolio import load_portfolio
from bot.slack.listeners.errors import error_answer
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.tables import Approval, Escalation, Rescue
from scoring.accounts import resolve_account
from scoring.errors import InvalidValue
from scoring.kpis import Window
from scoring.scorecard import Flag
from scoring.standup import focus

DAY = date(2026, 12, 2)
NOW = datetime.combine(DAY, time(15, 0), UTC)

CONFIG = load_config(None)
SIGNAL_KEYS = [s.key for s in CONFIG.rules.taxonomy.signals]
FLAG_CODES = [v for k, v in vars(Flag).items() if k.isupper() and "_" in v]
FIELD_NAMES = [name for name in labels.FIELD_LABELS if "_" in name]


def visible_text(rendered: Any) -> Iterator[str]:
    """Every text a person reads in a message: strings, and the text of every block element
    (action ids, values and block ids are for Slack, not people)."""
    if isinstance(rendered, str):
        yield rendered
    elif isinstance(rendered, list | tuple):
        for part in rendered:
            yield from visible_text(part)
    elif isinstance(rendered, dict):
        for key, value in rendered.items():
            if key in ("text", "fields", "elements", "title", "placeholder", "options",
                       "accessory", "element", "label", "blocks", "hint", "confirm", "deny",
                       "submit", "close", "alt_text") or key.endswith("_option"):  # fmt: skip
                yield from visible_text(value)
    elif hasattr(rendered, "to_dict"):
        yield from visible_text(rendered.to_dict())


def leaks(text: str) -> list[str]:
    """Internal identifiers a person would read in `text`."""
    text = re.sub(r"`[^`\n]*`", " ", text)  # signal keys are syntax to type, in code
    text = re.sub(r"<[@#][A-Z0-9]+(\|[^>]*)?>", " ", text)  # mentions and channel links
    text = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r" \1 ", text)  # Slack shows a local date
    text = re.sub(r"<[^>|\s]+\|([^>]*)>", r" \1 ", text)  # links: their text
    text = re.sub(r":[a-z0-9_+-]+:", " ", text)  # emoji codes
    found = [code for code in (*FLAG_CODES, *FIELD_NAMES, *SIGNAL_KEYS[1:]) if code in text]
    found += re.findall(r"\b[UW]0[A-Z0-9]{4,}\b", text)  # a user id outside a mention
    found += re.findall(r"\b[a-z]+_[a-z_]+\b", text)  # any other snake_case name
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[Any]]:
    """Every kind of message, rendered once from the demo portfolio."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('names') / 'demo.db'}")
    upgrade(engine)
    config = CONFIG
    out: dict[str, list[Any]] = {}
    with session_scope(engine) as session:
        seed_demo(session, config, today=DAY)
    with session_scope(engine, read_only=True) as session:
        rules = config.rules
        portfolio = load_portfolio(session, rules, as_of=DAY, with_previous_week=True)
        cards = [state.card for state in portfolio.states]
        split = focus(portfolio.standup())
        out["scorecard"] = [as_dicts(scorecard_blocks(c)) for c in cards]
        out["scorecard, shared"] = [as_dicts(scorecard_blocks(c, interactive=False)) for c in cards]
        out["a rating's answer"] = [change_summary(a, b) for a, b in pairwise(cards)]
        out["standup"] = [as_dicts(focus_message(split, as_of=DAY, scope=""))]
        out["standup thread"] = [as_dicts(page) for page in thread_pages(split, PEOPLE.get)]
        out["list"] = [as_dicts(account_list_blocks(cards, title="All accounts"))]
        kpis = kpis_of(session, rules, window=Window(date(2026, 9, 3), DAY))
        messages = digest_messages(
            portfolio.digest(), scope="All accounts", kpis=kpis,
            title=digest_title("0 9 * * mon", DAY),
        )  # fmt: skip
        out["digest"] = [m.blocks for m in messages] + [m.text for m in messages]
        out["rescue card"], out["rescue thread"] = [], []
        for rescue in session.exec(select(Rescue)).all():
            view = rescue_use.view_of(session, config, rescue, today=DAY)
            out["rescue card"] += [as_dicts(rescue_blocks(view, now=NOW)), rescue_text(view)]
            out["rescue thread"] += [trigger_reply(rescue.reason), severe_reply(rescue.reason)]
        out["rescue thread"].append(mistake_reply(CSMS[0]))
        out["plan"] = []
        for plan in session.exec(select(Escalation)).all():
            decisions = session.exec(select(Approval).where(Approval.escalation_id == plan.id))
            name = next(a.name for a in portfolio.accounts.values() if a.id == plan.account_id)
            out["plan"] += [as_dicts(plan_blocks(plan, name, list(decisions), thread_link=None)),
                            plan_text(plan, name)]  # fmt: skip
        roles = Roles(admins=frozenset(), csms=None, approvers=frozenset({MANAGER}))
        out["App Home"] = []
        for user in (*CSMS, MANAGER):
            home = home_for(session, config, roles, user=user, today=DAY)
            view = home_view(
                user=user, mine=home.needs_help, cards=home.cards, rescues=home.rescues,
                plans=home.plans, failures=home.failures,
            )  # fmt: skip
            out["App Home"].append(view.to_dict())
        signals = {s.key: s.label for s in rules.taxonomy.signals}
        out["timeline"] = [
            f"{labels.kind_label(e.kind)} {labels.value_text('actor', e.actor)} "
            f"{labels.payload_text(e.payload, signals)}"
            for account in portfolio.accounts.values()
            for e in history.timeline(session, account)
        ]
        keys = [(a.key, a.name) for a in portfolio.accounts.values()]
    out["help"] = [help_text(SIGNAL_KEYS)] + [usage_text(c, "") or "" for c in USAGE]
    out["errors"] = []
    for wrong in ("northwind-logistcs", "zzyzx"):
        try:
            resolve_account(wrong, keys)
        except Exception as error:
            out["errors"].append(error_answer(error, {"command": "/signal", "text": wrong}))
    for wrong in ("imprt", "zzz"):
        try:
            CONFIG.rules.taxonomy.resolve(wrong)
        except Exception as error:
            out["errors"].append(error_answer(error, {"command": "/signal", "text": wrong}))
    bad = InvalidValue("`great` is not a signal value; use 0, 1, 2 or risk, watch, healthy")
    out["errors"].append(error_answer(bad, {"command": "/signal", "text": "acme kickoff great"}))
    return out


KINDS = ("scorecard", "scorecard, shared", "a rating's answer", "standup", "standup thread",
         "list", "digest", "rescue card", "rescue thread", "plan", "App Home", "timeline",
         "help", "errors")  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_no_internal_identifier_reaches_a_person(rendered, kind):
    texts = [t for t in visible_text(rendered[kind]) if t]
    assert texts, f"nothing rendered for {kind}"
    found = {leak: text for text in texts for leak in leaks(text)}
    assert not found, f"{kind}: " + "; ".join(f"{k!r} in {v[:160]!r}" for k, v in found.items())


def test_the_scan_catches_what_it_looks_for():
    assert leaks("Flags: signal_at_zero") == ["signal_at_zero", "signal_at_zero"]
    assert "followup_owner" in leaks("followup_owner → U0DEMOALICE")
    assert "U0DEMOALICE" in leaks("owner U0DEMOALICE")
    assert leaks("rate `data_import` with <@U0DEMOALICE> :large_green_circle:") == []
