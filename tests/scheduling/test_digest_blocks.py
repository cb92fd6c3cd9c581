"""A big portfolio's digest stays within Block Kit's limits: the rest goes to the thread."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block
from sqlalchemy import Engine

from bot.services.digests import prepare_digests, spec_for
from bot.store.db import session_scope
from tests.scheduling.conftest import ALL, scheduled_config, seed


def test_three_hundred_accounts_needing_help_continue_in_valid_thread_replies(
    engine: Engine,
) -> None:
    seed(engine, accounts=300)
    config = scheduled_config()
    with session_scope(engine, read_only=True) as session:
        (prepared,) = prepare_digests(
            session, config, [spec_for(config, ALL)], as_of=date(2026, 11, 23)
        )
    first, *thread = prepared.messages
    assert len(prepared.digest.needs_help) == 300
    assert thread, "the accounts past the first ten continue in the thread"
    for message in prepared.messages:
        assert 0 < len(message.blocks) <= 50
        assert message.text
        for block in message.blocks:
            parsed = Block.parse(block)
            assert parsed is not None
            parsed.validate_json()
            assert len(block.get("text", {}).get("text", "")) <= 3000
    everything = str([m.blocks for m in prepared.messages])
    assert "Account 299" in everything and "Account 0" in everything
    assert "290 more needing a decision" in str(first.blocks)
