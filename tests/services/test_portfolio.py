"""Portfolio views load a window of history; they must score exactly as the full history does."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.config import load_config
from bot.services.portfolio import facts, history_of, load_portfolio
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from scoring.scorecard import evaluate

AS_OF = date(2026, 11, 24)
RULES = load_config(None).rules


def test_windowed_portfolio_scores_like_the_full_history(session):
    rng = random.Random(5)
    keys = [s.key for s in RULES.taxonomy.active]
    start = datetime(2025, 12, 1, 9, tzinfo=UTC)
    for n in range(12):
        account = account_rows.add_account(
            session, key=f"a{n}", name=f"A {n}", segment="mid", signed_on=date(2025, 11, 1),
            business_problem="p", promised_timeline="t", dependencies="d", decision_maker="m",
        )  # fmt: skip
        for week in range(51):
            for key in rng.sample(keys, rng.randint(0, 3)):  # some signals go quiet for months
                reading_rows.add_reading(
                    session, account_id=account.id, signal=key, value=rng.randint(0, 2),
                    note=None, author="U1", source="import",
                    recorded_at=start + timedelta(weeks=week, hours=rng.randint(0, 90)),
                )  # fmt: skip
        reading_rows.add_reading(  # recorded long ago, imported last: latest by time still wins
            session, account_id=account.id, signal="kickoff", value=0, note=None, author="U2",
            source="import", recorded_at=start - timedelta(days=30),
        )  # fmt: skip
    session.commit()
    portfolio = load_portfolio(session, RULES, as_of=AS_OF, with_previous_week=True)
    full = reading_rows.history_by_account(session)
    for state in portfolio.states:
        account = portfolio.accounts[state.card.account.key]
        expected = evaluate(facts(account), history_of(full[account.id], RULES), RULES,
                            as_of=AS_OF, trend_weeks=0)  # fmt: skip
        got = state.card
        assert (got.score, got.status, got.coverage, got.trend.delta) == (
            expected.score, expected.status, expected.coverage, expected.trend.delta)  # fmt: skip
        assert min(got.trend.falling_weeks, 8) == min(expected.trend.falling_weeks, 8)
        assert [(s.value, s.stale, s.overdue) for s in got.signals] == [
            (s.value, s.stale, s.overdue) for s in expected.signals]  # fmt: skip
