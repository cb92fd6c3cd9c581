"""The monthly second look at overrides: the month's first digest names three overridden
accounts in its scope, the same three on every run; later digests of the month name none."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bot.config import DigestScope, DigestSpec
from bot.services.digests import prepare_digests
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.overrides import add_override
from scoring.rules import Status
from tests.scheduling.conftest import ALL, CSM, scheduled_config, seed

FIRST_MONDAY, SECOND_MONDAY = date(2026, 12, 7), date(2026, 12, 14)


def overridden(engine: Engine, count: int = 5) -> None:
    seed(engine, today=date(2026, 11, 30), accounts=8)
    with session_scope(engine) as session:
        for i in range(count):
            account = account_rows.get_account(session, key=f"acct-{i}")
            assert account is not None
            add_override(session, account_id=account.id, status=Status.AT_RISK,  # type: ignore[arg-type]
                         reason=f"customer went quiet {i}", author=CSM,
                         at=datetime(2026, 12, 1, 9, tzinfo=UTC))  # fmt: skip


def review(engine: Engine, day: date, spec: DigestSpec) -> str | None:
    with session_scope(engine, read_only=True) as session:
        (prepared,) = prepare_digests(session, scheduled_config(), [spec], as_of=day)
    sections = [
        b["text"]["text"]
        for b in prepared.messages[0].blocks
        if b["type"] == "section" and "Second look at overrides" in b["text"]["text"]
    ]
    return sections[0] if sections else None


def test_the_first_digest_of_the_month_asks_for_a_second_look_at_three(engine: Engine):
    overridden(engine)
    text = review(engine, FIRST_MONDAY, DigestSpec(channel=ALL))
    assert text is not None and "(2026-12: 3 drawn at random)" in text
    named = [f"Account {i}" for i in range(8) if f"*Account {i}*" in text]
    assert len(named) == 3 and all(int(n[-1]) < 5 for n in named)  # only overridden ones
    assert "overridden to At risk" in text and "customer went quiet" in text
    assert "`/onboard override ACCOUNT clear`" in text
    assert review(engine, FIRST_MONDAY, DigestSpec(channel=ALL)) == text  # the same draw
    assert review(engine, SECOND_MONDAY, DigestSpec(channel=ALL)) is None


def test_the_review_keeps_to_the_digests_scope(engine: Engine):
    overridden(engine)
    text = review(engine, FIRST_MONDAY, DigestSpec(channel=ALL, scope=DigestScope(segment="mid")))
    assert text is not None
    assert "*Account 1*" in text and "*Account 3*" in text  # mid: the odd ones
    assert "*Account 0*" not in text and "*Account 2*" not in text
