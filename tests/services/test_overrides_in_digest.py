"""A status override decides the digest too: its counts, who needs help (the standup's focus)
and who is ready for expansion, while the computed status stays on the card beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.config import load_config
from bot.services import portfolio
from bot.services.overrides import set_override
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from scoring.rules import Status

CONFIG = load_config(None)
RULES = CONFIG.rules
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
KEYS = [s.key for s in RULES.taxonomy.active]


def healthy(session, key: str):
    account = account_rows.add_account(
        session, key=key, name=key.title(), segment="mid", csm="U0CSM", arr=50_000,
        business_problem="p", promised_timeline="t", dependencies="d", decision_maker="m",
        signed_on=date(2026, 11, 1),
    )  # fmt: skip
    for signal in KEYS:
        reading_rows.add_reading(
            session, account_id=account.id, signal=signal, value=2, note=None, author="U0CSM",
            source="slash_command", recorded_at=NOW - timedelta(days=2),
        )  # fmt: skip
    return account


def test_an_override_decides_the_digest_counts_help_and_expansion(engine):
    with session_scope(engine) as session:
        healthy(session, "steady")
        called = healthy(session, "called")
        set_override(
            session, CONFIG, account=called, status=Status.AT_RISK, reason="Champion left",
            author="U1", now=NOW,
        )  # fmt: skip
    with session_scope(engine, read_only=True) as session:
        digest = portfolio.load_portfolio(
            session, RULES, as_of=TODAY, with_previous_week=True
        ).digest()
    assert digest.counts[Status.AT_RISK] == 1 and digest.counts[Status.HEALTHY] == 1
    assert [c.account for c in digest.expansion] == ["steady"]  # not the one called At risk
    assert digest.focus is not None
    [shown] = digest.focus.shown
    assert shown.account == "called" and shown.card.status is Status.HEALTHY  # computed, beside
    assert shown.why == "At risk by override (computed Healthy): score 10.0"
